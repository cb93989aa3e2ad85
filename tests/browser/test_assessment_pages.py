"""The assessment pages in headless Chromium, driven from the keyboard.

A member logs in, starts an assessment and answers a criterion with evidence, pressing Enter
on each button, and submits; an officer challenges the answer; the member replies, revising
it; the officer verifies it and proposes the rating; the member agrees, plans an action on
the criterion still unmet, and the levels show in the history. Every page passes axe-core
without serious or critical findings, and the pages work with JavaScript off.
"""

from __future__ import annotations

import httpx
import pytest
from playwright.async_api import Page, expect

from tests.browser.conftest import DESKTOP, PHONE, TIMEOUT_MS, AssessmentSite
from tests.browser.test_worker_pages import assert_fits, check, describe
from tests.intake.conftest import TENANT

pytestmark = [pytest.mark.browser]
# A document store's link, as long as they come (a sharing token), with no place to break.
LONG_LINK = "https://acme.sharepoint.example/sites/policy/doc.pdf?token=" + "a1b2" * 400


async def new_page(browser, js: bool = True) -> Page:
    context = await browser.new_context(viewport=DESKTOP, java_script_enabled=js)
    context.set_default_timeout(TIMEOUT_MS)
    return await context.new_page()


async def press(page: Page, selector: str) -> None:
    """Move the focus to a control and press Enter, as a keyboard user does."""
    control = page.locator(selector)
    await control.focus()
    await expect(control).to_be_focused()
    await page.keyboard.press("Enter")


async def log_in(page: Page, site: AssessmentSite, token: str) -> None:
    await page.goto(site.url("/assessments"))
    await expect(page).to_have_url(site.url("/assessments/login"))
    await page.locator("#token").fill(token)
    await page.locator("#token").press("Enter")
    await expect(page.locator("h1")).to_have_text("Grievance mechanism assessments")


