"""The assessment service on real servers, with the relay, for tenant `acme`: registered, with
the member organisations the tests start assessments for admitted (`MEMBERS`)."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import AsyncExitStack
from dataclasses import dataclass

import httpx
import pytest
from fastapi import FastAPI

from redress.assessment.app import service as assessment_service
from redress.assessment.facts import MemberFacts
from redress.assessment.projections import AssessmentViews
from redress.events.envelope import Actor, Metadata
from redress.events.migrations import Component, migrate
from redress.events.projection import wait_for_version
from redress.events.relay import Relay
from redress.kit.auth import TokenSigner, signer_for
from redress.kit.service import app_for
from redress.kit.settings import Settings
from redress.tenancy.domain import AdmitMember, RegisterTenant
from redress.tenancy.handlers import execute, load, tenant_stream
from tests.cases.conftest import serve
from tests.events.helpers import running
from tests.intake.conftest import TENANT, intake_settings

ACME = "acme-apparel"
MEMBERS = (ACME, "brand-b", "brand-c", "brand-d", "brand-e")
"""The member organisations the tests' initiative has admitted: only these start assessments."""
EVIDENCE = [{"text": "Policy signed by the CEO, March 2026",
             "url": "https://acme.example/grievance-policy.pdf"}]  # fmt: skip


async def admit(system, *orgs: str, tenant: str = TENANT) -> int:
    """The initiative `tenant` registered (unless it is already) and `orgs` admitted as its
    members, through the tenancy handlers as an admin's commands: the tenant stream's version."""
    meta = Metadata(tenant=tenant, actor=Actor(id="admin", role="admin"))
    state, version = await load(system.store, tenant)
    if not state.registered:
        version = (await execute(system.store, tenant, RegisterTenant(tenant, "Acme Initiative"),
                                 meta)).version  # fmt: skip
    for org in orgs:
        name = org.replace("-", " ").title()
        version = (await execute(system.store, tenant, AdmitMember(org, name), meta)).version
    return version


@dataclass
class Platform:
    client: httpx.AsyncClient
    app: FastAPI
    system: object
    settings: Settings
    signer: TokenSigner

    def token(self, roles=("officer",), tenant=TENANT, org=None, sub="officer-1") -> dict:
        return {"Authorization": f"Bearer {self.signer.issue(sub, tenant, list(roles), org)}"}

    def member(self, org=ACME, tenant=TENANT, sub=None) -> dict:
        return self.token(("member",), tenant=tenant, org=org, sub=sub or f"{org}-user")

    async def admit(self, *orgs: str) -> None:
        """The initiative admits `orgs` too; the members' facts show them."""
        version = await admit(self.system, *orgs)
        stream = tenant_stream(TENANT)
        assert await wait_for_version(self.system.pool, MemberFacts(), stream, version, timeout=30)

    async def log_types(self, stream: str) -> list[str]:
        return [e.type for e in await self.system.store.read_stream(stream)]

    async def caught_up(self, assessment_id: str) -> None:
        version = await self.system.store.stream_version(assessment_id)
        assert await wait_for_version(
            self.system.pool, AssessmentViews(), assessment_id, version, timeout=30
        )

    async def call(self, method: str, path: str, body=None, headers=None, status=(200, 201)):
        answer = await self.client.request(
            method, path, json=body, headers=headers or self.member()
        )
        assert answer.status_code in status, (method, path, answer.status_code, answer.text)
        return answer.json()

    async def post(self, path: str, body=None, headers=None, status=(200, 201)) -> dict:
        return await self.call("POST", path, body if body is not None else {}, headers, status)

    async def read(self, assessment_id: str, headers=None) -> dict:
        await self.caught_up(assessment_id)
        return await self.call("GET", f"/v1/assessments/{assessment_id}", headers=headers)

    async def start(self, headers=None, body=None) -> str:
        started = await self.post("/v1/assessments", body or {"title": "2026"}, headers)
        return started["assessment_id"]

    async def answer(self, assessment_id: str, criterion: str, answer="met", headers=None,
                     **more) -> dict:  # fmt: skip
        body = {"answer": answer, "evidence": EVIDENCE} | more
        path = f"/v1/assessments/{assessment_id}/answers/{criterion}"
        return await self.call("PUT", path, body, headers)

    async def submitted(self, criteria, headers=None) -> str:
        """An assessment started, answered `met` on `criteria`, and submitted."""
        assessment_id = await self.start(headers)
        for criterion in criteria:
            await self.answer(assessment_id, criterion, headers=headers)
        await self.post(f"/v1/assessments/{assessment_id}/submit", headers=headers)
        return assessment_id


@pytest.fixture
def database_components() -> list[Component]:
    return [assessment_service.component]


@pytest.fixture
async def platform(system, tmp_path) -> AsyncIterator[Platform]:
    settings = intake_settings(system, tmp_path)
    async with system.pool.acquire() as conn:
        await migrate(conn, [assessment_service.component])
    app = app_for("assessment", settings)
    relay = Relay(system.dsn, system.js, system.bus, poll_interval=0.05)
    async with running(relay.run()), AsyncExitStack() as stack:
        client = await serve(stack, app)
        platform = Platform(client, app, system, settings, signer_for(settings))
        await platform.admit(*MEMBERS)
        yield platform
