"""What the assessment handlers work with (the log, the service's pool and the frameworks),
and the scheduler of the action plans' reminders."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Annotated

import asyncpg
from fastapi import Depends, Request

from redress.assessment.frameworks import Frameworks, catalogue
from redress.assessment.reminders import reminder_scheduler
from redress.events.store import EventStore
from redress.events.timers import Clock, SystemClock
from redress.kit.crypto import Keyring
from redress.kit.keyset import derive, keyset_file, root_secret
from redress.kit.runtime import Runtime
from redress.kit.settings import Settings


@dataclass(frozen=True)
class Desk:
    store: EventStore
    pool: asyncpg.Pool
    frameworks: Frameworks
    keyring: Keyring
    """Seals evidence files."""
    clock: Clock = field(default_factory=SystemClock)
    """Today, for a plan's due dates (the reminders' scheduler reads the same one)."""


async def get_desk(request: Request) -> Desk:
    runtime: Runtime = request.app.state.runtime
    extras = runtime.extras
    return Desk(
        runtime.store,
        runtime.pool,
        catalogue(),
        extras["assessment.keyring"],
        extras["assessment.clock"],
    )


AssessmentDesk = Annotated[Desk, Depends(get_desk)]


async def start(runtime: Runtime) -> None:
    runtime.extras["assessment.clock"] = SystemClock()
    runtime.extras["assessment.csrf"] = derive(root_secret(runtime.settings), "assessment-csrf")
    runtime.extras["assessment.keyring"] = Keyring(keyset_file(runtime.settings))


def check(settings: Settings) -> None:
    root_secret(settings)
    keyset_file(settings)


async def run_reminders(runtime: Runtime) -> None:
    """Fire the action plans' reminders, one scheduler leading across replicas.

    Background work of the service: when it stops (a database restart, a failing handler),
    the kit's supervisor reports it on /health, logs it as what it is and starts it again.
    """
    clock: Clock = runtime.extras["assessment.clock"]
    scheduler = reminder_scheduler(runtime.pool, runtime.store, clock)
    await scheduler.run(runtime.settings.require_database(), interval=5.0)
