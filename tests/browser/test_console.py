"""The officer console in headless Chromium, driven from the keyboard.

An operator files a grievance through intake's API; an officer logs in to the console with a
token, finds the case in the queue and takes it through triage (critical, for a trafficking
indicator), admissibility, the plan and implementation to closure, pressing Enter on each
form; the login, queue and case pages pass axe-core without serious or critical findings,
and the console works with JavaScript off.
"""

from __future__ import annotations

import httpx
import pytest
from playwright.async_api import Page, expect

from redress.cases.policies import case_stream
from redress.cases.projections import CaseViews
from redress.events.projection import wait_for_version
from tests.browser.conftest import ConsoleSite
from tests.browser.test_worker_pages import check, describe

pytestmark = [
    pytest.mark.browser,
]

NARRATIVE = "The supervisor keeps our passports in his office and will not give them back."


async def file_grievance(
    site: ConsoleSite,
    category: str = "health_and_safety",
    narrative: str = NARRATIVE,
    language: str = "en",
) -> str:
    """File through intake's operator API; return the case id once cases shows it."""
    async with httpx.AsyncClient(base_url=site.intake_url, timeout=30) as client:
        answer = await client.post(
            "/v1/operator/grievances",
            json={"country": "BD", "site_id": "dhaka-1", "category": category,
                  "narrative": narrative, "language": language},
            headers={"Authorization": f"Bearer {site.token(('operator',), 'operator-1')}"},
        )  # fmt: skip
    assert answer.status_code == 201, answer.text
    case_id = case_stream(answer.json()["grievance_id"])
    assert await wait_for_version(site.system.pool, CaseViews(), case_id, 2, timeout=30)
    return case_id


async def log_in(page: Page, site: ConsoleSite) -> None:
    await page.goto(site.url("/console/login"))
    await page.locator("#token").fill(site.token())
    await page.locator("#token").press("Enter")
    await expect(page.locator("h1")).to_have_text("Queue")


async def press(page: Page, selector: str) -> None:
    """Move the focus to a control and press Enter, as a keyboard user does."""
    control = page.locator(selector)
    await control.focus()
    await expect(control).to_be_focused()
    await page.keyboard.press("Enter")


async def expect_notice(page: Page, text: str) -> None:
    await expect(page.locator("#notice")).to_have_text(text)


async def test_an_officer_takes_a_case_from_triage_to_closure_by_keyboard(
    console_site, console_page
):
    site, page = console_site, console_page
    findings: dict[str, list[dict]] = {}
    case_id = await file_grievance(site)

    await page.goto(site.url("/console"))  # not logged in: sent to the login page
    await expect(page).to_have_url(site.url("/console/login"))
    await page.keyboard.press("Tab")
    await expect(page.locator("a.skip")).to_be_focused()
    await check(page, "login", findings)
    await page.locator("#token").fill("not a token")
    await page.locator("#token").press("Enter")
    await expect(page.locator("[role=alert]")).to_contain_text("That token was refused")
    await check(page, "login with an error", findings)

    await log_in(page, site)
    row = page.locator(f'tr[data-case="{case_id}"]')
    await expect(row).to_contain_text("Health and safety")
    await expect(row).to_contain_text("Not triaged")
    await check(page, "queue", findings)
    await page.select_option("#stage", "admissibility")
    await press(page, "form.filters button[type=submit]")
    await expect(page).to_have_url(
        site.url("/console?stage=admissibility&severity=&officer=&overdue=")
    )
    await expect(row).to_be_visible()

    await press(page, f'a[href="/console/cases/{case_id}"]')
    await expect(page.locator("#case-stage")).to_have_text("Admissibility")
    await expect(page.locator("#narrative")).to_have_text(NARRATIVE)
    await check(page, "case at admissibility", findings)

    # Triage: tick a trafficking indicator with the space bar; the case becomes critical.
    indicator = page.locator("#ind-document_retention")
    await indicator.focus()
    await page.keyboard.press("Space")
    await expect(indicator).to_be_checked()
    await page.select_option("#triage-severity", "medium")
    await press(page, "#form-triage button[type=submit]")
    await expect_notice(
        page,
        "Triage recorded. The case is critical and a referral is recommended, whatever severity"
        " was chosen, because of: Document retention. To keep a lower severity, triage it again"
        " with an override reason.",
    )
    await expect(page.locator("#case-severity")).to_have_text("Critical")
    await expect(page.locator("#case-indicators")).to_have_text("Document retention")
    await expect(page.locator("#case-referral")).to_have_text("Recommended · Open the referral")

    await press(page, "#form-accept button[type=submit]")
    await expect_notice(page, "The grievance was accepted: the case is at verification.")
    await expect(page.locator("#case-stage")).to_have_text("Verification")
    await press(page, "#form-advance button[type=submit]")
    await expect(page.locator("#case-stage")).to_have_text("Response")
    await press(page, "#form-advance button[type=submit]")
    await expect_notice(page, "The case moved on to the next stage.")
    await expect(page.locator("#case-stage")).to_have_text("Remediation plan")

    await page.select_option("#action-remedy", "policy_change")
    await page.select_option("#action-owner", "supplier")
    await page.locator("#action-due").fill("2030-01-31")
    await page.locator("#action-description").press_sequentially("Return every passport")
    await press(page, "#form-add-action button[type=submit]")
    await expect_notice(page, "The action was added to the plan.")
    action = page.locator("#actions tbody tr").first
    await expect(action).to_contain_text("Return every passport")
    await expect(action).to_contain_text("Policy change")
    await expect(action).to_contain_text("2030-01-31")
    await check(page, "case with a plan", findings)

    await press(page, "#form-advance button[type=submit]")
    await expect(page.locator("#case-stage")).to_have_text("Implementation")
    await expect(page.locator("#form-advance")).to_have_count(0)

    # Resolved needs every action done or waived: this one is waived, with the reason.
    await page.locator("#waive-1-reason").press_sequentially("Returned by the police")
    await press(page, "#form-waive-1 button[type=submit]")
    await expect_notice(page, "The action was waived.")
    await expect(page.locator("#waived")).to_contain_text("Returned by the police")
    await page.select_option("#close-outcome", "resolved")
    await press(page, "#form-close button[type=submit]")
    await expect_notice(page, "The case was closed.")
    await expect(page.locator("#case-status")).to_have_text("Closed")
    await expect(page.locator("#case-outcome")).to_have_text("Resolved")
    await expect(page.locator("#case-stage")).to_have_text("Closure")
    await expect(page.locator("#form-lessons")).to_be_visible()
    timeline = page.locator("#events")
    for entry in ("Case opened", "Case triaged", "Referral recommended", "Plan action added",
                  "Case closed"):  # fmt: skip
        await expect(timeline).to_contain_text(entry)
    await check(page, "closed case", findings)

    await page.goto(site.url("/console"))
    await expect(row).to_contain_text("Critical")
    await expect(row).to_contain_text("Closed")
    assert not findings, describe(findings)


