"""What cases holds beside the kit's runtime: the keyring, a clock, the deadline scheduler."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from typing import Annotated

import structlog
from fastapi import Depends, Request

from redress.cases.deadlines import deadline_scheduler
from redress.events.timers import Clock, SystemClock
from redress.kit.crypto import Keyring, master_key
from redress.kit.runtime import Runtime
from redress.kit.settings import Settings

log = structlog.get_logger("redress.cases")


@dataclass
class Cases:
    keyring: Keyring
    clock: Clock


async def start(runtime: Runtime) -> None:
    runtime.extras["cases"] = Cases(Keyring(master_key(runtime.settings)), SystemClock())


async def run_deadlines(runtime: Runtime) -> None:
    """Fire missed stage deadlines, one scheduler leading across replicas."""
    cases: Cases = runtime.extras["cases"]
    scheduler = deadline_scheduler(runtime.pool, runtime.store, cases.clock)
    dsn = runtime.settings.require_database()
    while True:
        try:
            await scheduler.run(dsn, interval=5.0)
        except (OSError, ConnectionError) as exc:  # pragma: no cover - database restarts
            log.error("deadline scheduler stopped; starting again", error=str(exc))
            await asyncio.sleep(1)


def check(settings: Settings) -> None:
    master_key(settings)


def get_cases(request: Request) -> Cases:
    cases: Cases = request.app.state.runtime.extras["cases"]
    return cases


CasesContext = Annotated[Cases, Depends(get_cases)]
