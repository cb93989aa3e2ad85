"""Intake, cases and referral side by side on real servers, with the relay, for tenant `acme`.

A case is filed through intake and triaged through cases with a trafficking indicator; the
referral service opens the case's referral from the `ReferralRecommended` it reads off the
stream, as in production.
"""

from __future__ import annotations

import asyncio
import contextlib
import re
from collections.abc import AsyncIterator
from contextlib import AsyncExitStack
from dataclasses import dataclass

import httpx
import pytest
from fastapi import FastAPI

from redress.cases.app import service as cases_service
from redress.cases.policies import case_stream
from redress.events.migrations import Component, migrate
from redress.events.projection import wait_for_version
from redress.events.relay import Relay
from redress.intake.app import service as intake_service
from redress.kit.auth import TokenSigner, signer_for
from redress.kit.service import app_for
from redress.kit.settings import Settings
from redress.referral.app import service as referral_service
from redress.referral.policies import referral_stream
from redress.referral.projections import ReferralViews
from tests.cases.conftest import serve
from tests.events.helpers import running, wait_until
from tests.intake.conftest import TENANT, intake_settings, register_tenant

GRIEVANCE = {
    "country": "BD",
    "site_id": "dhaka-1",
    "category": "identity_documents",
    "narrative": "The agent keeps our passports in his office.",
    "contact": {"name": "Rahima", "phone_or_email": "+8801711111111"},
    "language": "bn",
    "consent": {"share_with_support_services": True},
}
SHELTER = {
    "name": "Safe Home Dhaka",
    "kind": "shelter",
    "countries": ["BD"],
    "indicators": ["document_retention"],
    "languages": ["bn", "en"],
    "services": ["shelter", "legal_aid"],
    "contact": "intake@safehome.example",
}
NRM = {
    "name": "National Referral Mechanism BD",
    "kind": "national_referral_mechanism",
    "countries": ["BD"],
    "services": ["victim_identification", "protection"],
}


@dataclass
class Platform:
    intake: httpx.AsyncClient
    cases: httpx.AsyncClient
    referral: httpx.AsyncClient
    referral_app: FastAPI
    system: object
    settings: Settings
    signer: TokenSigner
    filed: dict | None = None
    """The last filing's answer (its receipt's reference and secret)."""
    cases_app: FastAPI | None = None
    intake_app: FastAPI | None = None

    def token(self, roles=("officer",), tenant=TENANT, org=None, sub="officer-1") -> dict:
        return {"Authorization": f"Bearer {self.signer.issue(sub, tenant, list(roles), org)}"}

    def admin(self, tenant=TENANT) -> dict:
        return self.token(("admin",), tenant=tenant, sub="admin-1")

    def partner(self, org="safe-home", tenant=TENANT) -> dict:
        return self.token(("partner",), tenant=tenant, org=org, sub=f"{org}-api")

    async def log_types(self, stream: str) -> list[str]:
        return [e.type for e in await self.system.store.read_stream(stream)]

    async def caught_up(self, referral_id: str) -> None:
        """Until the referral views hold every event of the referral written so far."""
        version = await self.system.store.stream_version(referral_id)
        assert await wait_for_version(
            self.system.pool, ReferralViews(), referral_id, version, timeout=30
        )

    async def post(self, path: str, body=None, headers=None, status=(200, 201)) -> dict:
        answer = await self.referral.post(path, json=body or {}, headers=headers or self.token())
        assert answer.status_code in status, (path, answer.status_code, answer.text)
        return answer.json()

    async def register_partners(self, tenant=TENANT) -> None:
        for pid, body in (("safe-home", SHELTER), ("nrm-bd", NRM)):
            answer = await self.referral.put(
                f"/v1/partners/{pid}", json=body, headers=self.admin(tenant)
            )
            assert answer.status_code == 200, answer.text

    async def file_and_escalate(self, tenant=TENANT, grievance=None) -> str:
        """A grievance filed by an operator, triaged with a trafficking indicator: the
        referral's id once referral opened it."""
        operator = self.token(("operator",), tenant=tenant, sub="operator-1")
        filed = await self.intake.post(
            "/v1/operator/grievances", json=grievance or GRIEVANCE, headers=operator
        )
        assert filed.status_code == 201, filed.text
        self.filed = filed.json()
        case_id = case_stream(filed.json()["grievance_id"])
        store = self.system.store
        await wait_until(lambda: _has_version(store, case_id, 2))
        triage = {"indicators": ["document_retention"], "severity": "medium"}
        answer = await self.cases.post(
            f"/v1/cases/{case_id}/triage", json=triage, headers=self.token(tenant=tenant)
        )
        assert answer.status_code == 200, answer.text
        referral_id = referral_stream(case_id)
        await wait_until(lambda: _has_version(store, referral_id, 1))
        await self.caught_up(referral_id)
        return referral_id


@dataclass
class WorkerPages:
    """The worker's pages of intake, as tests.intake's helpers drive them."""

    client: httpx.AsyncClient

    async def csrf(self, path: str) -> str:
        page = await self.client.get(path)
        return re.search(r'name="csrf" value="([0-9a-f]+)"', page.text).group(1)


async def stop_delivery(app: FastAPI) -> None:
    """Stop the service's own delivery worker, for a test that delivers its outbox itself
    (with a clock or a resolver of its own)."""
    runtime = app.state.runtime
    tasks = [t for t in runtime.tasks if t.get_name() == "referral.webhook_delivery"]
    assert len(tasks) == 1, [t.get_name() for t in runtime.tasks]
    for task in tasks:
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await task


async def _has_version(store, stream: str, version: int) -> bool:
    return await store.stream_version(stream) >= version


@pytest.fixture
def database_components() -> list[Component]:
    return [intake_service.component, cases_service.component, referral_service.component]


@pytest.fixture
async def platform(system, tmp_path) -> AsyncIterator[Platform]:
    settings = intake_settings(system, tmp_path)
    components = [intake_service.component, cases_service.component, referral_service.component]
    async with system.pool.acquire() as conn:
        await migrate(conn, components)
    apps = [app_for(name, settings) for name in ("intake", "cases", "referral")]
    relay = Relay(system.dsn, system.js, system.bus, poll_interval=0.05)
    async with running(relay.run()), AsyncExitStack() as stack:
        intake, cases, referral = [await serve(stack, app) for app in apps]
        await register_tenant(system)
        yield Platform(intake, cases, referral, apps[2], system, settings, signer_for(settings),
                       cases_app=apps[1], intake_app=apps[0])  # fmt: skip
