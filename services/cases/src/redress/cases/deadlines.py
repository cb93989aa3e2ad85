"""Missed stage deadlines: the scheduler fires a case's timer into StageDeadlineMissed."""

from __future__ import annotations

import asyncpg

from redress.cases.domain import MissDeadline, Stage, decide, fold
from redress.events.envelope import SYSTEM, Metadata
from redress.events.errors import ConcurrencyError
from redress.events.store import Conn, EventStore
from redress.events.timers import Clock, Scheduler, Timer

# An officer may write to the case between our read and our append: read again and decide
# again, a few times, rather than fail the scheduler's whole batch.
ATTEMPTS = 5


def deadline_scheduler(pool: asyncpg.Pool, store: EventStore, clock: Clock) -> Scheduler:
    async def missed(_conn: Conn, timer: Timer) -> None:
        # Not appended on the scheduler's connection: its transaction took its id when it
        # locked the timer, before we read the case, and the log is delivered in transaction
        # id order, so an officer's event we read (and decide after) would be delivered after
        # ours. A transaction of its own keeps the case's events in order; should the timer's
        # row then not be marked fired, the next tick decides nothing (already missed).
        stream = timer.payload["stream"]
        meta = Metadata(tenant=timer.tenant, actor=SYSTEM)
        for attempt in range(1, ATTEMPTS + 1):
            events = await store.read_stream(stream)
            state = fold([e.data for e in events])
            new = decide(MissDeadline(Stage(timer.payload["stage"])), state)
            if not new:
                return
            try:
                await store.append(stream, new, len(events), meta)
                return
            except ConcurrencyError:
                if attempt == ATTEMPTS:
                    raise

    return Scheduler(pool, "cases", {"deadline": missed}, clock)
