"""How far delivery is behind the log: events not yet in the stream, and for how long.

Read from both ends: the log's rows after the cursor of the stream's last message, and the
time of the first of them. A synthetic tenant's events (ADR 22) are counted but not timed:
their time is the made-up moment they "happened", years before they were written. A relay
that is dead, stuck, cut off from NATS, or held back by an open transaction shows here as
lag growing, whatever it says of itself.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from dataclasses import dataclass

import asyncpg
from nats.js import JetStreamContext

from redress.events.bus import Bus

# Counting stops here: beyond it, the number matters less than the alarm.
COUNT_LIMIT = 100_000

_BEHIND = f"""
SELECT (SELECT count(*) FROM (
          SELECT 1 FROM eventlog.events
          WHERE (tx_id, position) > ($1::text::xid8, $2::bigint) LIMIT {COUNT_LIMIT}) AS b)
         AS events,
       coalesce(extract(epoch FROM now() - (
          SELECT time FROM eventlog.events e
          WHERE (tx_id, position) > ($1::text::xid8, $2::bigint)
            AND NOT EXISTS (SELECT FROM eventlog.synthetic_tenants s WHERE s.tenant = e.tenant)
          ORDER BY tx_id, position LIMIT 1)), 0)::float8 AS seconds
"""


@dataclass(frozen=True)
class Lag:
    events: int
    seconds: float
    stream_last: int = 0  # the stream's last sequence, where every projection is headed


async def delivery_lag(
    pool: asyncpg.Pool,
    js: JetStreamContext,
    bus: Bus,
    *,
    timeout: float = 5.0,
    asking: Callable[[str], None] | None = None,
) -> Lag:
    """Events of the log not in the stream yet, and the age of the oldest of them.

    `asking` is told which server is asked next ("NATS", then "PostgreSQL"), so that a
    caller that stops waiting can say which of them did not answer.
    """
    tell = asking or (lambda _: None)
    tell("NATS")
    last, cursor = await asyncio.wait_for(bus.last_published(js), timeout)
    tell("PostgreSQL")
    async with pool.acquire(timeout=timeout) as conn:
        row = await conn.fetchrow(_BEHIND, str(cursor.tx_id), cursor.position, timeout=timeout)
    assert row is not None
    return Lag(int(row["events"]), round(float(row["seconds"]), 1), last)
