"""The status page's own controls look like the report form's, on a 360 px phone screen.

The retaliation box sits beside its words as the report form's boxes do, not alone across
the page above them; every button of the page (allow or stop contact, withdraw, erase) is as
wide, as tall and in the same type as the form's own "Send", each state axe clean and never
scrolling sideways. Nothing of it needs JavaScript.
"""

from __future__ import annotations

import pytest
from playwright.async_api import Page, expect

from redress.intake.texts import CONTACT_OFF
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
    for selector in ("button[name=contact][value=no]", "button[value=withdraw]",
                     "button[value=erase]"):  # fmt: skip
        await like_send(page, selector)
    await assert_fits(page, "status")
    await check(page, f"status ({lang})")

    await page.click("button[name=contact][value=no]")
    await expect(page.locator("p[role=status]")).to_have_text(_(CONTACT_OFF))
    await like_send(page, "button[name=contact][value=yes]")
    await assert_fits(page, "status, contact stopped")
    await check(page, f"status, contact stopped ({lang})")
