"""What cases holds beside the kit's runtime: the keyring, a clock, the CSRF key of the
officer console, the deadline scheduler."""

from __future__ import annotations

import secrets
from dataclasses import dataclass, field
from datetime import date
from typing import Annotated

import asyncpg
from fastapi import Depends, Request

from redress.cases.deadlines import deadline_scheduler
from redress.cases.domain import TimeFrames
from redress.events.store import Conn, EventStore
from redress.events.timers import Clock, SystemClock
from redress.kit.crypto import Keyring
from redress.kit.errors import Problem
from redress.kit.keyset import derive, keyset_file, root_secret
from redress.kit.runtime import Runtime
from redress.kit.settings import Settings
from redress.tenancy.handlers import read_tenant
from redress.tenancy.tenant import Tenant


@dataclass
class Cases:
    keyring: Keyring
    clock: Clock
    # Derived from the root secret at start, so that every replica checks the same tokens.
    csrf_key: bytes = field(default_factory=lambda: secrets.token_bytes(32))

    async def today_in(self, conn: Conn, tenant: str) -> date:
        """The tenant's date now, in its time zone: the day due dates are counted in. A stage
        is late from the end of its due day there, when the deadline scheduler fires
        (`TimeFrames.end_of`); read on the tenant's stream, like the frames (ADR 18)."""
        return (await self.calendar_in(conn, tenant))[0]

    async def calendar_in(
        self, conn: Conn, tenant: str, member_org: str | None = None
    ) -> tuple[date, TimeFrames]:
        """The tenant's date now and its time frames (with its time zone, in which the
        consoles say the moments of a case's timeline).

        A member company's lists name it (`member_org`): one the initiative has not admitted
        is refused (403 `not-a-member`), as its filings are, where an empty list would read
        as a supply chain with no cases."""
        state = await read_tenant(conn, tenant)
        if member_org is not None and member_org not in state.members:
            raise Problem(403, "not-a-member", f"{member_org!r} is not a member of this initiative")
        frames = tenant_frames(state)
        return frames.local_day(self.clock.now()), frames


async def start(runtime: Runtime) -> None:
    settings = runtime.settings
    csrf_key = derive(root_secret(settings), "cases-csrf")
    runtime.extras["cases"] = Cases(Keyring(keyset_file(settings)), SystemClock(), csrf_key)


async def run_deadlines(runtime: Runtime) -> None:
    """Fire missed stage deadlines, one scheduler leading across replicas.

    A background task of the service: the kit supervises it, so whatever stops it is shown
    on /health, logged and counted, and it starts again with backoff.
    """
    cases: Cases = runtime.extras["cases"]
    scheduler = deadline_scheduler(runtime.pool, runtime.store, cases.clock)
    await scheduler.run(runtime.settings.require_database(), interval=5.0)


def check(settings: Settings) -> None:
    root_secret(settings)
    keyset_file(settings)


async def get_cases(request: Request) -> Cases:
    return _cases(request)


def _cases(request: Request) -> Cases:
    cases: Cases = request.app.state.runtime.extras["cases"]
    return cases


CasesContext = Annotated[Cases, Depends(get_cases)]


@dataclass(frozen=True)
class Desk:
    """What the case handlers work with: the log, the service's pool and its context."""

    store: EventStore
    pool: asyncpg.Pool
    cases: Cases

    async def today(self, tenant: str) -> date:
        """The tenant's date now, in its time zone (`Cases.today_in`): the day a decision is
        recorded on, and after which a date is in the future."""
        async with self.pool.acquire() as conn:
            return await self.cases.today_in(conn, tenant)

    async def frames(self, tenant: str) -> TimeFrames:
        """The tenant's time frames, working days and time zone as its stream says now: due
        dates are recorded for good, so they are never computed from a read model a rebuild
        may have emptied (ADR 18)."""
        async with self.pool.acquire() as conn:
            return tenant_frames(await read_tenant(conn, tenant))

    async def calendar(self, tenant: str) -> tuple[date, TimeFrames]:
        """The tenant's today (in its time zone) and its time frames."""
        frames = await self.frames(tenant)
        return frames.local_day(self.cases.clock.now()), frames


def tenant_frames(tenant: Tenant) -> TimeFrames:
    said, settings = tenant.time_frames, tenant.settings
    if settings is None:
        return TimeFrames(said.acknowledge_days, said.feedback_days, said.plan_days)
    return TimeFrames(said.acknowledge_days, said.feedback_days, said.plan_days,
                      tuple(settings.working_days), settings.time_zone)  # fmt: skip


async def get_desk(request: Request) -> Desk:
    runtime: Runtime = request.app.state.runtime
    return Desk(runtime.store, runtime.pool, _cases(request))


CaseDesk = Annotated[Desk, Depends(get_desk)]
