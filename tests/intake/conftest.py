"""The intake service on real servers, with the relay running and a tenant `acme`."""

from __future__ import annotations

import contextlib
import re
from collections.abc import AsyncIterator
from dataclasses import dataclass

import httpx
import pytest
from fastapi import FastAPI

from redress.events.catalogue.tenant import (
    MemberOrganisationJoined,
    SiteRegistered,
    TenantRegistered,
)
from redress.events.envelope import Actor, Metadata
from redress.events.ids import derived_stream
from redress.events.migrations import Component, migrate
from redress.events.projection import wait_for_version
from redress.events.relay import Relay
from redress.intake.app import service
from redress.intake.projections import Grievances
from redress.kit.auth import TokenSigner, signer_for
from redress.kit.service import app_for
from redress.kit.settings import Settings
from tests.events.helpers import running

TENANT = "acme"
CLIENT_ADDRESS = ("203.0.113.77", 40123)


@dataclass
class Harness:
    client: httpx.AsyncClient
    app: FastAPI
    system: object
    settings: Settings
    signer: TokenSigner

    def token(self, roles=("member",), tenant=TENANT, org="acme-apparel", ttl=3600) -> dict:
        token = self.signer.issue("member-1", tenant, list(roles), org, ttl)
        return {"Authorization": f"Bearer {token}"}

    async def events(self) -> int:
        async with self.system.pool.acquire() as conn:
            return await conn.fetchval("SELECT count(*) FROM eventlog.events")

    async def csrf(self, path: str) -> str:
        page = await self.client.get(path)
        return re.search(r'name="csrf" value="([0-9a-f]+)"', page.text).group(1)


def intake_settings(system, tmp_path) -> Settings:
    return Settings(
        dev=True,
        database_url=system.dsn,
        nats_url=system.nats_url,
        nats_stream=system.bus.stream,
        nats_subject_prefix=system.bus.prefix,
        data_dir=tmp_path,
        log_json=True,
        _env_file=None,
    )


async def register_tenant(system, tenant: str = TENANT) -> int:
    stream = derived_stream("tenant", tenant)
    events = [
        # Every day a working day: due dates in the tests count calendar days
        # (tests/cases/test_deadlines.py counts working days on a tenant of its own).
        TenantRegistered(name="Acme Initiative", working_days=(0, 1, 2, 3, 4, 5, 6)),
        MemberOrganisationJoined(org="acme-apparel", name="Acme Apparel"),
        MemberOrganisationJoined(org="globex-garments", name="Globex Garments"),
        SiteRegistered(
            site_id="dhaka-1", name="Dhaka Knit", country="BD", member_orgs=("acme-apparel",)
        ),
        SiteRegistered(site_id="pp-2", name="Phnom Penh Sewing", country="KH"),
    ]
    meta = Metadata(tenant=tenant, actor=Actor(id="admin", role="admin"))
    done = await system.store.append(stream, events, 0, meta)
    assert await wait_for_version(system.pool, Grievances(), stream, done.version, timeout=30)
    return done.version


@pytest.fixture
def database_components() -> list[Component]:
    return [service.component]


@pytest.fixture
async def intake(system, tmp_path) -> AsyncIterator[Harness]:
    async with serving(system, intake_settings(system, tmp_path)) as harness:
        yield harness


@contextlib.asynccontextmanager
async def serving(system, settings: Settings) -> AsyncIterator[Harness]:
    """Intake built from `settings` as `redress serve` builds it, with the relay and `acme`."""
    async with system.pool.acquire() as conn:
        await migrate(conn, [service.component])
    app = app_for("intake", settings)
    relay = Relay(system.dsn, system.js, system.bus, poll_interval=0.05)
    async with running(relay.run()), app.router.lifespan_context(app):
        await register_tenant(system)
        transport = httpx.ASGITransport(app=app, client=CLIENT_ADDRESS)
        async with httpx.AsyncClient(transport=transport, base_url="http://test") as client:
            yield Harness(client, app, system, settings, signer_for(settings))
