"""Timers: due rows in a service's `timers` table turned into events by one scheduler.

Projections write the rows (deadlines of case stages, callback due dates, webhook retries);
the scheduler fires each due row once: the handler's appends and the row's `fired_at` are
written in one transaction.
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, Protocol

import asyncpg
import structlog

from redress.events.leader import leadership
from redress.events.recovery import working
from redress.events.store import Conn

log = structlog.get_logger("redress.timers")


class Clock(Protocol):
    def now(self) -> datetime: ...


class SystemClock:
    def now(self) -> datetime:
        return datetime.now(UTC)


@dataclass
class FixedClock:
    """A clock that tests move by hand."""

    at: datetime

    def now(self) -> datetime:
        return self.at


@dataclass(frozen=True)
class Timer:
    id: str
    kind: str
    tenant: str
    due_at: datetime
    payload: dict[str, Any]


Handler = Callable[[Conn, Timer], Awaitable[None]]


async def schedule(
    conn: Conn,
    schema: str | None,
    timer_id: str,
    kind: str,
    tenant: str,
    due_at: datetime,
    **payload: Any,
) -> None:
    """Set (or move) a timer; a fired timer is left as it is.

    `schema` None: the `timers` of the search path (a projection's batch, maybe a rebuild's).
    """
    table = f"{schema}.timers" if schema else "timers"
    await conn.execute(
        f"""INSERT INTO {table} AS t (id, kind, tenant, due_at, payload)
            VALUES ($1, $2, $3, $4, $5::jsonb)
            ON CONFLICT (id) DO UPDATE SET due_at = excluded.due_at, payload = excluded.payload
            WHERE t.fired_at IS NULL""",
        timer_id,
        kind,
        tenant,
        due_at,
        json.dumps(payload, default=str),
    )


async def schedule_many(conn: Conn, timers: Sequence[Timer]) -> None:
    """`schedule` for many timers of distinct ids in one statement, in the search path's
    `timers` (a projection's batch)."""
    if not timers:
        return
    await conn.execute(
        """INSERT INTO timers AS t (id, kind, tenant, due_at, payload)
           SELECT * FROM unnest($1::text[], $2::text[], $3::text[], $4::timestamptz[],
                                $5::jsonb[])
           ON CONFLICT (id) DO UPDATE SET due_at = excluded.due_at, payload = excluded.payload
           WHERE t.fired_at IS NULL""",
        [t.id for t in timers],
        [t.kind for t in timers],
        [t.tenant for t in timers],
        [t.due_at for t in timers],
        [json.dumps(t.payload, default=str) for t in timers],
    )


async def cancel(conn: Conn, schema: str, timer_id: str) -> None:
    await conn.execute(f"DELETE FROM {schema}.timers WHERE id = $1 AND fired_at IS NULL", timer_id)


class Scheduler:
    def __init__(
        self,
        pool: asyncpg.Pool,
        schema: str,
        handlers: dict[str, Handler],
        clock: Clock | None = None,
        *,
        batch: int = 100,
    ) -> None:
        self.pool = pool
        self.schema = schema
        self.handlers = handlers
        self.clock = clock or SystemClock()
        self.batch = batch

    async def tick(self) -> int:
        """Fire every timer due now; return how many fired."""
        fired = 0
        while True:
            async with self.pool.acquire() as conn, conn.transaction():
                rows = await conn.fetch(
                    f"""SELECT id, kind, tenant, due_at, payload FROM {self.schema}.timers
                        WHERE fired_at IS NULL AND due_at <= $1
                        ORDER BY due_at LIMIT $2 FOR UPDATE SKIP LOCKED""",
                    self.clock.now(),
                    self.batch,
                )
                for row in rows:
                    timer = Timer(
                        row["id"],
                        row["kind"],
                        row["tenant"],
                        row["due_at"],
                        json.loads(row["payload"]),
                    )
                    await self.handlers[timer.kind](conn, timer)
                    await conn.execute(
                        f"UPDATE {self.schema}.timers SET fired_at = $2 WHERE id = $1",
                        timer.id,
                        self.clock.now(),
                    )
            fired += len(rows)
            if len(rows) < self.batch:
                return fired

    async def run(self, dsn: str, interval: float = 1.0) -> None:
        """Lead (one scheduler per schema) and fire due timers every `interval` seconds."""
        async with leadership(dsn, f"scheduler:{self.schema}") as lock:
            while True:
                try:
                    await self.tick()
                except (OSError, TimeoutError, asyncpg.PostgresError) as exc:
                    log.error("timers not fired; trying again", schema=self.schema, error=str(exc))
                else:
                    working()
                await asyncio.sleep(interval)
                # The lock lives on this connection: lost with it, so is the leadership.
                await lock.execute("SELECT 1", timeout=10)
