"""The status page's retaliation box and representatives in headless Chromium at 360 px.

A worker ticks, without JavaScript, that they are punished for speaking up, sends the reply,
and reads that an officer was alerted at once; a worker allows a union to accompany them.
Each state passes axe-core without serious or critical findings and never scrolls sideways.
"""

from __future__ import annotations

import pytest
from playwright.async_api import expect

from redress.events.catalogue.representation import RepresentationRequested
from redress.events.envelope import Actor, Metadata
from redress.events.projection import wait_for_version
from redress.intake.filing import grievance_stream
from redress.intake.representations import Representations
from redress.intake.texts import REPRESENTED, RETALIATION_REPORTED
from tests.browser.test_worker_loop_pages import check
from tests.browser.test_worker_pages import (
    NARRATIVES,
    file_from_the_form,
    gettext,
    log_in,
)

pytestmark = pytest.mark.browser
BOX = "I am being punished for speaking up (threats, dismissal, less work or pay)"


@pytest.mark.parametrize("lang", ["bn", "ar"])
async def test_a_worker_says_they_are_punished_for_speaking_up_without_javascript(
    site, page_without_js, page, lang
):
    _ = gettext(site, lang)
    plain = page_without_js
    reference, secret, grievance_id = await file_from_the_form(site, plain, lang)

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


ASKS = ("%(org)s asks to accompany you in this report. They would see how it goes, never what "
        "you wrote or how to reach you.")  # fmt: skip


@pytest.mark.parametrize("lang", ["bn", "ar"])
async def test_a_worker_allows_a_representative_to_accompany_them_without_javascript(
    site, page_without_js, page, lang
):
    _ = gettext(site, lang)
    plain = page_without_js
    reference, secret, grievance_id = await file_from_the_form(site, plain, lang)
    # What the representative's request (`POST /v1/representative/accompaniments`) writes.
    stream = grievance_stream(grievance_id)
    union = Metadata(tenant="acme", actor=Actor(id="union-1", role="representative"))
    asked = RepresentationRequested(grievance_id=grievance_id, org="garment-union")
    version = len(await site.system.store.read_stream(stream))
    done = await site.system.store.append(stream, [asked], version, union)
    assert await wait_for_version(site.system.pool, Representations(), stream, done.version)

    await page.goto(site.url(f"/status?lang={lang}"))
    await log_in(page, reference, secret)
    request = _(ASKS).replace("%(org)s", "garment-union")
    await expect(page.get_by_text(request)).to_be_visible()
    await check(page, f"representative asks ({lang})")

    await plain.goto(site.url(f"/status?lang={lang}"))
    await log_in(plain, reference, secret)
    await plain.click(".representation-request button[value=yes]")
    await expect(plain.locator("p[role=status]")).to_have_text(_(REPRESENTED[True]))
    await expect(plain.locator(".representation-request")).to_have_count(0)
    await page.reload()
    await check(page, f"representative beside the worker ({lang})")
