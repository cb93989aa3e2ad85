"""The status page's review parts in headless Chromium on a 360 px phone screen.

A worker whose report was not taken up asks, without JavaScript, for a review with a plain
form, reads that it was asked, then the result and the reviewing officer's reasons; each
state passes axe-core without serious or critical findings and never scrolls sideways.
"""

from __future__ import annotations

import pytest
from playwright.async_api import expect

from redress.events.catalogue.case_oversight import ReviewDecided, ReviewResult
from redress.events.envelope import Actor, Metadata
from redress.events.ids import derived_stream
from redress.events.projection import wait_for_version
from redress.intake.projections import Grievances
from redress.intake.texts import REVIEW_ASKED, REVIEW_RESULTS
from tests.browser.test_worker_loop_pages import EXPLANATIONS, check, not_taken_up
from tests.browser.test_worker_pages import (
    file_from_the_form,
    gettext,
    log_in,
)

pytestmark = pytest.mark.browser

REASONS = {
    "bn": "যে নিয়মের কারণে অভিযোগটি গ্রহণ করা হয়নি তা সঠিকভাবে প্রয়োগ করা হয়েছে।",
    "ar": "طُبقت القاعدة التي لم تُقبل الشكوى بسببها تطبيقًا صحيحًا.",
}


@pytest.mark.parametrize("lang", ["bn", "ar"])
async def test_a_worker_asks_for_a_review_and_reads_its_result_without_javascript(
    site, page_without_js, page, lang
):
    _ = gettext(site, lang)
    plain = page_without_js
    reference, secret, grievance_id = await file_from_the_form(site, plain, lang)
    await not_taken_up(site, grievance_id, EXPLANATIONS[lang])

    await plain.goto(site.url(f"/status?lang={lang}"))
    await log_in(plain, reference, secret)
    await page.goto(site.url(f"/status?lang={lang}"))
    await log_in(page, reference, secret)
    await expect(page.locator("form#review button[value=review]")).to_be_visible()
    await check(page, f"review offered ({lang})")

    await plain.click("form#review button[value=review]")
    await expect(plain.locator("#review-state")).to_have_text(_(REVIEW_ASKED))
    await expect(plain.locator("form#review")).to_have_count(0)

    # What cases writes once another officer upheld the rejection.
    case_id = derived_stream("case", grievance_id)
    decided = ReviewDecided(case_id=case_id, grievance_id=grievance_id,
                            result=ReviewResult.upheld, reasons=REASONS[lang])  # fmt: skip
    officer = Metadata(tenant="acme", actor=Actor(id="officer-2", role="officer"))
    await site.system.store.append(case_id, [decided], 1, officer)
    assert await wait_for_version(site.system.pool, Grievances(), case_id, 2, timeout=30)

    await plain.reload()
    await expect(plain.locator("#review-state")).to_have_text(_(REVIEW_RESULTS["upheld"]))
    await expect(plain.locator("#review-reasons")).to_have_text(REASONS[lang])
    await page.reload()
    await expect(page.locator("#review-reasons")).to_be_visible()
    await check(page, f"review result ({lang})")
