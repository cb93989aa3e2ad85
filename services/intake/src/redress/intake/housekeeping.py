"""Work intake does by itself, each with one leader across replicas and a clock tests move:
erasing personal data past the tenant's retention period (and unsent texts past their ten
minutes), and rotating the key-encryption key on its period."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import timedelta

import asyncpg
import structlog

from redress.events.application import Within, execute
from redress.events.catalogue.grievance import ErasureReason
from redress.events.envelope import Actor, Event, EventData, Metadata
from redress.events.leader import leadership
from redress.events.recovery import working
from redress.events.store import EventStore
from redress.events.timers import Clock, SystemClock
from redress.intake import lookup_keys, reply_drafts, retention
from redress.intake.callbacks_retention import erase_ended_audits
from redress.intake.context import Intake, build
from redress.intake.domain import Status, fold
from redress.intake.erasure import erase
from redress.intake.filing import grievance_stream
from redress.kit.crypto import Keyring
from redress.kit.rotation import RotationSchedule
from redress.kit.runtime import Runtime
from redress.kit.settings import Settings
from redress.tenancy.handlers import read_tenant

log = structlog.get_logger("redress.intake")

RETENTION = Actor(id="retention", role="system")


@dataclass
class RetentionSweep:
    """Erases the personal data of grievances whose case closed longer ago than the period,
    the phone numbers of audits whose callbacks ended longer ago (`callbacks_retention`),
    and the texts workers typed and did not come back to send (`reply_drafts`)."""

    pool: asyncpg.Pool
    store: EventStore
    keyring: Keyring
    clock: Clock
    batch: int = 100

    async def tick(self) -> int:
        """Erase what is due now; return how many grievances were erased."""
        now = self.clock.now()
        async with self.pool.acquire() as conn:
            await reply_drafts.sweep(conn)
            rows = await conn.fetch(
                """SELECT g.grievance_id, g.case_id, g.tenant, t.retention_days
                   FROM intake.grievances g JOIN intake.tenants t USING (tenant)
                   WHERE g.closed_at IS NOT NULL AND NOT g.held AND g.status <> 'erased'
                     AND t.retention_days IS NOT NULL
                     AND g.closed_at + make_interval(days => t.retention_days) <= $1
                   ORDER BY g.closed_at LIMIT $2""",
                now,
                self.batch,
            )
        erased = 0
        periods: dict[str, int | None] = {}
        for row in rows:
            # The read model only finds candidates: it may lag an officer's hold or a longer
            # period, or be half rebuilt (ADR 18). The case's own log and the tenant's decide.
            tenant = row["tenant"]
            if tenant not in periods:
                async with self.pool.acquire() as conn:
                    periods[tenant] = (await read_tenant(conn, tenant)).retention_days
            case = retention.fold(await self.store.read_stream(row["case_id"]))
            if retention.due(case, periods[tenant], now):
                erased += await self._erase(row["grievance_id"], tenant)
        await erase_ended_audits(self.pool, self.keyring, self.store, RETENTION, now, self.batch)
        return erased

    async def _erase(self, grievance_id: str, tenant: str) -> int:
        stream = grievance_stream(grievance_id)
        within = Within()

        async def decide(history: list[Event]) -> list[EventData]:
            state = fold([e.data for e in history])
            if state.status is Status.erased or within.conn is None:
                return []
            return await erase(within.conn, self.keyring, grievance_id, state,
                               ErasureReason.retention)  # fmt: skip

        meta = Metadata(tenant=tenant, actor=RETENTION)
        done = await execute(self.store, stream, decide, meta, transaction=within)
        if not done.events:
            return 0
        log.info("personal data erased after retention", stream=stream)
        return 1


@dataclass
class Housekeeping:
    retention: RetentionSweep
    rotation: RotationSchedule


async def start(runtime: Runtime) -> None:
    intake: Intake = runtime.extras["intake"]
    settings, clock = runtime.settings, SystemClock()
    runtime.extras["housekeeping"] = Housekeeping(
        RetentionSweep(runtime.pool, runtime.store, intake.keyring, clock),
        RotationSchedule(
            settings.require_database(),
            runtime.pool,
            intake.keyring.keys,
            timedelta(days=settings.key_rotation_days),
            clock,
            # The lookup key first: the rotation then destroys the KEK that wrapped the old.
            before=lambda: lookup_keys.replace(runtime.pool, intake),
        ),
    )


async def replace_lookup_key(settings: Settings, pool: asyncpg.Pool) -> None:
    """Before `redress keys rotate`: as the scheduled rotation does first."""
    await lookup_keys.replace(pool, build(settings))


def set_clock(runtime: Runtime, clock: Clock) -> None:
    """Make retention and rotation see time from `clock` (tests move a FixedClock)."""
    work: Housekeeping = runtime.extras["housekeeping"]
    work.retention.clock = work.rotation.clock = clock


async def run_retention(runtime: Runtime) -> None:
    work: Housekeeping = runtime.extras["housekeeping"]
    await _lead(runtime, "scheduler:retention", work.retention.tick, 60.0)


async def run_rotation(runtime: Runtime) -> None:
    work: Housekeeping = runtime.extras["housekeeping"]
    await _lead(runtime, "scheduler:keyring", work.rotation.tick, 300.0)


async def _lead(
    runtime: Runtime, role: str, tick: Callable[[], Awaitable[object]], interval: float
) -> None:
    # Whatever stops it (a database restart, a failing tick), the kit's supervisor reports
    # it on /health, logs it as what it is and starts it again: erasure and rotation go on.
    async with leadership(runtime.settings.require_database(), role):
        while True:
            await tick()
            working()
            await asyncio.sleep(interval)
