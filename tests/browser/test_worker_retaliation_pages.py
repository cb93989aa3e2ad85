"""The status page's retaliation box in headless Chromium on a 360 px phone screen.

A worker ticks, without JavaScript, that they are punished for speaking up, sends the reply,
and reads that an officer was alerted at once; the page passes axe-core without serious or
critical findings and never scrolls sideways.
"""

from __future__ import annotations

import pytest
from playwright.async_api import expect

from redress.intake.texts import RETALIATION_REPORTED
from tests.browser.test_worker_loop_pages import check
from tests.browser.test_worker_pages import (
    NARRATIVES,
    fill_report,
    gettext,
    grievance_id_of,
    log_in,
    submit_report,
)

pytestmark = pytest.mark.browser
BOX = "I am being punished for speaking up (threats, dismissal, less work or pay)"


@pytest.mark.parametrize("lang", ["bn", "ar"])
async def test_a_worker_says_they_are_punished_for_speaking_up_without_javascript(
    site, page_without_js, page, lang
):
    _ = gettext(site, lang)
    plain = page_without_js
    await plain.goto(site.url(f"/report?lang={lang}"))
    await fill_report(plain, NARRATIVES[lang])
    reference, secret = await submit_report(plain)
    grievance_id = await grievance_id_of(site, reference)

    await page.goto(site.url(f"/status?lang={lang}"))
    await log_in(page, reference, secret)
    await expect(page.get_by_label(_(BOX))).to_be_visible()
    await check(page, f"retaliation box ({lang})")

    await plain.goto(site.url(f"/status?lang={lang}"))
    await log_in(plain, reference, secret)
    await plain.fill("#message", NARRATIVES[lang])
    await plain.get_by_label(_(BOX)).check()
    await plain.click("button[value=reply]")
    await expect(plain.locator("p[role=status]")).to_have_text(_(RETALIATION_REPORTED))
    async with site.system.pool.acquire() as conn:
        reports = await conn.fetchval(
            """SELECT count(*) FROM eventlog.events WHERE type = 'RetaliationReported'
               AND data ->> 'grievance_id' = $1""",
            grievance_id,
        )
    assert reports == 1
    await page.reload()
    await check(page, f"after the report ({lang})")
