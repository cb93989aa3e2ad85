"""Missed stage deadlines: the scheduler fires a case's timer into StageDeadlineMissed."""

from __future__ import annotations

import asyncpg

from redress.cases.domain import CASE, MissDeadline, Stage
from redress.events.application import execute
from redress.events.envelope import SYSTEM, Metadata
from redress.events.store import Conn, EventStore
from redress.events.timers import Clock, Scheduler, Timer


def deadline_scheduler(pool: asyncpg.Pool, store: EventStore, clock: Clock) -> Scheduler:
    async def missed(_conn: Conn, timer: Timer) -> None:
        # Not appended on the scheduler's connection: its transaction took its id when it
        # locked the timer, before we read the case, and the log is delivered in transaction
        # id order, so an officer's event we read (and decide after) would be delivered after
        # ours. A transaction of its own keeps the case's events in order; should the timer's
        # row then not be marked fired, the next tick decides nothing (already missed). An
        # officer writing meanwhile makes `execute` read again and decide again.
        stream = timer.payload["stream"]
        command = MissDeadline(Stage(timer.payload["stage"]))
        await execute(
            store,
            stream,
            CASE.deciding(stream, command),
            Metadata(tenant=timer.tenant, actor=SYSTEM),
        )

    return Scheduler(pool, "cases", {"deadline": missed}, clock)
