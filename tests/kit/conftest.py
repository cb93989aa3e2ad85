"""A small service built with the kit, to test what every service gets from it."""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator
from pathlib import Path

import httpx
import pytest
from fastapi import APIRouter, FastAPI

from redress.events.ids import new_stream
from redress.events.migrations import migrate
from redress.kit.auth import signer_for
from redress.kit.authz import Action
from redress.kit.deps import CurrentPrincipal, Store, authorise, metadata_for
from redress.kit.service import ServiceSpec, create_service_app
from redress.kit.settings import Settings
from tests.events.helpers import SCHEMA_SQL, OpenedCases, opened

router = APIRouter()
PROJECTION = OpenedCases()


@router.post("/v1/cases", status_code=201)
async def open_case(principal: CurrentPrincipal, store: Store) -> dict[str, object]:
    principal = authorise(principal, Action.case_manage)
    stream = new_stream("case")
    done = await store.append(stream, [opened()], 0, metadata_for(principal))
    return {"stream": done.stream, "version": done.version}


def spec(migrations: Path) -> ServiceSpec:
    return ServiceSpec(
        name="intake",
        title="Test",
        migrations=migrations,
        routers=[router],
        projections=lambda: [PROJECTION],
    )


@pytest.fixture
def settings(system, tmp_path) -> Settings:
    return Settings(
        dev=True,
        database_url=system.dsn,
        nats_url=system.nats_url,
        nats_stream=system.bus.stream,
        nats_subject_prefix=system.bus.prefix,
        data_dir=tmp_path,
        log_json=False,
    )


@contextlib.asynccontextmanager
async def serve(
    system, settings: Settings, tmp_path: Path
) -> AsyncIterator[tuple[httpx.AsyncClient, FastAPI]]:
    """The test service built as `redress serve` builds it, with the given settings."""
    migrations = tmp_path / "migrations"
    migrations.mkdir(exist_ok=True)
    (migrations / "001_opened.sql").write_text(SCHEMA_SQL.format(schema="intake"))
    the_spec = spec(migrations)
    async with system.pool.acquire() as conn:
        await migrate(conn, [the_spec.component])
    PROJECTION.poison = None
    app = create_service_app(the_spec, settings)
    async with app.router.lifespan_context(app):
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://test") as client:
            yield client, app


@pytest.fixture
async def service(system, settings, tmp_path) -> AsyncIterator[tuple[httpx.AsyncClient, FastAPI]]:
    async with serve(system, settings, tmp_path) as served:
        yield served


@pytest.fixture
def token(settings):
    signer = signer_for(settings)
    return lambda roles=("officer",), tenant="acme": signer.issue("u1", tenant, list(roles))
