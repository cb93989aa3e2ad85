"""Suppliers and systemic issues in the console, by keyboard, axe clean, at 360 px too.

QIMA's story: 14 underage-labour grievances from callbacks at one supplier. An officer finds
them by site and category, ticks ten into a systemic issue, links the other four, plans an
age check, suspends the supplier with its stepwise plan (the first try, with blank reasons,
comes back with the field marked), then exits it. The issue shows 14 linked grievances and
the suppliers' page one supplier exited.
"""

from __future__ import annotations

import httpx
import pytest
from playwright.async_api import Page, expect

from redress.cases.policies import case_stream
from tests.browser.conftest import DESKTOP, PHONE, ConsoleSite
from tests.browser.test_console import log_in, press
from tests.browser.test_worker_pages import check, describe
from tests.events.helpers import wait_until

pytestmark = [pytest.mark.browser]

CHILD_LABOUR = {"country": "BD", "site_id": "dhaka-1", "category": "child_labour",
                "narrative": "Children of 13 work the night shift in the packing hall.",
                "language": "en"}  # fmt: skip
STEPS = ["Orders paused for 90 days, the children's wages paid meanwhile",
         "The children enrolled in school with a stipend until 15"]  # fmt: skip


async def file_callbacks(site: ConsoleSite, n: int) -> list[str]:
    """`n` grievances from the callback line's operator; their cases, once open."""
    token = site.token(("operator",), "operator-1")
    async with httpx.AsyncClient(base_url=site.intake_url, timeout=30) as client:
        headers = {"Authorization": f"Bearer {token}"}
        answers = [
            await client.post("/v1/operator/grievances", json=CHILD_LABOUR, headers=headers)
            for _ in range(n)
        ]
    assert all(a.status_code == 201 for a in answers)
    case_ids = [case_stream(a.json()["grievance_id"]) for a in answers]

    async def opened() -> bool:
        count = await site.system.pool.fetchval(
            "SELECT count(*) FROM cases.cases WHERE case_id = ANY($1::text[])", case_ids
        )
        return count == n

    await wait_until(opened, timeout=60)
    return case_ids


async def tick(page: Page, selector: str) -> None:
    box = page.locator(selector)
    await box.focus()
    await page.keyboard.press("Space")
    await expect(box).to_be_checked()


async def type_into(page: Page, selector: str, text: str) -> None:
    await page.locator(selector).focus()
    await page.keyboard.type(text)


async def fits_a_phone(page: Page, name: str, findings: dict[str, list[dict]]) -> None:
    """At 360 px the page does not scroll sideways (tables scroll in their own region) and
    stays axe clean."""
    await page.set_viewport_size(PHONE)
    width = await page.evaluate("document.documentElement.scrollWidth")
    assert width <= PHONE["width"], f"{name}: the page scrolls sideways at 360 px ({width} px)"
    await check(page, f"{name} at 360 px", findings)
    await page.set_viewport_size(DESKTOP)


