"""The page asking again for the receipt, holding a reply the worker could not send (their
session ended), changes language from within its form (a plain submit, no script) in headless
Chromium: the reply stays in its box, the page passes axe-core and fits a 360 px screen,
Enter with a field blank asks again in the worker's language, and Enter in a filled field
opens the report, not another language."""

from __future__ import annotations

import pytest
from playwright.async_api import expect

from redress.intake.texts import BLANK_RECEIPT, SESSION_ENDED
from tests.browser.test_worker_loop_pages import check
from tests.browser.test_worker_pages import file_from_the_form, gettext, log_in

pytestmark = pytest.mark.browser

REPLY = "The agent still keeps our passports."


async def test_the_unsent_reply_stays_in_its_box_through_a_change_of_language(site, page):
    reference, secret, _grievance = await file_from_the_form(site, page, "en")
    await page.goto(site.url("/status?lang=en"))
    await log_in(page, reference, secret)
    await page.locator("#message").press_sequentially(REPLY)
    await page.context.clear_cookies(name="receipt_session")  # half an hour later
    await page.click("button[name=do][value=reply]")
    await expect(page.locator("#draft")).to_have_value(REPLY)
    await expect(page.locator("a[hreflang=ar]")).to_have_count(0)  # no link away from it

    await page.click("button[name=switch_to][value=ar]")
    await expect(page.locator("html")).to_have_attribute("lang", "ar")
    await expect(page.locator("#draft")).to_have_value(REPLY)
    await expect(page.locator("p.error")).to_have_text(gettext(site, "ar")(SESSION_ENDED))
    await check(page, "receipt asked again, in Arabic, with the reply")

    # Enter with the fields still blank: asked again by the server, in Arabic, the reply kept
    # (the browser's own bubble would speak the browser's language).
    await page.locator("#secret").press("Enter")
    await expect(page.locator("p.error")).to_have_text(gettext(site, "ar")(BLANK_RECEIPT))
    await expect(page.locator("#draft")).to_have_value(REPLY)

    await page.locator("#reference").press_sequentially(reference)
    await page.locator("#secret").press_sequentially(secret)
    await page.locator("#secret").press("Enter")
    await expect(page.locator("#message")).to_have_value(REPLY)  # ready to send
    await expect(page.locator("html")).to_have_attribute("lang", "ar")
