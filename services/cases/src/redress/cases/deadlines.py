"""Missed stage deadlines: the scheduler fires a case's timer into StageDeadlineMissed."""

from __future__ import annotations

import asyncpg

from redress.cases.domain import MissDeadline, Stage, decide, fold
from redress.events.envelope import SYSTEM, Metadata
from redress.events.store import Conn, EventStore
from redress.events.timers import Clock, Scheduler, Timer


def deadline_scheduler(pool: asyncpg.Pool, store: EventStore, clock: Clock) -> Scheduler:
    async def missed(conn: Conn, timer: Timer) -> None:
        stream = timer.payload["stream"]
        events = await store.read_stream(stream)
        state = fold([e.data for e in events])
        new = decide(MissDeadline(Stage(timer.payload["stage"])), state)
        if new:
            meta = Metadata(tenant=timer.tenant, actor=SYSTEM)
            await store.append(stream, new, len(events), meta, conn=conn)

    return Scheduler(pool, "cases", {"deadline": missed}, clock)
