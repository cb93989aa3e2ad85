"""Intake and cases side by side on real servers, with the relay, for tenant `acme`."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import AsyncExitStack
from dataclasses import dataclass

import httpx
import pytest
from fastapi import FastAPI

from redress.cases.app import service as cases_service
from redress.events.migrations import Component, migrate
from redress.events.relay import Relay
from redress.intake.app import service as intake_service
from redress.kit.auth import TokenSigner, signer_for
from redress.kit.service import app_for
from redress.kit.settings import Settings
from tests.events.helpers import running
from tests.intake.conftest import CLIENT_ADDRESS, TENANT, intake_settings, register_tenant

OFFICER = ("officer",)


@dataclass
class Platform:
    intake: httpx.AsyncClient
    cases: httpx.AsyncClient
    intake_app: FastAPI
    cases_app: FastAPI
    system: object
    settings: Settings
    signer: TokenSigner

    def token(self, roles=OFFICER, tenant=TENANT, org=None, sub="officer-1") -> dict:
        return {"Authorization": f"Bearer {self.signer.issue(sub, tenant, list(roles), org)}"}

    def member(self, org="acme-apparel") -> dict:
        return self.token(("member",), org=org, sub=f"{org}-user")

    async def log_types(self, stream: str) -> list[str]:
        return [e.type for e in await self.system.store.read_stream(stream)]


async def serve(stack: AsyncExitStack, app: FastAPI) -> httpx.AsyncClient:
    await stack.enter_async_context(app.router.lifespan_context(app))
    transport = httpx.ASGITransport(app=app, client=CLIENT_ADDRESS)
    return await stack.enter_async_context(
        httpx.AsyncClient(transport=transport, base_url="http://test")
    )


@pytest.fixture
def database_components() -> list[Component]:
    return [intake_service.component, cases_service.component]


@pytest.fixture
async def platform(system, tmp_path) -> AsyncIterator[Platform]:
    settings = intake_settings(system, tmp_path)
    async with system.pool.acquire() as conn:
        await migrate(conn, [intake_service.component, cases_service.component])
    intake_app, cases_app = app_for("intake", settings), app_for("cases", settings)
    relay = Relay(system.dsn, system.js, system.bus, poll_interval=0.05)
    async with running(relay.run()), AsyncExitStack() as stack:
        intake = await serve(stack, intake_app)
        cases = await serve(stack, cases_app)
        await register_tenant(system)
        yield Platform(intake, cases, intake_app, cases_app, system, settings,
                       signer_for(settings))  # fmt: skip
