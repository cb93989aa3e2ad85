"""The made-up initiative registered through the platform's own handlers: the tenant with its
members, sites and time frames, and the partners of its directory."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any

from redress.events.application import execute
from redress.events.catalogue.partner import PartnerKind, Service
from redress.events.envelope import Actor, Metadata
from redress.referral.directory import DIRECTORY
from redress.referral.directory_commands import RegisterPartner
from redress.referral.policies import directory_stream
from redress.synth.moments import NOW
from redress.synth.world import FRAMES, LANGUAGES, MEMBERS, PARTNERS, SITES, TIME_ZONE
from redress.tenancy import domain as tenancy
from redress.tenancy.handlers import execute as tenant_execute
from redress.tenancy.handlers import tenant_stream

if TYPE_CHECKING:
    from redress.synth.run import Generator

ADMIN = Actor(id="synthetic-admin", role="admin")


async def set_up(generator: Generator, start: datetime) -> None:
    """The initiative as the generator's history begins, the day before its start: the
    tenant, its members, sites and time frames, and the partners of its directory."""
    NOW.set(start - timedelta(days=1))
    async with generator.pool.acquire() as conn:
        await conn.execute(
            "INSERT INTO eventlog.synthetic_tenants VALUES ($1) ON CONFLICT DO NOTHING",
            generator.tenant,
        )
    meta = Metadata(tenant=generator.tenant, actor=ADMIN)
    commands: list[Any] = [
        # Every day a working day: the generator plans its time frames in calendar days.
        tenancy.RegisterTenant(
            generator.tenant,
            "Synthetic Initiative",
            TIME_ZONE,
            languages=LANGUAGES,
            working_days=tuple(range(7)),
        ),
        *(tenancy.AdmitMember(org, name) for org, name in MEMBERS),
        *(
            tenancy.RegisterSite(
                s.site_id,
                s.site_id.replace("-", " ").title(),
                s.country,
                s.members,
                s.sector,
                s.tier,
            )
            for s in SITES
        ),
        tenancy.SetTimeFrames(*FRAMES),
    ]
    for command in commands:
        await tenant_execute(generator.store, generator.tenant, command, meta)
    stream = directory_stream(generator.tenant)
    for pid, kind, countries, service in PARTNERS:
        register = RegisterPartner(pid, pid.upper(), PartnerKind(kind), countries,
                                   services=(Service(service),))  # fmt: skip
        await execute(generator.store, stream, DIRECTORY.deciding(stream, register), meta)
    tenant = await generator.store.read_stream(tenant_stream(generator.tenant))
    await generator.apply(((generator.open_cases, "cases"),), tenant)
