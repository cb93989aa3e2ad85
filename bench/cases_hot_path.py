"""A member's submission becoming a case, as the cases runners see it at a high offered rate.

Batches of 50 filings (what 300 submissions/s brings in about 170 ms) go through the policy
that opens their cases, and batches of their filings, cases opened and first stages through
the case views. It runs on the generated log of bench/cases.py, on one connection in a
transaction rolled back at the end: the log's case streams are removed first (the log's
append-only trigger is off inside that transaction only) and the views emptied, and each
batch runs in a savepoint rolled back after it, so that every batch meets what a live one
meets: no case yet for its filings. The figure is submissions/s of the apply alone.
"""

from __future__ import annotations

import time

import asyncpg

from redress.cases.policies import OpenCases
from redress.cases.projections import CaseViews
from redress.events.envelope import Event
from redress.events.projection import Projection
from redress.events.store import Conn, EventStore

PER = 50
FILINGS = 1000


async def measure(pool: asyncpg.Pool, rounds: int) -> dict[str, list[float]]:
    """Submissions/s through the policy and through the views, `rounds` samples each."""
    store = EventStore(pool)
    log = [e async for e in store.read_log()]
    filed = [e for e in log if e.type == "GrievanceSubmitted"][:FILINGS]
    grievances = {getattr(e.data, "grievance_id") for e in filed}  # noqa: B009
    first: dict[tuple[str, str], Event] = {}
    for e in log:  # each case's opening and first stage
        opening = e.type in ("CaseOpened", "StageEntered") and (e.stream, e.type) not in first
        if opening and getattr(e.data, "grievance_id") in grievances:  # noqa: B009
            first[(e.stream, e.type)] = e
    views_events = sorted([*filed, *first.values()], key=lambda e: (e.tx_id, e.position))
    policy, views = OpenCases(), CaseViews()
    policy.store = store
    by_policy = [filed[i : i + PER] for i in range(0, len(filed), PER)]
    by_views = [views_events[i : i + 3 * PER] for i in range(0, len(views_events), 3 * PER)]
    rates: dict[str, list[float]] = {"policy": [], "views": []}
    async with pool.acquire() as conn:
        outer = conn.transaction()
        await outer.start()
        try:
            await conn.execute("SET LOCAL search_path TO cases")
            await conn.execute("ALTER TABLE eventlog.events DISABLE TRIGGER events_append_only")
            await conn.execute("DELETE FROM eventlog.events WHERE stream LIKE 'case-%'")
            for table in views.tables:
                await conn.execute(f"TRUNCATE cases.{table}")
            for _ in range(rounds):
                rates["policy"].append(len(filed) / await _timed(conn, policy, by_policy))
                rates["views"].append(len(filed) / await _timed(conn, views, by_views))
        finally:
            await outer.rollback()
    return rates


async def _timed(conn: Conn, projection: Projection, batches: list[list[Event]]) -> float:
    spent = 0.0
    for batch in batches:
        savepoint = conn.transaction()
        await savepoint.start()
        began = time.perf_counter()
        await projection.apply_batch(conn, batch)
        spent += time.perf_counter() - began
        await savepoint.rollback()
    return spent
