"""The remedy delivered in the console, by keyboard, axe clean: an officer records a remedy
paid in taka to 212 workers, is told that resolved needs the plan settled, waives the open
action with its reason, and closes as resolved attesting the worker's right to go to court."""

from __future__ import annotations

from datetime import date

import pytest
from playwright.async_api import expect

from tests.browser.test_console import expect_notice, file_grievance, log_in, press
from tests.browser.test_worker_pages import check, describe

pytestmark = [pytest.mark.browser]


async def type_into(page, selector: str, text: str) -> None:
    await page.locator(selector).focus()
    await page.keyboard.type(text)


async def test_an_officer_records_the_remedy_waives_an_action_and_closes_by_keyboard(
    console_site, console_page
):
    site, page = console_site, console_page
    findings: dict[str, list[dict]] = {}
    case_id = await file_grievance(site, category="wages_and_benefits")
    await log_in(page, site)
    await press(page, f'a[href="/console/cases/{case_id}"]')
    await press(page, "#form-accept button[type=submit]")
    for stage in ("Response", "Remediation plan"):
        await press(page, "#form-advance button[type=submit]")
        await expect(page.locator("#case-stage")).to_have_text(stage)
    await page.select_option("#action-remedy", "wage_restitution")
    await page.locator("#action-due").fill("2030-01-31")
    await type_into(page, "#action-description", "Pay the unpaid overtime")
    await press(page, "#form-add-action button[type=submit]")
    await expect_notice(page, "The action was added to the plan.")
    await press(page, "#form-advance button[type=submit]")
    await expect(page.locator("#case-stage")).to_have_text("Implementation")

    await page.select_option("#remedy-kind", "wage_restitution")
    await type_into(page, "#remedy-amount", "1843250.50")
    await type_into(page, "#remedy-currency", "BDT")
    await type_into(page, "#remedy-workers", "212")
    await page.locator("#remedy-delivered").fill(date.today().isoformat())
    await type_into(page, "#remedy-description", "Three months of overtime paid")
    await check(page, "case with the remedy form", findings)
    await press(page, "#form-remedy button[type=submit]")
    await expect_notice(page, "The remedy was recorded as delivered.")
    row = page.locator("#remedy-1")
    await expect(row).to_contain_text("1843250.50 BDT")
    await expect(row).to_contain_text("212")
    await expect(row).to_contain_text("Not asked: no plan action named")

    await page.select_option("#close-outcome", "resolved")
    await press(page, "#form-close button[type=submit]")
    await expect(page.locator("[role=alert]")).to_contain_text("every action of the plan")
    await check(page, "case refused closing", findings)

    await type_into(page, "#waive-1-reason", "Paid through the remedy above")
    await press(page, "#form-waive-1 button[type=submit]")
    await expect_notice(page, "The action was waived.")
    await expect(page.locator("#waived")).to_contain_text("Paid through the remedy above")
    await expect(page.locator("#actions tbody tr").first).to_contain_text("Waived")

    await page.select_option("#close-outcome", "resolved")
    await page.locator("#close-attest").focus()
    await page.keyboard.press("Space")
    await expect(page.locator("#close-attest")).to_be_checked()
    await press(page, "#form-close button[type=submit]")
    await expect_notice(page, "The case was closed.")
    await expect(page.locator("#case-outcome")).to_have_text("Resolved")
    await expect(page.locator("#right-to-court")).to_contain_text("no settlement waives")
    await check(page, "closed case with its remedy", findings)
    assert not findings, describe(findings)
