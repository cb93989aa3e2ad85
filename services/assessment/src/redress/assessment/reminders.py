"""Reminders of planned actions: the projection sets timers, the scheduler fires them into
`ActionReminded` through the assessment's own domain (which ignores a stale timer)."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta

import asyncpg

from redress.assessment.domain import aggregate
from redress.assessment.frameworks import catalogue
from redress.assessment.plan import Remind
from redress.events.application import execute
from redress.events.catalogue.assessment import Reminder
from redress.events.envelope import SYSTEM, Metadata
from redress.events.store import Conn, EventStore
from redress.events.timers import Clock, Scheduler, Timer

KIND = "action"
SOON = timedelta(days=7)


def timer_id(assessment_id: str, criterion: str, reminder: Reminder) -> str:
    return f"{assessment_id}:{criterion}:{reminder.value}"


def fires_at(due_on: date, reminder: Reminder) -> datetime:
    """A week before the due date begins, or once it has ended (UTC)."""
    day = due_on - SOON if reminder is Reminder.due_soon else due_on + timedelta(days=1)
    return datetime.combine(day, time(), UTC)


def reminder_scheduler(pool: asyncpg.Pool, store: EventStore, clock: Clock) -> Scheduler:
    async def remind(_conn: Conn, timer: Timer) -> None:
        # In a transaction of its own, as referral's overdue acknowledgements are.
        stream = timer.payload["assessment_id"]
        command = Remind(timer.payload["criterion"], date.fromisoformat(timer.payload["due_on"]),
                         Reminder(timer.payload["reminder"]))  # fmt: skip
        metadata = Metadata(tenant=timer.tenant, actor=SYSTEM)
        await execute(store, stream, aggregate(catalogue()).deciding(stream, command), metadata)

    return Scheduler(pool, "assessment", {KIND: remind}, clock)
