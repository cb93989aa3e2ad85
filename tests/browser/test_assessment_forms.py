"""The assessment's forms in Chromium where what was typed could be lost: a draft's answer
someone else saved since the page was opened (refused, theirs beside what was typed), and
a reply to a challenge with a document chosen on it, sent together with JavaScript off.
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
PDF = b"%PDF-1.4\n%%EOF"


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


async def test_a_reply_and_its_document_are_sent_together_without_javascript(
    browser, assessment_site
):
    site, findings = assessment_site, {}
    member, officer = site.member(), site.officer()
    started = await api(site, "POST", "/v1/assessments", {"title": "2026"}, member)
    base = f"/v1/assessments/{started['assessment_id']}"
    await api(site, "PUT", f"{base}/answers/gov-l1", {"answer": "met"}, member)
    await api(site, "POST", f"{base}/submit", {}, member)
    await api(site, "POST", f"{base}/answers/gov-l1/challenge", {"comment": "Unsigned."}, officer)
    scripted, plain = await new_page(browser), await new_page(browser, js=False)
    try:
        await log_in(scripted, site, member)
        await scripted.goto(site.url(base.removeprefix("/v1")))
        await scripted.locator("#reply-gov-l1-comment").fill("Signed: the minutes attached.")
        await scripted.set_input_files(
            "#reply-gov-l1-file",
            files=[{"name": "tool.exe", "mimeType": "application/x-msdownload", "buffer": b"MZ"}],
        )
        await scripted.locator("#c-gov-l1 form[action$='/reply'] button").click()
        await expect(scripted.locator("#reply-gov-l1-file")).to_have_attribute(
            "aria-invalid", "true")  # fmt: skip
        await expect(scripted.locator("#reply-gov-l1-comment")).to_have_value(
            "Signed: the minutes attached.")  # fmt: skip
        await check(scripted, "reply with a file refused", findings)

        await log_in(plain, site, member)
        await plain.goto(site.url(base.removeprefix("/v1")))
        await fits_a_phone(plain)
        await plain.locator("#reply-gov-l1-comment").fill("Signed: the minutes attached.")
        await plain.set_input_files(
            "#reply-gov-l1-file",
            files=[{"name": "minutes.pdf", "mimeType": "application/pdf", "buffer": PDF}],
        )
        await plain.locator("#c-gov-l1 form[action$='/reply'] button").click()
        await expect(plain.locator("#c-gov-l1 a[download]")).to_have_text("minutes.pdf")
        await expect(plain.locator("#c-gov-l1")).to_contain_text("review: Answered")
    finally:
        await scripted.context.close()
        await plain.context.close()
    assert not findings, describe(findings)


async def test_a_rating_proposed_with_a_challenge_open_comes_back_to_the_page(
    browser, assessment_site
):
    site, findings = assessment_site, {}
    member, officer = site.member(), site.officer()
    started = await api(site, "POST", "/v1/assessments", {"title": "2026"}, member)
    base = f"/v1/assessments/{started['assessment_id']}"
    await api(site, "PUT", f"{base}/answers/gov-l1", {"answer": "met"}, member)
    await api(site, "POST", f"{base}/submit", {}, member)
    await api(site, "POST", f"{base}/answers/gov-l1/challenge", {"comment": "Unsigned."}, officer)
    page = await new_page(browser)
    try:
        await log_in(page, site, officer)
        await page.goto(site.url(base.removeprefix("/v1")))
        await page.locator("#propose-comment").fill("Checked against the minutes.")
        await page.locator("#rating button").click()
        await expect(page.locator("#propose-error")).to_have_text(
            "Settle the challenges first: Governance, Launched 1 (the member owes a reply)."
        )
        await expect(page.locator("#propose-comment")).to_have_value("Checked against the minutes.")
        await check(page, "rating refused", findings)
        await fits_a_phone(page)
    finally:
        await page.context.close()
    assert not findings, describe(findings)


async def test_the_initiatives_own_assessment_fits_a_phone(browser, assessment_site):
    """Its facts' terms are long ("Figures published (Recommendation 26)"): on a phone they
    go above their values rather than pushing the page wider than the screen."""
    site, findings = assessment_site, {}
    officer = site.officer()
    started = await api(site, "POST", "/v1/assessments", {"framework": "un-msi-questions"},
                        officer)  # fmt: skip
    page = await new_page(browser)
    try:
        await log_in(page, site, officer)
        await page.goto(site.url(f"/assessments/{started['assessment_id']}"))
        await expect(page.locator("#figures-published")).to_be_visible()
        await fits_a_phone(page)
        await check(page, "the initiative's own", findings)
    finally:
        await page.context.close()
    assert not findings, describe(findings)
