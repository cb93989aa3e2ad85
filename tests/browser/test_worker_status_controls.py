"""The status page's own controls look like the report form's, on a 360 px phone screen.

The retaliation box sits beside its words as the report form's boxes do, not alone across
the page above them; every button of the page (allow or stop contact, withdraw, erase) is as
wide, as tall and in the same type as the form's own "Send", each state axe clean and never
scrolling sideways. Nothing of it needs JavaScript.
"""

from __future__ import annotations

import pytest
from playwright.async_api import Page, expect

from redress.intake.texts import CONTACT_OFF, REPLY_SENT, RETALIATION_REPORTED, SESSION_ENDED
from tests.browser.test_worker_loop_pages import check
from tests.browser.test_worker_pages import assert_fits, file_from_the_form, gettext, log_in

pytestmark = pytest.mark.browser
SEND = "button.primary[value=reply]"
LOOKS = ("fontSize", "fontWeight", "fontFamily", "paddingTop", "paddingLeft", "borderRadius",
         "display")  # fmt: skip


async def box(page: Page, selector: str) -> dict[str, float]:
    found = await page.locator(selector).bounding_box()
    assert found is not None, f"{selector} is not shown"
    return dict(found)


async def looks(page: Page, selector: str) -> dict[str, str]:
    style = await page.locator(selector).evaluate(
        "(e, keys) => Object.fromEntries(keys.map(k => [k, getComputedStyle(e)[k]]))", list(LOOKS)
    )
    return dict(style)


async def like_send(page: Page, selector: str) -> None:
    """The button is as wide as "Send", at least as tall, and in its type and padding."""
    send, button = await box(page, SEND), await box(page, selector)
    assert round(button["width"]) == round(send["width"]), (selector, button, send)
    assert button["height"] >= send["height"] - 1, (selector, button, send)
    assert await looks(page, selector) == await looks(page, SEND), selector


@pytest.mark.parametrize("lang", ["en", "ar"])
async def test_the_retaliation_box_and_the_buttons_look_like_the_report_forms(site, page, lang):
    _ = gettext(site, lang)
    reference, secret, _grievance = await file_from_the_form(site, page, lang)
    await page.goto(site.url(f"/status?lang={lang}"))
    await log_in(page, reference, secret)
    await expect(page.locator("#status")).to_be_visible()

    tick, words = await box(page, "#retaliation"), await box(page, "label[for=retaliation]")
    assert tick["width"] < 40, f"the box is a bar across the page: {tick}"
    middle = tick["y"] + tick["height"] / 2
    assert words["y"] <= middle <= words["y"] + words["height"], (tick, words)
    for selector in ("button[name=do][value=contact-no]", "button[value=withdraw]",
                     "button[value=erase]"):  # fmt: skip
        await like_send(page, selector)
    await assert_fits(page, "status")
    await check(page, f"status ({lang})")

    await page.click("button[name=do][value=contact-no]")
    await expect(page.locator("p[role=status]")).to_have_text(_(CONTACT_OFF))
    await like_send(page, "button[name=do][value=contact-yes]")
    await assert_fits(page, "status, contact stopped")
    await check(page, f"status, contact stopped ({lang})")


async def test_a_long_reply_typed_after_the_session_ended_survives_opening_the_report(site, page):
    """A reply filling its box, in Arabic script, typed when the half hour had passed: the
    browser carries it through the page asking for the receipt and back into the box, with
    its retaliation box ticked, though sealed it is far more than a cookie may hold."""
    _ = gettext(site, "ar")
    reference, secret, _grievance = await file_from_the_form(site, page, "ar")
    await page.goto(site.url("/status?lang=ar"))
    await log_in(page, reference, secret)
    await expect(page.locator("#status")).to_be_visible()
    await page.context.clear_cookies(name="receipt_session")  # half an hour later
    reply = ("لم يتغير شيء في المصنع منذ الزيارة. " * 200)[:5000]
    await page.fill("textarea[name=message]", reply)
    await page.check("#retaliation")
    await page.click(SEND)
    await expect(page.get_by_text(_(SESSION_ENDED))).to_be_visible()
    await log_in(page, reference, secret)
    await expect(page.locator("#status")).to_be_visible()
    assert await page.locator("textarea[name=message]").input_value() == reply
    await expect(page.locator("#retaliation")).to_be_checked()
    await page.click(SEND)
    told = page.locator("p[role=status]")
    await expect(told).to_contain_text(_(REPLY_SENT))
    await expect(told).to_contain_text(_(RETALIATION_REPORTED))
