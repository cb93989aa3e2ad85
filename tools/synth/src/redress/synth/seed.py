"""Seeding a synthetic tenant on a platform's database (the CLI's and the bench's entry)."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from typing import Any

import asyncpg

from redress.events.leader import lock_key
from redress.intake.context import build
from redress.kit.runtime import database_session, reached
from redress.kit.settings import Settings
from redress.synth.plan import plan
from redress.synth.run import Generator, Recorded, keep, record, stamp
from redress.tenancy.handlers import load


async def open_generator_pool(settings: Settings, size: int) -> asyncpg.Pool:
    """The database's own user (it lists the tenant as synthetic), every connection stamped
    with the moment of the step it is taken for."""
    url = settings.require_database()
    pool = asyncpg.create_pool(
        url, min_size=1, max_size=size, setup=stamp, reset=keep,
        server_settings=database_session(settings, None, "redress-seed"),
    )  # fmt: skip
    return await reached(pool, url, settings.connect_timeout)


async def seed_figures(
    settings: Settings,
    tenant: str,
    grievances: int,
    seed: int,
    start: date,
    months: int,
    workers: int,
    advance: Callable[[int, int | None], None],
) -> Recorded:
    pools = [await open_generator_pool(settings, 2) for _ in range(workers)]
    try:
        await _platform_stopped(pools[0], settings)
        recorded, intake = Recorded(), build(settings)  # its pages and keys, made once
        generators = [Generator(settings, pool, tenant, recorded, intake) for pool in pools]
        if (await load(generators[0].store, tenant))[0].registered:
            raise ValueError(f"there is a tenant {tenant!r} already: name a new one")
        planned = plan(seed, grievances, start, months, tenant)
        total = len(planned.audits) + len(planned.grievances)
        advance(0, total)
        return await record(generators, planned, lambda n: advance(n, None))
    finally:
        for pool in pools:
            await pool.close()


class PlatformRunning(ValueError):
    """The platform runs on this database: its policies would act on the history as news."""


async def _platform_stopped(pool: asyncpg.Pool, settings: Settings) -> None:
    """Refuse before recording anything while a relay leads on this database: the history is
    recorded as it happened (cases opened by the generator), and running policies would
    open them too, half-way through (a broken tenant, a conflict on a case's stream)."""
    key = lock_key(f"relay:{settings.nats_stream}")
    async with pool.acquire() as conn:
        if not await conn.fetchval("SELECT pg_try_advisory_lock($1)", key):
            raise PlatformRunning(
                "the platform is running on this database: stop it (Ctrl-C where `make run` "
                "runs) and seed again; nothing was recorded"
            )
        await conn.execute("SELECT pg_advisory_unlock($1)", key)


def truth_json(recorded: Recorded) -> dict[str, Any]:
    return {
        "grievances": [
            {"grievance_id": g.grievance_id, "channel": g.channel, "country": g.country,
             "language": g.language, "category": g.category,
             "filed_category": g.filed_category, "members": list(g.members),
             "site": g.site.site_id if g.site else None,
             "steps": [[s.at.isoformat(), s.kind, s.code] for s in g.steps]}
            for g in recorded.grievances
        ],
        "audits": [
            {"audit_id": recorded.audit_ids.get(a.index), "site": a.site.site_id,
             "audit_date": a.audit_date.isoformat(), "workers": len(a.languages),
             "calls": [None if c is None else [c.at.isoformat(), c.reached, c.retaliation,
                                               c.grievance.grievance_id if c.grievance else None]
                       for c in a.calls]}
            for a in recorded.audits
        ],
        "consequences": [
            {"site": c.site, "consequence": c.consequence, "decided_on": c.decided_on.isoformat()}
            for c in recorded.consequences
        ],
    }  # fmt: skip
