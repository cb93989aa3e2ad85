"""The member console on a phone-sized screen (360 px), by keyboard, axe clean.

A member company's person logs in at /member, is told of the new case in its supply chain
and of the company's action falling due, marks the case seen, opens it (redacted: never the
worker's words), reports progress on the company's action, and adds one for the supplier,
the first try with a blank description coming back with the field marked.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import httpx
import pytest
from playwright.async_api import Page, expect

from redress.cases.projections import CaseViews
from redress.events.projection import wait_for_version
from tests.browser.conftest import PHONE, TIMEOUT_MS, ConsoleSite
from tests.browser.test_console import NARRATIVE, file_grievance, press
from tests.browser.test_console_supply_chain import type_into
from tests.browser.test_worker_pages import check, describe
from tests.intake.conftest import TENANT

pytestmark = [pytest.mark.browser]

SOON = (datetime.now(UTC).date() + timedelta(days=3)).isoformat()


async def to_the_plan(site: ConsoleSite, case_id: str) -> None:
    """The officer takes the case to its plan, with the company's action due in 3 days."""
    headers = {"Authorization": f"Bearer {site.token()}"}
    async with httpx.AsyncClient(base_url=site.cases_url, timeout=30) as client:
        for path, body in [("/accept", {}), ("/advance", {"to": "response"}),
                           ("/advance", {"to": "remediation_plan"}),
                           ("/actions", {"remedy": "compensation", "owner": "member_company",
                                         "due_on": SOON,
                                         "description": "Pay the medical costs"})]:  # fmt: skip
            answer = await client.post(f"/v1/cases/{case_id}{path}", json=body, headers=headers)
            assert answer.status_code in (200, 201), answer.text
    version = answer.json()["version"]
    assert await wait_for_version(site.system.pool, CaseViews(), case_id, version, timeout=30)


async def fits(page: Page) -> None:
    width = await page.evaluate("document.documentElement.scrollWidth")
    assert width <= PHONE["width"], f"{page.url} scrolls sideways at 360 px ({width} px)"


@pytest.fixture
async def phone(browser, console_site):
    context = await browser.new_context(viewport=PHONE)
    context.set_default_timeout(TIMEOUT_MS)
    page = await context.new_page()
    yield page
    await context.close()


async def test_a_member_follows_its_supply_chain_and_acts_on_its_actions_by_keyboard(
    console_site, phone
):
    site, page = console_site, phone
    findings: dict[str, list[dict]] = {}
    case_id = await file_grievance(site)
    await to_the_plan(site, case_id)

    await page.goto(site.url("/member"))  # not logged in: sent to the login page
    await expect(page).to_have_url(site.url("/member/login"))
    await expect(page.locator("h1")).to_have_text("Log in to the member console")
    await page.keyboard.press("Tab")
    await expect(page.locator("a.skip")).to_be_focused()
    await check(page, "member login", findings)
    await page.locator("#token").fill(site.token(("member",), "acme-apparel-user"))
    await page.locator("#token").press("Enter")
    await expect(page.locator("[role=alert]")).to_contain_text("not a member company")
    await page.locator("#token").fill(
        site.signer.issue("buyer-1", TENANT, ["member"], "acme-apparel")
    )
    await page.locator("#token").press("Enter")
    await expect(page.locator("h1")).to_have_text("Your supply chain")
    await expect(page.locator("#new-count")).to_contain_text("1 case filed since")
    await expect(page.locator("#due-actions")).to_contain_text("Pay the medical costs")
    await check(page, "member home", findings)
    await fits(page)

    await press(page, "#form-seen button[type=submit]")
    await expect(page.locator("#notice")).to_contain_text("Marked as seen")
    await expect(page.locator("#new-count")).to_have_text(
        "No new case since you last marked them seen."
    )
    await press(page, f'#member-cases a[href="/member/cases/{case_id}"]')
    await expect(page.locator("#case-stage")).to_have_text("Remediation plan")
    await expect(page.locator("main")).not_to_contain_text(NARRATIVE)
    await check(page, "member case", findings)
    await fits(page)

    form = page.locator("form[id^=form-progress-]")
    await form.locator("textarea").focus()
    await page.keyboard.type("Half of the costs paid to the clinic")
    await press(page, "form[id^=form-progress-] button[type=submit]")
    await expect(page.locator("#notice")).to_have_text("Your progress on the action was recorded.")
    await expect(page.locator("#actions")).to_contain_text("Half of the costs paid to the clinic")

    await page.select_option("#add-remedy", "policy_change")
    await page.select_option("#add-owner", "supplier")
    await page.locator("#add-due-on").fill(SOON)
    await type_into(page, "#add-description", "  ")  # blank: refused, the field marked
    await press(page, "#form-add button[type=submit]")
    description = page.locator("#add-description")
    await expect(description).to_have_attribute("aria-invalid", "true")
    await expect(page.locator("#add-description-error")).to_be_visible()
    await expect(page.locator("#add-owner")).to_have_value("supplier")
    await check(page, "member case with the description marked", findings)
    await fits(page)
    await press(page, '#error a[href="#add-description"]')
    await expect(description).to_be_focused()
    await page.keyboard.type("No more recruitment fees charged to workers")
    await press(page, "#form-add button[type=submit]")
    await expect(page.locator("#notice")).to_have_text("The action was added to the plan.")
    await expect(page.locator("#actions")).to_contain_text("No more recruitment fees")
    await check(page, "member case with its actions", findings)
    assert not findings, describe(findings)