async def test_answering_and_reviewing_by_keyboard(browser, assessment_site):
    site, findings = assessment_site, {}
    member, officer = await new_page(browser), await new_page(browser)
    try:
        await member.goto(site.url("/assessments/login"))
        await member.keyboard.press("Tab")
        await expect(member.locator("a.skip")).to_be_focused()
        await check(member, "login", findings)
        await log_in(member, site, site.member())
        await check(member, "list, empty", findings)
        await member.locator("#title").fill("2026 self-assessment")
        await press(member, "form[action='/assessments/start'] button")
        await expect(member.locator("h1")).to_contain_text("2026 self-assessment")
        assessment_url = member.url.split("?")[0]

        gov = member.locator("#c-gov-l1")
        met = gov.locator("input[name='gov-l1.answer'][value=met]")
        await met.focus()
        await member.keyboard.press("Space")
        await expect(met).to_be_checked()
        await gov.locator("#answer-gov-l1-evidence").fill("Board minutes, March 2026")
        await gov.locator("#answer-gov-l1-evidence-url").fill(LONG_LINK)
        await press(member, "#c-gov-l1 button[name=at]")
        await expect(member.locator("#c-gov-l1")).to_contain_text("Answer: Met")
        await expect(member.locator("#c-gov-l1")).to_contain_text("Board minutes, March 2026")
        await check(member, "assessment, draft", findings)
        # A link as long as a document store's fits a cheap phone's screen: it wraps.
        await member.set_viewport_size(PHONE)
        await assert_fits(member, "assessment with a long link")
        await member.set_viewport_size(DESKTOP)
        # A document attached with the page's own form; a program is refused with a page.
        await member.set_input_files(
            "#file-gov-l1",
            files=[
                {"name": "minutes.pdf", "mimeType": "application/pdf", "buffer": b"%PDF-1.4\n%%EOF"}
            ],
        )
        await press(member, "#c-gov-l1 button[name=at]")
        await expect(member.locator("#c-gov-l1 a[download]")).to_have_text("minutes.pdf")
        await member.set_input_files(
            "#file-gov-l1",
            files=[{"name": "tool.exe", "mimeType": "application/x-msdownload", "buffer": b"MZ"}],
        )
        await press(member, "#c-gov-l1 button[name=at]")
        await expect(member.locator("[role=alert]")).to_contain_text("must be a PDF")
        await expect(member.locator("#file-gov-l1")).to_have_attribute("aria-invalid", "true")
        await check(member, "file refused", findings)
        await expect(member.locator("#c-gov-l1 a[download]")).to_have_count(1)
        await press(member, "#answers button[value=submit]")
        await expect(member.locator("h1")).to_have_text("Submit for review?")
        await check(member, "submission to confirm", findings)
        await press(member, "form[action$='/submit'] button")
        await expect(member.locator("h1 .tag")).to_have_text("Submitted")

        await log_in(officer, site, site.officer())
        await officer.goto(assessment_url)
        review = officer.locator("#c-gov-l1")
        challenge = review.locator("input[name=verdict][value=challenge]")
        await challenge.focus()
        await officer.keyboard.press("Space")
        await review.locator("textarea[name=comment]").fill("The policy we saw is unsigned.")
        await press(officer, "#c-gov-l1 form button[type=submit]")
        await expect(review).to_contain_text("review: Challenged")
        await check(officer, "assessment, under review", findings)

        await member.goto(assessment_url)
        reply = member.locator("#c-gov-l1")
        await expect(reply).to_contain_text("The policy we saw is unsigned.")
        await reply.locator("textarea[name=comment]").fill("Right: it is signed next month.")
        await member.select_option("#reply-gov-l1-answer", "partly")
        await press(member, "#c-gov-l1 form[action$='/reply'] button")
        await expect(reply).to_contain_text("Answer: Partly")

        await officer.goto(assessment_url)
        await press(officer, "#c-gov-l1 form button[type=submit]")  # verify (the default)
        await expect(officer.locator("#c-gov-l1")).to_contain_text("review: Verified")
        await press(officer, "#rating button[type=submit]")
        await expect(officer.locator("h1 .tag")).to_have_text("Rating proposed")

        await member.goto(assessment_url)
        await check(member, "assessment, rating proposed", findings)
        await press(member, "#form-agree button")
        await expect(member.locator("h1 .tag")).to_have_text("Final")
        # The unmet criteria come first in the plan: gov-l1 is only partly met.
        await member.locator("#plan-gov-l1-owner").fill("Head of sourcing")
        await member.locator("#plan-gov-l1-due-on").fill("2027-03-31")
        await press(member, "#plan-gov-l1 button[type=submit]")
        await expect(member.locator("#action-gov-l1")).to_contain_text("Head of sourcing")
        await expect(member.locator("#action-gov-l1")).to_contain_text("2027-03-31")
        await check(member, "assessment, with a plan", findings)
        await member.goto(site.url("/assessments"))
        history = member.locator("table[aria-labelledby=history-title] tbody tr")
        await expect(history).to_have_count(1)
        await expect(history.first).to_contain_text("None")
        await check(member, "list, with history", findings)
        await press(member, "header a[href='/assessments/benchmark']")
        await expect(member.locator("#hidden")).to_contain_text("at least 5 member organisations")
        await check(member, "benchmark, hidden", findings)
    finally:
        await member.context.close()
        await officer.context.close()
    assert not findings, describe(findings)


