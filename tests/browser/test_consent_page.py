"""The worker's consent to a referral, in headless Chromium on a 360 px phone screen.

Intake is served over real HTTP beside cases and referral (as `tests.referral` serves them);
an officer chooses a shelter for a worker who filed in Arabic or Bengali; the worker opens
their report, reads the request in their language, passes axe-core without serious or
critical findings, agrees without JavaScript, and referral records the consent.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import AsyncExitStack

import httpx
import pytest
from playwright.async_api import expect

from redress.cases.app import service as cases_service
from redress.events.migrations import migrate
from redress.events.relay import Relay
from redress.intake.app import service as intake_service
from redress.kit.auth import signer_for
from redress.kit.service import app_for
from redress.referral.app import service as referral_service
from tests.browser.conftest import PHONE, TIMEOUT_MS, serving
from tests.browser.test_worker_pages import assert_fits, describe, log_in, serious_violations
from tests.cases.conftest import serve
from tests.events.helpers import running, wait_until
from tests.intake.conftest import TENANT, intake_settings, register_tenant
from tests.referral.conftest import GRIEVANCE, Platform
from tests.referral.test_flow import chosen

pytestmark = pytest.mark.browser

# The partner's kind and the service asked for, as the worker reads them.
WORDS = {
    "ar": ("مأوى", "مكان آمن للإقامة", "أوافق"),
    "bn": ("আশ্রয়কেন্দ্র", "থাকার জন্য নিরাপদ জায়গা", "আমি রাজি"),
}


@pytest.fixture
async def served(system, tmp_path) -> AsyncIterator[tuple[Platform, str]]:
    """Intake over real HTTP (for the browser), cases and referral in process."""
    settings = intake_settings(system, tmp_path)
    components = [intake_service.component, cases_service.component, referral_service.component]
    async with system.pool.acquire() as conn:
        await migrate(conn, components)
    apps = [app_for(name, settings) for name in ("intake", "cases", "referral")]
    relay = Relay(system.dsn, system.js, system.bus, poll_interval=0.05)
    async with running(relay.run()), serving(apps[0]) as intake_url, AsyncExitStack() as stack:
        intake = await stack.enter_async_context(httpx.AsyncClient(base_url=intake_url))
        cases, referral = [await serve(stack, app) for app in apps[1:]]
        await register_tenant(system)
        platform = Platform(intake, cases, referral, apps[2], system, settings,
                            signer_for(settings))  # fmt: skip
        yield platform, intake_url


@pytest.fixture
async def phone(browser, served):
    """A page on a phone screen (axe needs JavaScript; the page has none of its own)."""
    context = await browser.new_context(viewport=PHONE)
    context.set_default_timeout(TIMEOUT_MS)
    page = await context.new_page()
    yield page
    await context.close()


@pytest.mark.parametrize("lang", sorted(WORDS))
async def test_the_consent_request_reads_well_in_the_workers_language(served, phone, lang):
    platform, intake_url = served
    await platform.register_partners()
    referral_id = await platform.file_and_escalate(grievance=GRIEVANCE | {"language": lang})
    await chosen(platform, referral_id)
    status = f"{intake_url}/t/{TENANT}/status"

    async def shown() -> bool:
        return WORDS[lang][0] in (await platform.intake.get(status, cookies=phone_cookies)).text

    await phone.goto(status)
    await log_in(phone, platform.filed["reference"], platform.filed["secret"])
    await expect(phone.locator("h1")).to_contain_text(platform.filed["reference"])
    phone_cookies = {c["name"]: c["value"] for c in await phone.context.cookies()}
    await wait_until(shown)
    await phone.reload()
    request = phone.locator("section.referral")
    await expect(request).to_contain_text("Safe Home Dhaka")
    await expect(request).to_contain_text(WORDS[lang][0])
    await expect(request).to_contain_text(WORDS[lang][1])
    await expect(phone.locator("html")).to_have_attribute("lang", lang)
    violations = await serious_violations(phone)
    assert not violations, describe({f"consent request ({lang})": violations})
    await assert_fits(phone, f"consent request ({lang})")
    # Agreeing sends the reply's form to the request's address, and referral records it:
    # what the worker ticks, and only that. A reply half written waits in its box afterwards.
    await expect(phone.locator("input[name=field]:checked")).to_have_count(0)
    await phone.fill("#message", "Still here")
    await phone.locator('input[name=field][value$="/contact"]').check()
    await phone.click("button[name=consent][value=given]")
    await expect(phone.locator("p[role=status]")).to_be_visible()
    await expect(phone.locator("button[name=consent][value=revoked]")).to_be_visible()
    await expect(phone.locator("#message")).to_have_value("Still here")

    async def recorded() -> bool:
        return "ReferralSent" in await platform.log_types(referral_id)

    await wait_until(recorded)
    given = next(e for e in await platform.system.store.read_stream(referral_id)
                 if e.type == "ConsentGiven")  # fmt: skip
    assert (given.data.channel, given.data.fields) == ("status_page", ("contact",))
    violations = await serious_violations(phone)
    assert not violations, describe({f"consent given ({lang})": violations})
    await assert_fits(phone, f"consent given ({lang})")
