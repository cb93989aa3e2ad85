"""The status page's new parts in headless Chromium on a 360 px phone screen.

A worker who filed in Bengali or Arabic reads, without JavaScript, that their report was not
taken up, why, the officer's explanation and where else to go; stops contact with a plain
form; every state passes axe-core without serious or critical findings and never scrolls
sideways. "Leave quickly" leaves for a neutral site; with JavaScript it replaces the page
in the history, so that Back does not return to it; with or without, it ends the report's
session first, so that Back finds the page asking for the receipt. Back after filing finds
the form empty.
"""

from __future__ import annotations

import pytest
from playwright.async_api import Page, Route, expect

from redress.events.catalogue.case import CaseRejected
from redress.events.catalogue.partner import PartnerRegistered
from redress.events.envelope import Actor, Metadata
from redress.events.ids import derived_stream
from redress.events.projection import wait_for_version
from redress.intake.pages import NEUTRAL_SITE
from redress.intake.projections import Grievances
from redress.intake.texts import CONTACT_OFF, GROUNDS, STATUS
from tests.browser.conftest import Site
from tests.browser.test_worker_pages import (
    assert_fits,
    describe,
    file_from_the_form,
    gettext,
    log_in,
    serious_violations,
)

pytestmark = pytest.mark.browser

EXPLANATIONS = {
    "bn": "কারখানার নাম ও শহর জানালে আমরা আবার দেখতে পারি।",
    "ar": "إذا أخبرتنا باسم المصنع والمدينة يمكننا النظر فيه من جديد.",
}


async def not_taken_up(site: Site, grievance_id: str, explanation: str) -> None:
    """What referral and cases write: a partner in the directory, then the rejection."""
    partner = derived_stream("partner", "acme")
    admin = Metadata(tenant="acme", actor=Actor(id="admin-1", role="admin"))
    await site.system.store.append(partner, [PartnerRegistered(
        partner_id="legal-aid-dhaka", name="Legal Aid Dhaka", kind="legal_aid",
        countries=("BD",), contact="+880 2 5555 0101")], 0, admin)  # fmt: skip
    case_id = derived_stream("case", grievance_id)
    rejected = CaseRejected(
        case_id=case_id, grievance_id=grievance_id, grounds="insufficient_information",
        explanation=explanation,
    )  # fmt: skip
    officer = Metadata(tenant="acme", actor=Actor(id="officer-1", role="officer"))
    await site.system.store.append(case_id, [rejected], 0, officer)
    assert await wait_for_version(site.system.pool, Grievances(), case_id, 1, timeout=30)


async def check(page: Page, name: str) -> None:
    violations = await serious_violations(page)
    assert not violations, describe({name: violations})
    await assert_fits(page, name)


@pytest.mark.parametrize("lang", ["bn", "ar"])
async def test_a_worker_reads_why_and_where_else_and_stops_contact_without_javascript(
    site, page_without_js, page, lang
):
    _ = gettext(site, lang)
    plain = page_without_js
    reference, secret, grievance_id = await file_from_the_form(site, plain, lang)
    await not_taken_up(site, grievance_id, EXPLANATIONS[lang])

    await plain.goto(site.url(f"/status?lang={lang}"))
    await log_in(plain, reference, secret)
    await expect(plain.locator("#status")).to_have_text(_(STATUS["rejected"]))
    await expect(plain.locator("#grounds")).to_have_text(_(GROUNDS["insufficient_information"]))
    await expect(plain.locator("#explanation")).to_have_text(EXPLANATIONS[lang])
    await expect(plain.locator("#elsewhere")).to_contain_text("Legal Aid Dhaka")
    await plain.click("#contact-form button[name=do][value=contact-no]")
    await expect(plain.locator("p[role=status]")).to_have_text(_(CONTACT_OFF))
    await expect(plain.locator("#contact-form button[name=do][value=contact-yes]")).to_be_visible()

    # The same pages, checked by axe (which needs JavaScript to run) on the same screen.
    await page.goto(site.url(f"/status?lang={lang}"))
    await log_in(page, reference, secret)
    await expect(page.locator("#not-taken-up")).to_be_visible()
    await check(page, f"not taken up ({lang})")
    await page.click("#contact-form button[name=do][value=contact-yes]")
    await expect(page.locator("p[role=status]")).to_be_visible()
    await check(page, f"contact allowed ({lang})")
    await page.goto(site.url(f"/procedure?lang={lang}"))
    await expect(page.locator("#stages li")).to_have_count(4)
    await check(page, f"procedure ({lang})")
    await page.goto(site.url(f"/card?lang={lang}"))  # the card auditors hand workers
    await expect(page.locator("#card h1")).to_be_visible()
    await check(page, f"card ({lang})")


