"""Verification, the response and a correction in the console, by keyboard, axe clean.

A grievance filed as `other` is corrected to child labour; the officer accepts it, records
a finding from an interview, decides it substantiated, moves on and determines the response
(the company contributed; the State and a referral are needed), pressing Enter on each form.
"""

from __future__ import annotations

import pytest
from playwright.async_api import expect

from tests.browser.test_console import expect_notice, file_grievance, log_in, press
from tests.browser.test_worker_pages import check, describe

pytestmark = [pytest.mark.browser]

FINDING = "Two girls of about 13 were at the looms on the night shift."


async def test_an_officer_corrects_verifies_and_determines_the_response_by_keyboard(
    console_site, console_page
):
    site, page = console_site, console_page
    findings: dict[str, list[dict]] = {}
    case_id = await file_grievance(site, category="other")
    await log_in(page, site)
    await press(page, f'a[href="/console/cases/{case_id}"]')
    await expect(page.locator("#findings")).to_have_text("No findings recorded yet.")
    await check(page, "case with the verification section", findings)

    await page.select_option("#correct-category", "child_labour")
    await page.locator("#correct-reason").press_sequentially("The SMS is about children")
    await press(page, "#form-correct button[type=submit]")
    await expect_notice(page, "The grievance was corrected.")
    await expect(page.locator("h1")).to_contain_text("Child labour")

    await press(page, "#form-accept button[type=submit]")
    await expect(page.locator("#case-stage")).to_have_text("Verification")
    await page.select_option("#finding-source", "interview")
    await page.locator("#finding-text").press_sequentially(FINDING)
    await press(page, "#form-finding button[type=submit]")
    await expect_notice(page, "The finding was recorded.")
    await expect(page.locator("#findings li")).to_contain_text(FINDING)
    await page.select_option("#verification-decision", "substantiated")
    await page.locator("#verification-reasons").press_sequentially("Seen on the visit")
    await press(page, "#form-verification button[type=submit]")
    await expect_notice(page, "The verification's decision was recorded.")
    await expect(page.locator("#case-verification")).to_have_text(
        "Substantiated: Seen on the visit"
    )
    await check(page, "case in verification", findings)

    await press(page, "#form-advance button[type=submit]")
    await expect(page.locator("#case-stage")).to_have_text("Response")
    await page.select_option("#response-level", "initiative")
    for box in ("#involvement-contributed", "#response-state", "#response-referral"):
        await page.locator(box).focus()
        await page.keyboard.press("Space")
        await expect(page.locator(box)).to_be_checked()
    await page.locator("#response-reasons").press_sequentially("Orders pushed night shifts")
    await press(page, "#form-response button[type=submit]")
    await expect_notice(page, "The response was recorded.")
    await expect(page.locator("#case-response")).to_contain_text(
        "The initiative with the company · the company: contributed to the harm · needed: "
        "the State, a referral."
    )
    await expect(page.locator("#case-referral")).to_contain_text("Recommended")
    await check(page, "case with its response", findings)
    assert not findings, describe(findings)