async def test_an_officer_groups_fourteen_grievances_and_exits_the_supplier_by_keyboard(
    console_site, console_page
):
    site, page = console_site, console_page
    findings: dict[str, list[dict]] = {}
    await file_callbacks(site, 14)
    await log_in(page, site)

    await press(page, 'nav a[href="/console/systemic-issues"]')
    await expect(page.locator("h1")).to_have_text("Systemic issues")
    await check(page, "issues, none yet", findings)
    await press(page, "#new-issue")
    await type_into(page, "#find-site-id", "dhaka-1")
    await page.select_option("#find-category", "child_labour")
    await press(page, "#form-find button[type=submit]")
    await expect(page.locator("#open-case-ids input[type=checkbox]")).to_have_count(14)
    await expect(page.locator("#open-site-id")).to_have_value("dhaka-1")
    await check(page, "new issue with 14 cases to tick", findings)
    for n in range(1, 11):
        await tick(page, f"#open-case-{n}")
    await type_into(page, "#open-title", "Underage workers at Dhaka 1")
    await press(page, "#form-open button[type=submit]")
    await expect(page.locator("#notice")).to_have_text("The systemic issue was opened.")
    await expect(page.locator("#linked-caption")).to_contain_text("10 linked grievances")

    for n in range(1, 5):
        await tick(page, f"#link-case-{n}")
    await press(page, "#form-link button[type=submit]")
    await expect(page.locator("#notice")).to_have_text("The cases were linked to the issue.")
    await expect(page.locator("#linked-caption")).to_contain_text("14 linked grievances")
    await expect(page.locator("#linked-cases tbody tr")).to_have_count(14)
    await type_into(page, "#action-description", "Age checks at the gate, with documents")
    await page.select_option("#action-owner", "supplier")
    await page.locator("#action-due-on").fill("2031-01-15")
    await press(page, "#form-action button[type=submit]")
    await expect(page.locator("#issue-actions")).to_contain_text("Age checks at the gate")
    await check(page, "issue with 14 grievances and a plan", findings)
    await fits_a_phone(page, "issue", findings)
    issue_id = page.url.split("/")[-1].split("?")[0]

    async def grouped() -> bool:  # the supplier's page lists the issue from the projection
        linked = await site.system.pool.fetchval(
            "SELECT count(*) FROM cases.systemic_cases WHERE issue_id = $1", issue_id
        )
        return bool(linked == 14)

    await wait_until(grouped, timeout=30)

    await press(page, '#issue-site a[href="/console/suppliers/dhaka-1"]')
    await expect(page.locator("#supplier-standing")).to_have_text("No consequence decided")
    await page.select_option("#consequence-consequence", "suspension")
    await type_into(page, "#consequence-reasons", "   ")  # blank: refused, the field marked
    await type_into(page, "#consequence-steps", "\n".join(STEPS))
    await page.select_option("#consequence-issue-id", issue_id)
    await press(page, "#form-consequence button[type=submit]")
    reasons = page.locator("#consequence-reasons")
    await expect(reasons).to_have_attribute("aria-invalid", "true")
    await expect(page.locator("#consequence-reasons-error")).to_be_visible()
    await expect(page.locator("#error")).to_contain_text("Deciding the consequence was refused")
    await expect(page.locator("#consequence-steps")).to_have_value("\n".join(STEPS))
    await check(page, "supplier with the reasons marked", findings)
    # The summary's link takes the keyboard to the field.
    await press(page, '#error a[href="#consequence-reasons"]')
    await expect(reasons).to_be_focused()
    await page.keyboard.type("Fourteen children found working at night")
    await page.select_option("#consequence-issue-id", issue_id)
    await press(page, "#form-consequence button[type=submit]")
    await expect(page.locator("#notice")).to_have_text("The consequence was recorded.")
    await expect(page.locator("#supplier-standing")).to_contain_text("Suspended")
    await expect(page.locator("#consequence-1")).to_contain_text(STEPS[1])
    await expect(page.locator("#consequence-1")).to_contain_text("The 14 grievances")

    await page.select_option("#consequence-consequence", "exit")
    await type_into(page, "#consequence-reasons", "Children still found after the suspension")
    await type_into(page, "#consequence-steps", "Three months' notice\nSeverance paid first")
    await page.select_option("#consequence-issue-id", issue_id)
    await press(page, "#form-consequence button[type=submit]")
    await expect(page.locator("#supplier-standing")).to_contain_text("Exited")
    await expect(page.locator("#no-consequence")).to_be_visible()
    await check(page, "supplier exited", findings)
    await fits_a_phone(page, "supplier", findings)

    async def listed() -> bool:  # the list is a projection: once it has the exit
        standing = await site.system.pool.fetchval(
            "SELECT consequence FROM cases.suppliers WHERE site_id = 'dhaka-1'"
        )
        return bool(standing == "exit")

    await wait_until(listed, timeout=30)
    await press(page, 'nav a[href="/console/suppliers"]')
    await expect(page.locator("#by-consequence")).to_contain_text("Exited: 1")
    await expect(page.locator('tr[data-site="dhaka-1"]')).to_contain_text("Exited")
    await check(page, "suppliers", findings)
    await fits_a_phone(page, "suppliers", findings)
    assert not findings, describe(findings)
