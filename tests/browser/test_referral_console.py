"""The officer's referral flow end to end, in headless Chromium on a 360 px phone screen.

Intake, cases and referral are each served over real HTTP, as `make run` serves them, and
link to each other by URL only (`REDRESS_PEER_URLS`). A case triaged with a trafficking
indicator gets a `ReferralRecommended`; the officer logs in to the cases console, follows the
case's link to its referral in the referral console (the same browser session: cookies are
the host's, whatever the port), records the safety check and chooses the shelter the
directory ranks; the worker agrees on their status page; referral sends it; the shelter
accepts through its API; the officer's page shows the acceptance in the partner's status and
the timeline. axe-core finds nothing serious or critical on any page, and none scrolls
sideways. The forms are plain HTML: the flow runs with JavaScript off.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import AsyncExitStack
from dataclasses import dataclass

import httpx
import pytest
from playwright.async_api import Page, expect

from redress.cases.app import service as cases_service
from redress.events.migrations import migrate
from redress.events.relay import Relay
from redress.intake.app import service as intake_service
from redress.kit.auth import signer_for
from redress.kit.service import app_for
from redress.referral.app import service as referral_service
from tests.browser.conftest import PHONE, TIMEOUT_MS, serving
from tests.browser.test_worker_pages import assert_fits, describe, serious_violations
from tests.browser.test_worker_pages import log_in as worker_log_in
from tests.events.helpers import running, wait_until
from tests.intake.conftest import TENANT, intake_settings, register_tenant
from tests.kit.webhooks.receiver import Receiver
from tests.referral.conftest import Platform, stop_delivery
from tests.referral.test_deliveries import HORIZON, Delivering, sent_and_updated
from tests.referral.test_webhooks import deliveries, endpoint_for

pytestmark = pytest.mark.browser


@dataclass
class Served:
    platform: Platform
    intake_url: str
    cases_url: str
    referral_url: str


@pytest.fixture
async def served(system, tmp_path) -> AsyncIterator[Served]:
    settings = intake_settings(system, tmp_path)
    components = [intake_service.component, cases_service.component, referral_service.component]
    async with system.pool.acquire() as conn:
        await migrate(conn, components)
    apps = [app_for(name, settings) for name in ("intake", "cases", "referral")]
    relay = Relay(system.dsn, system.js, system.bus, poll_interval=0.05)
    async with (
        running(relay.run()),
        serving(apps[0]) as intake_url,
        serving(apps[1]) as cases_url,
        serving(apps[2]) as referral_url,
        AsyncExitStack() as stack,
    ):
        # Where each console finds the other, as REDRESS_PEER_URLS says it in production
        # (the ports are known once the servers listen; the apps read it at each request).
        settings.peer_urls.update(cases=cases_url, referral=referral_url)
        clients = [
            await stack.enter_async_context(httpx.AsyncClient(base_url=url, timeout=30))
            for url in (intake_url, cases_url, referral_url)
        ]
        await register_tenant(system)
        platform = Platform(*clients, apps[2], system, settings, signer_for(settings))
        yield Served(platform, intake_url, cases_url, referral_url)


async def _context(browser, javascript: bool = True):
    context = await browser.new_context(viewport=PHONE, java_script_enabled=javascript)
    context.set_default_timeout(TIMEOUT_MS)
    return context


@pytest.fixture
async def officer_page(browser, served) -> AsyncIterator[Page]:
    """The officer's phone, JavaScript off: the console needs none."""
    context = await _context(browser, javascript=False)
    yield await context.new_page()
    await context.close()


@pytest.fixture
async def checker(browser, served) -> AsyncIterator[Page]:
    """A second tab of the officer's session, with JavaScript, where axe looks at each page."""
    context = await _context(browser)
    yield await context.new_page()
    await context.close()


@pytest.fixture
async def worker_page(browser, served) -> AsyncIterator[Page]:
    context = await _context(browser)
    yield await context.new_page()
    await context.close()


class Looker:
    """Loads what the officer sees into a tab with JavaScript and runs axe there."""

    def __init__(self, officer: Page, checker: Page) -> None:
        self.officer, self.checker = officer, checker
        self.findings: dict[str, list[dict]] = {}

    async def look(self, name: str) -> None:
        await assert_fits(self.officer, name)
        await self.checker.context.add_cookies(await self.officer.context.cookies())
        await self.checker.goto(self.officer.url)
        if violations := await serious_violations(self.checker):
            self.findings[name] = violations


