"""Overload: past its admission limit, intake answers 503 with Retry-After at once instead
of keeping clients waiting; nothing accepted is lost; worker pages say it in the worker's
language. The limit is set low here: this machine cannot offer three times its capacity to
itself."""

from __future__ import annotations

import asyncio
from contextlib import AsyncExitStack

import httpx

from redress.cases.app import service as cases_service
from redress.events.migrations import migrate
from redress.events.relay import Relay
from redress.intake.app import service as intake_service
from redress.kit.auth import signer_for
from redress.kit.service import app_for
from tests.cases.conftest import serve
from tests.cases.test_openapi_fuzz import GRIEVANCE
from tests.events.helpers import running, wait_until
from tests.intake.conftest import TENANT, intake_settings, register_tenant

BURST = 40


async def test_a_burst_past_the_limit_is_shed_with_503_and_nothing_accepted_is_lost(
    system, tmp_path
):
    settings = intake_settings(system, tmp_path).model_copy(
        update={"admission_limit": 2, "admission_wait": 0.01}
    )
    async with system.pool.acquire() as conn:
        await migrate(conn, [intake_service.component, cases_service.component])
    intake_app, cases_app = app_for("intake", settings), app_for("cases", settings)
    relay = Relay(system.dsn, system.js, system.bus, poll_interval=0.05)
    member = signer_for(settings).issue("acme-user", TENANT, ["member"], "acme-apparel")
    async with running(relay.run()), AsyncExitStack() as stack:
        intake = await serve(stack, intake_app)
        await serve(stack, cases_app)
        await register_tenant(system)
        headers = {"Authorization": f"Bearer {member}"}
        answers = await asyncio.gather(
            *(intake.post("/v1/grievances", json=GRIEVANCE, headers=headers) for _ in range(BURST))
        )
        page = await _a_page_while_busy(intake)
        # The probes answer however busy the process is.
        assert (await intake.get("/live")).status_code == 200
        accepted = [a.json()["grievance_id"] for a in answers if a.status_code == 201]
        shed = [a for a in answers if a.status_code == 503]
        assert len(accepted) + len(shed) == BURST, sorted({a.status_code for a in answers})
        assert accepted and shed, (len(accepted), len(shed))
        for answer in shed:
            assert answer.headers["retry-after"] == "2"
            assert answer.json()["type"] == "urn:redress:problem:overloaded"
        assert page.status_code == 503 and page.headers["retry-after"] == "2"
        assert 'lang="bn"' in page.text
        assert "text/html" in page.headers["content-type"]

        async def every_case_opened() -> bool:
            rows = await system.pool.fetch(
                "SELECT grievance_id FROM cases.cases WHERE grievance_id = ANY($1::text[])",
                accepted,
            )
            return len(rows) == len(accepted)

        await wait_until(every_case_opened, timeout=60)
        scraped = (await intake.get("/metrics")).text
        assert 'redress_http_requests_total{method="POST",route="/v1/grievances",status="503"}' in (
            scraped
        )


async def _a_page_while_busy(intake: httpx.AsyncClient) -> httpx.Response:
    """The worker form in Bengali, asked while a burst holds every place."""
    headers = {"Accept-Language": "bn"}
    slow = [intake.get(f"/t/{TENANT}/report?lang=bn", headers=headers) for _ in range(12)]
    pages = await asyncio.gather(*slow)
    busy = [p for p in pages if p.status_code == 503]
    assert busy, sorted({p.status_code for p in pages})
    return busy[0]
