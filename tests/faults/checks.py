"""What must hold after every fault, read directly from PostgreSQL and from the stream."""

from __future__ import annotations

import asyncio
import time

import nats

from redress.events import verify
from redress.events.bus import Bus
from redress.events.verify import LogRow, compare
from tests.faults.platform import Platform


async def stream_ids(platform: Platform) -> list[str]:
    """Every message's event id (Nats-Msg-Id), in stream order."""
    nc = await nats.connect(platform.nats_url, connect_timeout=5, max_reconnect_attempts=3)
    try:
        return await verify.stream_ids(nc.jetstream(timeout=10), Bus())
    finally:
        await nc.close()


async def log_rows(platform: Platform) -> list[tuple[str, str, int]]:
    """Every row of the log, (id, stream, version), in the relay's (tx_id, position) order."""
    conn = await platform.connect()
    try:
        rows = await conn.fetch(
            "SELECT id::text, stream, version FROM eventlog.events ORDER BY tx_id, position"
        )
        return [(r["id"], r["stream"], r["version"]) for r in rows]
    finally:
        await conn.close()


async def caught_up(platform: Platform, deadline: float = 90) -> tuple[list, list[str]]:
    """Log and stream once they hold as many events, or at the deadline.

    The stream is read before the log: the relay publishes only committed rows, so every
    message read must be in the log read after it, while policies still append.
    """
    started = time.monotonic()
    while True:
        ids = await stream_ids(platform)
        rows = await log_rows(platform)
        if len(ids) == len(rows) or time.monotonic() - started > deadline:
            return rows, ids
        await asyncio.sleep(1)


def disagreements(rows: list[tuple[str, str, int]], ids: list[str]) -> list[str]:
    """How the stream differs from the log (the checks of `redress verify`)."""
    return compare([LogRow(*r) for r in rows], ids)


async def cases_per_grievance(
    platform: Platform, accepted: list[str], deadline: float = 90
) -> dict[str, int]:
    """Cases per accepted grievance (cases schema), once each has one or at the deadline."""
    started = time.monotonic()
    while True:
        conn = await platform.connect()
        try:
            rows = await conn.fetch(
                "SELECT grievance_id, count(*) AS n FROM cases.cases"
                " WHERE grievance_id = ANY($1::text[]) GROUP BY grievance_id",
                accepted,
            )
        finally:
            await conn.close()
        found = {r["grievance_id"]: r["n"] for r in rows}
        if len(found) == len(set(accepted)) or time.monotonic() - started > deadline:
            return {g: found.get(g, 0) for g in set(accepted)}
        await asyncio.sleep(1)
