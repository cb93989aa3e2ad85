"""The console's retaliation alert and review form in headless Chromium.

A worker's message reports retaliation: the queue shows the alert above the cases, linked to
the report's case; a rejected worker asks for a review and another officer decides it on the
case page's form. Each page passes axe-core without serious or critical findings.
"""

from __future__ import annotations

import httpx
import pytest
from playwright.async_api import expect

from redress.cases.retaliation import case_of
from redress.events.catalogue.grievance import Channel
from redress.events.catalogue.grievance_answers import ReviewRequested
from redress.events.catalogue.retaliation import RetaliationReported
from redress.events.envelope import Actor, Metadata
from redress.events.ids import new_id
from tests.browser.conftest import ConsoleSite
from tests.browser.test_console import file_grievance, log_in
from tests.browser.test_worker_pages import check, describe
from tests.events.helpers import wait_until

pytestmark = [pytest.mark.browser]
WORKER = Metadata(tenant="acme", actor=Actor(id="worker", role="worker"))


async def officer_post(site: ConsoleSite, case_id: str, path: str, body: dict, sub: str) -> None:
    async with httpx.AsyncClient(base_url=site.cases_url, timeout=30) as client:
        bearer = {"Authorization": f"Bearer {site.token(sub=sub)}"}
        answer = await client.post(f"/v1/cases/{case_id}{path}", json=body, headers=bearer)
    assert answer.status_code == 200, answer.text


async def test_an_alert_and_a_review_in_the_console_pass_axe(console_site, console_page):
    site, page = console_site, console_page
    findings: dict[str, list[dict]] = {}
    case_id = await file_grievance(site)
    # What intake writes for a worker's reply with the retaliation box ticked.
    report_id = str(new_id())
    reported = RetaliationReported(report_id=report_id, channel=Channel.web, language="bn",
                                   country="BD", site_id="dhaka-1",
                                   grievance_id=(await grievance_of(site, case_id)))  # fmt: skip
    await site.system.store.append(f"retaliation-{report_id}", [reported], 0, WORKER)
    await log_in(page, site)

    async def alerted() -> bool:
        await page.goto(site.url("/console"))
        return await page.locator("#alerts li").count() == 1

    await wait_until(alerted)
    await expect(page.locator("#alerts")).to_contain_text("Retaliation reported")
    await check(page, "queue with an alert", findings)
    await page.locator(f'#alerts a[href="/console/cases/{case_of(report_id)}"]').click()
    await expect(page.locator("#case-retaliation")).to_contain_text("the worker, in a message")
    await check(page, "the report's case", findings)

    # A rejection the worker asks to have reviewed; another officer decides it here.
    await officer_post(site, case_id, "/reject", {"grounds": "out_of_scope"}, "officer-9")
    asked = ReviewRequested(grievance_id=await grievance_of(site, case_id))
    stream = f"grievance-{asked.grievance_id}"
    version = len(await site.system.store.read_stream(stream))
    await site.system.store.append(stream, [asked], version, WORKER)

    async def pending() -> bool:
        await page.goto(site.url(f"/console/cases/{case_id}"))
        return await page.locator("#form-review").count() == 1

    await wait_until(pending)
    await check(page, "the review form", findings)
    await page.locator("#review-upheld").check()
    await page.locator("#review-reasons").fill("It was filed twice; the first is being handled.")
    await page.locator("#form-review button[type=submit]").click()
    await expect(page.locator("#notice")).to_contain_text("The review was decided")
    await expect(page.locator("#form-review")).to_have_count(0)
    assert not findings, describe(findings)


async def grievance_of(site: ConsoleSite, case_id: str) -> str:
    events = await site.system.store.read_stream(case_id)
    return events[0].data.grievance_id