async def test_the_plan_reflows_on_a_phone_each_action_a_block_labelled_by_its_columns(
    console_site, phone
):
    """WCAG 1.4.10: at 360 px the plan's six columns do not scroll sideways in their box
    (a scroll nobody is told of); each action is a block whose values say what they are."""
    site, page = console_site, phone
    findings: dict[str, list[dict]] = {}
    case_id = await file_grievance(site)
    await to_the_plan(site, case_id)
    await page.goto(site.url("/member/login"))
    await page.locator("#token").fill(
        site.signer.issue("buyer-1", TENANT, ["member"], "acme-apparel")
    )
    await page.locator("#token").press("Enter")
    await expect(page.locator("h1")).to_have_text("Your supply chain")
    await page.goto(site.url(f"/member/cases/{case_id}"))
    row = page.locator("#actions tbody tr").first
    await expect(row).to_contain_text("Pay the medical costs")
    await fits(page)
    # The plan's box does not scroll: the table is no wider than the box it is in.
    box = await page.evaluate(
        "(() => { const t = document.getElementById('actions');"
        " return [t.scrollWidth, t.parentElement.clientWidth]; })()"
    )
    assert box[0] <= box[1], f"the plan scrolls sideways in its box ({box[0]} px in {box[1]})"
    # One value under another, each said with its column's name.
    cells = row.locator("td")
    labels = await cells.evaluate_all(
        "cells => cells.map(c => getComputedStyle(c, '::before').content)"
    )
    assert labels == ['"Remedy"', '"Owner"', '"Due"', '"Progress"', '"Done"'], labels
    tops = await cells.evaluate_all("cells => cells.map(c => c.getBoundingClientRect().top)")
    assert tops == sorted(tops) and len(set(tops)) == len(tops), tops
    await check(page, "member case on a phone", findings)
    assert not findings, describe(findings)


async def boxes_that_scroll(page: Page) -> list[str]:
    """Each table whose box scrolls sideways: a scroll at 360 px nobody is told of."""
    return await page.evaluate(
        "[...document.querySelectorAll('table')]"
        ".filter(t => t.scrollWidth > t.parentElement.clientWidth)"
        ".map(t => `${t.id} (${t.scrollWidth} px in ${t.parentElement.clientWidth})`)"
    )


async def labels_of(page: Page, cells: str) -> list[str]:
    """What each cell of a row says it is, above its value, as a reader sees it."""
    return await page.locator(cells).evaluate_all(
        "cells => cells.map(c => getComputedStyle(c, '::before').content)"
    )


async def test_the_home_reflows_on_a_phone_each_case_and_action_due_labelled_by_its_columns(
    console_site, phone
):
    """WCAG 1.4.10: at 360 px the home's tables (the actions due, the cases) do not scroll
    sideways in their boxes; each row is a block whose values say what they are."""
    site, page = console_site, phone
    findings: dict[str, list[dict]] = {}
    case_id = await file_grievance(site)
    await to_the_plan(site, case_id)
    await page.goto(site.url("/member/login"))
    await page.locator("#token").fill(
        site.signer.issue("buyer-1", TENANT, ["member"], "acme-apparel")
    )
    await page.locator("#token").press("Enter")
    await expect(page.locator("h1")).to_have_text("Your supply chain")
    await expect(page.locator("#due-actions tbody tr")).to_contain_text("Pay the medical costs")
    await expect(page.locator(f'#member-cases tr[data-case="{case_id}"]')).to_be_visible()
    await fits(page)
    assert await boxes_that_scroll(page) == []
    due = "#due-actions tbody tr >> nth=0 >> td"
    assert await labels_of(page, due) == ['"Case"', '"Remedy"', '"Due"', '"Progress"']
    case = f'#member-cases tr[data-case="{case_id}"] >> th, td'
    assert await labels_of(page, case) == [
        '"Case"', '"Category"', '"Site"', '"Stage"', '"Due"', '"Status"', '"Filed"'
    ]  # fmt: skip
    for row in (page.locator("#due-actions tbody tr").first,
                page.locator(f'#member-cases tr[data-case="{case_id}"]')):  # fmt: skip
        tops = await row.locator("th, td").evaluate_all(
            "cells => cells.map(c => c.getBoundingClientRect().top)"
        )
        assert tops == sorted(tops) and len(set(tops)) == len(tops), tops  # one under another
    await check(page, "member home on a phone", findings)

    await page.goto(site.url(f"/member/cases/{case_id}"))  # and the case's page
    await expect(page.locator("#actions")).to_contain_text("Pay the medical costs")
    await fits(page)
    assert await boxes_that_scroll(page) == []
    assert not findings, describe(findings)


async def test_the_officers_queue_reflows_on_a_phone_each_case_labelled_by_its_columns(
    console_site, phone
):
    """An officer on a field visit opens the queue on a phone: its eight columns scrolled
    sideways in their box at 360 px; each case is now a block of labelled values."""
    site, page = console_site, phone
    findings: dict[str, list[dict]] = {}
    case_id = await file_grievance(site)
    await page.goto(site.url("/console/login"))
    await page.locator("#token").fill(site.token())
    await page.locator("#token").press("Enter")
    await expect(page.locator("h1")).to_have_text("Queue")
    row = f'#queue tr[data-case="{case_id}"]'
    await expect(page.locator(row)).to_be_visible()
    await fits(page)
    assert await boxes_that_scroll(page) == []
    assert await labels_of(page, f"{row} >> th, td") == [
        '"Case"', '"Category"', '"Country"', '"Stage"', '"Due"', '"Severity"', '"Officer"',
        '"Status"', '"Opened"',
    ]  # fmt: skip
    await check(page, "queue on a phone", findings)
    assert not findings, describe(findings)
