"""Missed acknowledgements: the scheduler fires a sent referral's timer into ReferralOverdue."""

from __future__ import annotations

from datetime import datetime

import asyncpg

from redress.events.application import execute
from redress.events.envelope import SYSTEM, Metadata
from redress.events.store import Conn, EventStore
from redress.events.timers import Clock, Scheduler, Timer
from redress.referral.answers import MissAcknowledgement
from redress.referral.domain import REFERRAL

KIND = "acknowledgement"


def timer_id(referral_id: str, partner_id: str) -> str:
    return f"{referral_id}:{partner_id}"


def overdue_scheduler(pool: asyncpg.Pool, store: EventStore, clock: Clock) -> Scheduler:
    async def missed(_conn: Conn, timer: Timer) -> None:
        # In a transaction of its own, as cases' deadlines are (see cases/deadlines.py): the
        # scheduler's transaction is older than a partner's acknowledgement written meanwhile.
        stream = timer.payload["referral_id"]
        due = datetime.fromisoformat(timer.payload["acknowledge_by"])
        command = MissAcknowledgement(timer.payload["partner_id"], due)
        metadata = Metadata(tenant=timer.tenant, actor=SYSTEM)
        await execute(store, stream, REFERRAL.deciding(stream, command), metadata)

    return Scheduler(pool, "referral", {KIND: missed}, clock)