async def neutral(route: Route) -> None:
    await route.fulfill(status=200, content_type="text/html", body="<title>Search</title>")


async def test_leaving_quickly_replaces_the_page_in_the_history(site, page):
    await page.route(f"{NEUTRAL_SITE}**", neutral)
    await page.goto(site.url("/report?lang=bn"))
    await page.goto(site.url("/status?lang=bn"))
    await page.click("#quick-exit")
    await expect(page).to_have_url(NEUTRAL_SITE)
    await page.go_back()
    # The status page was replaced: Back returns to the page before it.
    await expect(page).to_have_url(site.url("/report?lang=bn"))


async def test_leaving_quickly_works_without_javascript(site, page_without_js):
    page = page_without_js
    await page.route(f"{NEUTRAL_SITE}**", neutral)
    await page.goto(site.url("/status?lang=ar"))
    await page.click("#quick-exit")
    await expect(page).to_have_url(NEUTRAL_SITE)


@pytest.mark.parametrize("script", [True, False])
async def test_back_after_leaving_quickly_or_after_filing_shows_nothing_of_the_report(
    site, page, page_without_js, script
):
    phone = page if script else page_without_js
    await phone.route(f"{NEUTRAL_SITE}**", neutral)
    reference, secret, _grievance = await file_from_the_form(site, phone, "bn")
    await phone.go_back()  # from the receipt to the form: empty, nothing to send again
    await expect(phone.locator("#narrative")).to_have_value("")
    await expect(phone.locator("#site_text")).to_have_value("")

    await phone.goto(site.url("/status?lang=bn"))
    await log_in(phone, reference, secret)
    await expect(phone.locator("#message")).to_be_visible()
    await phone.locator("#message").fill("The supervisor reads my phone.")
    await phone.click("#quick-exit")
    await expect(phone).to_have_url(NEUTRAL_SITE)
    await phone.go_back()
    await expect(phone.locator("#secret")).to_be_visible()  # asked for the receipt again
    await expect(phone.locator("#message")).to_have_count(0)
    assert reference not in await phone.content()


async def test_the_secret_number_stays_on_one_line_and_a_reply_keeps_its_lines(site, page):
    """At 360 px the secret number is not broken across lines (misread when copied), and a
    reply written on two lines is shown on two."""
    reference, secret, _grievance = await file_from_the_form(site, page, "bn")
    box = await page.locator("#secret").bounding_box()
    size = await page.locator("#secret").evaluate("e => parseFloat(getComputedStyle(e).fontSize)")
    assert box is not None and box["height"] < 2 * size, box
    await page.goto(site.url("/status?lang=bn"))
    await log_in(page, reference, secret)
    await page.locator("#message").fill("The agent keeps our passports.\nHe says we owe him.")
    await page.click("button[name=do][value=reply]")
    await expect(page.locator("p[role=status]")).to_be_visible()
    shown = await page.locator(".msg.worker p[dir=auto]").last.inner_text()
    assert shown == "The agent keeps our passports.\nHe says we owe him.", shown