async def test_the_pages_work_without_javascript(browser, assessment_site):
    site = assessment_site
    page = await new_page(browser, js=False)
    try:
        await log_in(page, site, site.member())
        await page.locator("form[action='/assessments/start'] button").click()
        await fits_a_phone(page)  # the draft, with every form open
        # Two criteria typed, one Save pressed: both are kept.
        await page.locator("#c-gov-l2 input[value=partly]").check()
        await page.locator("#answer-gov-l2-reason").fill("Owned by HR until June.")
        await page.locator("#c-est-l1 input[value=not_applicable]").check()
        await page.locator("#c-est-l1 button[name=at]").click()
        await expect(page.locator("#c-est-l1")).to_contain_text("Answer: Not applicable")
        await expect(page.locator("#c-gov-l2")).to_contain_text("Answer: Partly")
        await expect(page.locator("#c-gov-l2")).to_contain_text("Owned by HR until June.")
        # Typed, not saved, then Submit pressed: saved first, then asked to confirm.
        await page.locator("#c-gov-l1 input[value=met]").check()
        await page.locator("#answer-gov-l1-reason").fill("Adopted by the board in March.")
        await page.locator("#answers button[value=submit]").click()
        await expect(page.locator("h1")).to_have_text("Submit for review?")
        await expect(page.locator("#unanswered")).to_contain_text("48 of 51 criteria")
        await fits_a_phone(page)
        await page.locator("form[action$='/submit'] button").click()
        await expect(page.locator("h1 .tag")).to_have_text("Submitted")
        await expect(page.locator("#c-gov-l1")).to_contain_text("Adopted by the board in March.")
        await expect(page.locator("#c-est-l1 form")).to_have_count(0)  # answers are sent
        await page.locator("header a[href='/assessments']").click()
        await expect(page.locator("main table tbody tr").first).to_contain_text("Submitted")
        await page.locator("header button.link").click()  # log out
        await expect(page.locator("[role=status]")).to_have_text("You have logged out.")
    finally:
        await page.context.close()


async def fits_a_phone(page: Page) -> None:
    """At 360 px nothing but a table's own scrolling box is wider than the screen."""
    await page.set_viewport_size({"width": 360, "height": 740})
    wider = await page.evaluate(
        """() => [...document.querySelectorAll('body *')]
            .filter(e => !e.closest('.scroll') && e.getBoundingClientRect().right > 361)
            .map(e => e.tagName + '.' + e.className)"""
    )
    width = await page.evaluate("document.documentElement.scrollWidth")
    assert (width, wider) == (360, []), wider[:10]
    await page.set_viewport_size(DESKTOP)


async def agreed_ratings(site: AssessmentSite, orgs: list[str]) -> None:
    """Each organisation answers the first criterion, submits, and agrees the rating."""
    officer = {"Authorization": f"Bearer {site.officer()}"}
    async with httpx.AsyncClient(base_url=site.base_url) as client:
        for org in orgs:
            token = site.signer.issue(f"{org}-lead", TENANT, ["member"], org)
            member = {"Authorization": f"Bearer {token}"}
            started = await client.post("/v1/assessments", json={"title": "2026"},
                                        headers=member)  # fmt: skip
            base = f"/v1/assessments/{started.json()['assessment_id']}"
            for path, body, headers in ((f"{base}/answers/gov-l1", {"answer": "met"}, member),
                                        (f"{base}/submit", {}, member),
                                        (f"{base}/rating", {}, officer),
                                        (f"{base}/rating/agree", {}, member)):  # fmt: skip
                method = "PUT" if "/answers/" in path else "POST"
                done = await client.request(method, path, json=body, headers=headers)
                assert done.status_code in (200, 201), done.text
            # The views have the rating agreed before the page reads them (202 while behind).
            for _ in range(10):
                read = await client.get(base, params={"min_version": done.json()["version"]},
                                        headers=member)  # fmt: skip
                if read.status_code == 200:
                    break
            assert read.status_code == 200 and read.json()["status"] == "final"


async def test_the_benchmark_page_shows_the_distribution_with_yours_marked(
    browser, assessment_site
):
    site, findings = assessment_site, {}
    await agreed_ratings(site, ["acme-apparel", "brand-b", "brand-c", "brand-d", "brand-e"])
    page = await new_page(browser)
    try:
        await log_in(page, site, site.member())
        await press(page, "header a[href='/assessments/benchmark']")
        table = page.locator("#benchmark")
        await expect(table.locator("caption")).to_contain_text("5 member organisations")
        await expect(table.locator("td.yours")).to_have_count(5)  # four steps and overall
        await expect(table.locator("tbody tr").last.locator("td.yours")).to_contain_text("(you)")
        await check(page, "benchmark, shown", findings)
    finally:
        await page.context.close()
    assert not findings, describe(findings)
