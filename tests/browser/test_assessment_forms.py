"""The assessment's forms in Chromium where what was typed could be lost: a draft's answer
someone else saved since the page was opened (refused, theirs beside what was typed).
Every page passes axe-core without serious findings and fits a 360 px screen."""

from __future__ import annotations

import httpx
import pytest
from playwright.async_api import expect

from tests.browser.conftest import AssessmentSite
from tests.browser.test_assessment_pages import fits_a_phone, log_in, new_page
from tests.browser.test_worker_pages import check, describe
from tests.intake.conftest import TENANT

pytestmark = [pytest.mark.browser]


async def api(site: AssessmentSite, method: str, path: str, body: dict, token: str) -> dict:
    async with httpx.AsyncClient(base_url=site.base_url) as client:
        done = await client.request(method, path, json=body,
                                    headers={"Authorization": f"Bearer {token}"})  # fmt: skip
    assert done.status_code in (200, 201), done.text
    answer: dict = done.json()
    return answer


async def test_an_answer_saved_meanwhile_by_someone_else_is_not_overwritten(
    browser, assessment_site
):
    site, findings = assessment_site, {}
    bob = site.signer.issue("bob", TENANT, ["member"], "acme-apparel")
    page = await new_page(browser)
    try:
        await log_in(page, site, site.member())
        await page.locator("form[action='/assessments/start'] button").click()
        assessment_id = page.url.split("?")[0].rsplit("/", 1)[1]
        await api(site, "PUT", f"/v1/assessments/{assessment_id}/answers/gov-l2",
                  {"answer": "met", "reason": "HR owns it since May."}, bob)  # fmt: skip
        await page.locator("#c-gov-l2 input[value=partly]").check()
        await page.locator("#answer-gov-l2-reason").fill("Owned by nobody until June.")
        await page.locator("#c-gov-l2 button[name=at]").click()
        alert = page.locator("#error[role=alert]")
        await expect(alert).to_contain_text("Bob saved “Met: HR owns it since May.”")
        await expect(page.locator("#c-gov-l2")).to_contain_text("Answer: Met")
        await expect(page.locator("#answer-gov-l2-reason")).to_have_value(
            "Owned by nobody until June.")  # fmt: skip
        await check(page, "draft, answer saved meanwhile", findings)
        await fits_a_phone(page)
        await alert.locator("a").first.click()  # to the answer, to save it over theirs
        await page.locator("#c-gov-l2 button[name=at]").click()
        await expect(page.locator("#c-gov-l2")).to_contain_text("Answer: Partly")
    finally:
        await page.context.close()
    assert not findings, describe(findings)
