"""What must hold after every fault, read directly from PostgreSQL and from the stream."""

from __future__ import annotations

import asyncio
import time

import nats

from redress.events import verify
from redress.events.bus import Bus
from redress.events.verify import LogRow, compare
from tests.faults.observe import Load
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


async def _value(platform: Platform, query: str, *args: object) -> int:
    conn = await platform.connect()
    try:
        return int(await conn.fetchval(query, *args))
    finally:
        await conn.close()


async def log_head(platform: Platform) -> int:
    """The log's last position: grievances filed after it are the load's."""
    return await _value(platform, "SELECT coalesce(max(position), 0) FROM eventlog.events")


async def grievances_since(platform: Platform, head: int) -> int:
    """Grievances in the log after `head`: one per accepted filing, none doubled by a retry."""
    query = "SELECT count(*) FROM eventlog.events WHERE position > $1 AND type = $2"
    return await _value(platform, query, head, "GrievanceSubmitted")


def filing_failures(
    load: Load, answered: bool, outage: bool, start: float, end: float
) -> list[str]:
    """What the load's answers show wrong.

    A filing's attempts may go unanswered within the client's timeout, or be turned away with
    503 and Retry-After (intake busy, or its database out of reach: a pool that hands out no
    connection for the faults' short deadline counts as that), and are asked again with the
    same Idempotency-Key: on two cores under faults that is the machine's pace, not a loss.
    What fails: a connection closed without an answer (where intake is not killed), any other
    status, a filing never accepted, a retry answered with a second grievance; and during a
    database outage (`outage`, from `start` to `end`), any attempt not answered in time.
    """
    failures = []
    dropped = [
        a
        for a in load.answers
        if a.status is None and (not a.late or (outage and start <= a.sent <= end))
    ]
    if answered and dropped:
        errors = sorted({str(a.error) for a in dropped})
        failures.append(f"{len(dropped)} attempts' connections closed without an answer: {errors}")
    wrong = [
        a
        for a in load.answers
        if a.status not in (None, 201) and not (a.status == 503 and a.retry_after)
    ]
    if wrong:
        kinds = sorted({f"{a.status} {a.kind}" for a in wrong})
        failures.append(f"{len(wrong)} attempts answered otherwise: {kinds}")
    named: dict[int, set[str]] = {}
    for a in load.answers:
        if a.grievance_id:
            named.setdefault(a.filing, set()).add(a.grievance_id)
    if doubled := [n for n, ids in named.items() if len(ids) > 1]:
        failures.append(f"{len(doubled)} filings answered with more than one grievance")
    if answered and (unaccepted := load.sent - len(named)):
        failures.append(f"{unaccepted} of {load.sent} filings never accepted")
    return failures