async def test_an_officer_refers_a_trafficking_case_and_sees_the_partner_accept(
    served, officer_page, checker, worker_page
):
    platform, page = served.platform, officer_page
    await platform.register_partners()
    referral_id = await platform.file_and_escalate()
    case_id = (await platform.system.store.read_stream(referral_id))[0].data.case_id
    looker = Looker(page, checker)

    # The officer logs in to the cases console and follows the case's link to its referral.
    await page.goto(f"{served.cases_url}/console/login")
    await page.locator("#token").fill(platform.signer.issue("officer-1", TENANT, ["officer"]))
    await page.locator("#token").press("Enter")
    await page.goto(f"{served.cases_url}/console/cases/{case_id}")
    await expect(page.locator("#case-referral")).to_contain_text("Recommended")
    await page.click("#referral-link")
    await expect(page).to_have_url(f"{served.referral_url}/console/referrals/{referral_id}")
    await expect(page.locator("h1")).to_contain_text("Referral")
    await expect(page.locator("#safety-check")).to_contain_text("Not checked yet")
    await looker.look("referral, unchecked")

    # The queue shows it, waiting for its safety check.
    await page.click("nav[aria-label=Console] >> text=Referrals")
    row = page.locator(f"tr[data-referral='{referral_id}']")
    await expect(row).to_contain_text("To check")
    await looker.look("queue")
    await row.locator("a").click()

    # Safety first, then the partner the directory ranks, with the minimum and the contact.
    await page.check("#danger-no")
    await page.check("#party-employer")
    await page.check("#party-recruiter")
    await page.click("#form-safety button")
    await expect(page.locator("#notice")).to_have_text("The safety check was recorded.")
    await expect(page.locator("#imminent-danger")).to_have_text("No")
    choices = page.locator("#form-select input[name=partner_id]")
    await expect(choices).to_have_count(2)
    await expect(choices.first).to_have_attribute("value", "nrm-bd")
    await looker.look("referral, partners ranked")
    # A choice refused (no service ticked), sent from the checker's tab, which is on the same
    # page: the services are marked and said beside them, and axe finds nothing there.
    await looker.checker.click("#form-select button")
    await expect(looker.checker.locator("#select-services-error")).to_contain_text("Services")
    await expect(looker.checker.locator("#select-services")).to_have_attribute(
        "aria-describedby", "select-services-error"
    )
    if violations := await serious_violations(looker.checker):
        looker.findings["referral, choice refused"] = violations
    await page.check("#pick-safe-home")
    await page.check("#svc-shelter")
    await page.check("#share-contact")
    await page.click("#form-select button")
    await expect(page.locator("#notice")).to_contain_text("the worker is asked to consent")
    await expect(page.locator("#status-safe-home")).to_have_text("Awaiting consent")
    await expect(page.locator("#consent-safe-home")).to_have_text("Pending")
    await looker.look("referral, awaiting consent")

    # The worker agrees on their status page.
    status = f"{served.intake_url}/t/{TENANT}/status"
    await worker_page.goto(status)
    await worker_log_in(worker_page, platform.filed["reference"], platform.filed["secret"])
    await expect(worker_page.locator("h1")).to_contain_text(platform.filed["reference"])

    async def asked() -> bool:
        await worker_page.reload()
        return await worker_page.locator("section.referral").count() > 0

    await wait_until(asked, timeout=30)
    await expect(worker_page.locator("section.referral")).to_contain_text("Safe Home Dhaka")
    await worker_page.click("button[name=consent][value=given]")

    async def sent() -> bool:
        return "ReferralSent" in await platform.log_types(referral_id)

    await wait_until(sent, timeout=30)
    await platform.caught_up(referral_id)
    await page.reload()
    await expect(page.locator("#status-safe-home")).to_contain_text("Sent")
    await expect(page.locator("#consent-safe-home")).to_have_text("Given (status page)")
    await looker.look("referral, sent")

    # The shelter accepts through its API; the officer sees it on the page.
    answer = await platform.referral.post(
        f"/v1/partner/referrals/{referral_id}/accept", headers=platform.partner("safe-home")
    )
    assert answer.status_code == 200, answer.text
    await platform.caught_up(referral_id)
    await page.reload()
    await expect(page.locator("#status-safe-home")).to_have_text("Accepted")
    await expect(page.locator("#events")).to_contain_text("Referral accepted")
    await expect(page.locator("#events")).to_contain_text("safe-home-api (partner)")
    await looker.look("referral, accepted")

    # The directory, as officers read it.
    await page.click("nav[aria-label=Console] >> text=Partners")
    await expect(page.locator("#partners")).to_contain_text("Safe Home Dhaka")
    await looker.look("partners")
    await page.click("#partners >> text=Safe Home Dhaka")
    await expect(page.locator("h1")).to_have_text("Safe Home Dhaka")
    await looker.look("partner")

    assert not looker.findings, describe(looker.findings)