async def test_the_console_works_without_javascript(console_site, console_page_without_js):
    site, page = console_site, console_page_without_js
    case_id = await file_grievance(site, "identity_documents")
    await log_in(page, site)
    await page.locator(f'a[href="/console/cases/{case_id}"]').click()
    # The category's suggestions come ticked; submitting keeps them.
    await expect(page.locator("#ind-document_retention")).to_be_checked()
    await page.locator("#form-triage button[type=submit]").click()
    await expect(page.locator("#case-severity")).to_have_text("Critical")
    await page.locator("#note-text").fill("Ask the supervisor for the passports.")
    await page.locator("#form-note button[type=submit]").click()
    await expect(page.locator(".msg.note")).to_contain_text("Ask the supervisor")
    await page.locator("header button.link").click()  # log out
    await expect(page.locator("[role=status]")).to_have_text("You have logged out.")
    await page.goto(site.url(f"/console/cases/{case_id}"))
    await expect(page).to_have_url(site.url("/console/login"))


ARABIC = "المشرف يحتفظ بجوازات سفرنا منذ 3 أشهر."


async def test_what_people_wrote_reads_in_its_own_direction(console_site, console_page):
    """A worker's Arabic narrative and an officer's Arabic note read right to left in the
    English console (each its own paragraph direction, isolated from the page around it),
    while English text beside them stays left to right."""
    site, page = console_site, console_page
    case_id = await file_grievance(site, narrative=ARABIC, language="ar")
    await log_in(page, site)
    await page.goto(site.url(f"/console/cases/{case_id}"))
    await page.locator("#note-text").fill(ARABIC)
    await page.locator("#form-note button[type=submit]").click()
    await expect(page.locator(".msg.note")).to_contain_text("المشرف")
    await page.locator("#note-text").fill("Ask the supervisor for the passports.")
    await page.locator("#form-note button[type=submit]").click()
    await expect(page.locator(".msg.note")).to_have_count(2)

    def direction(selector: str) -> str:
        return f"getComputedStyle(document.querySelector({selector!r})).direction"

    assert await page.evaluate(direction("#narrative")) == "rtl"
    notes = page.locator(".msg.note p[dir]")
    directions = [await n.evaluate("e => getComputedStyle(e).direction") for n in await notes.all()]
    assert sorted(directions) == ["ltr", "rtl"]
    assert await page.evaluate(direction("h1")) == "ltr"  # the page itself stays English