async def test_an_admin_adds_an_endpoint_and_rotates_its_secret(served, officer_page, checker):
    platform, page = served.platform, officer_page
    await platform.register_partners()
    looker = Looker(page, checker)
    await page.goto(f"{served.referral_url}/console")
    await expect(page).to_have_url(f"{served.referral_url}/console/login")
    await looker.look("login")
    await page.locator("#token").fill(platform.signer.issue("admin-1", TENANT, ["admin"]))
    await page.locator("#token").press("Enter")
    await expect(page).to_have_url(f"{served.referral_url}/console/partners")

    async def listed() -> bool:
        await page.reload()
        return await page.locator("#partners >> text=Safe Home Dhaka").count() > 0

    await wait_until(listed, timeout=30)
    await looker.look("directory, admin")
    await page.click("#partners >> text=Safe Home Dhaka")
    await page.fill("#endpoint-url", "https://safehome.example/webhooks")
    await page.click("#form-endpoint button")
    secret = await page.locator("#secret").text_content()
    assert secret and secret.startswith("whsec_")
    await assert_fits(page, "the secret, shown once")  # axe would load it again: not here
    # The secret was the answer to the form; the partner's page never shows it again.
    await page.goto(f"{served.referral_url}/console/partners/safe-home")
    await expect(page.locator("#endpoint-list")).to_contain_text("safehome.example")
    assert "whsec_" not in await page.content()
    await looker.look("partner, admin")
    await page.fill("#ep-1-overlap", "12")
    await page.click("#form-rotate-1 button")
    await expect(page.locator("#previous-until")).to_contain_text("Still signs until")
    rotated = await page.locator("#secret").text_content()
    assert rotated and rotated.startswith("whsec_") and rotated != secret
    assert not looker.findings, describe(looker.findings)


async def test_an_admin_redelivers_a_dead_letter_and_enables_a_disabled_endpoint(
    browser, served, officer_page, checker
):
    """The delivery pages on a phone, JavaScript off: the dead letters and their redelivery,
    the notice of an endpoint its partner disabled (410) on the directory and on an officer's
    queue, the endpoint's state and attempts, and enabling it again; axe on each page."""
    platform, page = served.platform, officer_page
    await stop_delivery(platform.referral_app)
    await platform.register_partners()
    receiver = Receiver(secrets=[])
    await receiver.start()
    looker = Looker(page, checker)
    try:
        await endpoint_for(platform, receiver)
        stuck = await sent_and_updated(platform)
        head = (await deliveries(platform, stuck))[0]
        receiver.fail_ids = {head.webhook_id}
        out = Delivering(platform)
        await out.tick()
        await out.tick(HORIZON)  # a dead letter, holding the referral's update back

        await page.goto(f"{served.referral_url}/console/login")
        await page.locator("#token").fill(platform.signer.issue("admin-1", TENANT, ["admin"]))
        await page.locator("#token").press("Enter")
        await expect(page).to_have_url(f"{served.referral_url}/console/partners")
        await page.click("nav >> text=Dead letters")
        await expect(page.locator(f'tr[data-delivery="{head.id}"]')).to_contain_text("1 later")
        await looker.look("dead letters")
        await page.click(f"#form-redeliver-{head.id} button")
        await expect(page.locator("#notice")).to_contain_text("sent again")
        await looker.look("dead letters, one redelivered")

        receiver.fail_ids, receiver.status = set(), 410  # the partner wants no more
        await out.tick()
        await page.goto(f"{served.referral_url}/console/partners")
        await expect(page.locator("#delivery-notices")).to_contain_text("410")
        await looker.look("directory, an endpoint disabled")
        await page.click("#delivery-notices a")
        await expect(page.locator("#health")).to_contain_text("Disabled")
        await expect(page.locator("#attempt-list")).to_contain_text("HTTP 410")
        await looker.look("endpoint, disabled")

        officer = await (await _context(browser, javascript=False)).new_page()
        await officer.goto(f"{served.referral_url}/console/login")
        await officer.locator("#token").fill(
            platform.signer.issue("officer-1", TENANT, ["officer"])
        )
        await officer.locator("#token").press("Enter")
        await expect(officer.locator("#delivery-notices")).to_contain_text("Safe Home Dhaka")
        await Looker(officer, checker).look("queue, an endpoint disabled")
        await assert_fits(officer, "queue, an endpoint disabled")
        await officer.context.close()

        receiver.status = 204
        await page.click("#form-enable button")
        await expect(page.locator("#notice")).to_contain_text("enabled")
        await looker.look("endpoint, enabled again")
        await out.worker.close()
    finally:
        await receiver.stop()
    assert not looker.findings, describe(looker.findings)
