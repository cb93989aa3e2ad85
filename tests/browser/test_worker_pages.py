"""The worker's pages in headless Chromium on a 360 px phone screen.

A worker files a grievance in English, Arabic and Bengali, reads the receipt, comes back
with it, sees an officer's message and answers; every page passes axe-core without serious
or critical findings, the report page is light, works without JavaScript and never scrolls
sideways.
"""

from __future__ import annotations

import uuid

import httpx
import pytest
from axe_playwright_python.async_playwright import Axe
from playwright.async_api import Page, expect

from redress.events.catalogue.case import MessageSentToWorker
from redress.events.envelope import Actor, Metadata
from redress.events.projection import wait_for_version
from redress.intake.projections import Grievances
from redress.intake.texts import REPLY_SENT, STATUS
from redress.kit.crypto import grievance_key_id
from tests.browser.conftest import PHONE, Site
from tests.events.helpers import wait_until

pytestmark = pytest.mark.browser

NARRATIVES = {
    "en": "Overtime has not been paid for three months.",
    "ar": "لم يُدفع أجر العمل الإضافي منذ ثلاثة أشهر.",
    "bn": "তিন মাস ধরে ওভারটাইমের মজুরি দেওয়া হয়নি।",
}
OFFICER = {
    "en": "Thank you. We have asked the factory for the payroll records.",
    "ar": "شكرًا لك. طلبنا من المصنع سجلات الأجور.",
    "bn": "ধন্যবাদ। আমরা কারখানার কাছে বেতনের নথি চেয়েছি।",
}
ANSWERS = {
    "en": "The records for March are missing too.",
    "ar": "سجلات شهر مارس مفقودة أيضًا.",
    "bn": "মার্চ মাসের নথিও নেই।",
}
LANGUAGES = list(NARRATIVES)
MAX_REPORT_BYTES = 60_000
SERIOUS = ("serious", "critical")


# -- the worker's steps ---------------------------------------------------------------------


async def fill_report(page: Page, narrative: str) -> None:
    await page.select_option("#country", "BD")
    await page.select_option("#site", "dhaka-1")
    await page.select_option("#category", "wages_and_benefits")
    await page.locator("#narrative").press_sequentially(narrative)
    await page.locator("#contact").press_sequentially("+8801700000000")
    await page.check("input[name=contact_me]")


async def submit_report(page: Page) -> tuple[str, str]:
    """Send the filled form; return the reference and secret read from the receipt."""
    await page.click("button.primary[name=submit]")
    await expect(page.locator("#reference")).to_be_visible()
    await expect(page.locator("#secret")).to_be_visible()
    await expect(page.locator("#proof")).not_to_be_empty()
    reference = (await page.locator("#reference").inner_text()).strip()
    secret = (await page.locator("#secret").inner_text()).strip()
    assert reference.startswith("R-")
    assert len(secret.replace(" ", "")) == 16
    return reference, secret


async def file_from_the_form(site: Site, page: Page, lang: str) -> tuple[str, str, str]:
    """A worker files in `lang` on the form (with a phone number, contact allowed); the
    receipt's reference and secret, and the grievance once projected."""
    await page.goto(site.url(f"/report?lang={lang}"))
    await fill_report(page, NARRATIVES[lang])
    reference, secret = await submit_report(page)
    return reference, secret, await grievance_id_of(site, reference)


async def log_in(page: Page, reference: str, secret: str) -> None:
    await page.locator("#reference").press_sequentially(reference)
    await page.locator("#secret").press_sequentially(secret)
    await page.click("form button.primary")


async def grievance_id_of(site: Site, reference: str) -> str:
    """The grievance behind a reference, once the projection has recorded it."""
    found: list[str] = []

    async def projected() -> bool:
        async with site.system.pool.acquire() as conn:
            gid = await conn.fetchval(
                "SELECT grievance_id FROM intake.grievances WHERE reference = $1", reference
            )
        if gid is not None:
            found.append(str(gid))
        return bool(found)

    await wait_until(projected, timeout=30)
    return found[0]


async def officer_says(site: Site, grievance_id: str, text: str) -> None:
    """What the case service does when an officer writes: a sealed message on the case."""
    intake_ctx = site.app.state.runtime.extras["intake"]
    async with site.system.pool.acquire() as conn:
        key = await intake_ctx.keyring.get(conn, grievance_key_id(grievance_id))
    case_id = str(uuid.uuid4())
    stream = f"case-{case_id}"
    event = MessageSentToWorker(
        case_id=case_id, grievance_id=grievance_id, message=key.seal(text.encode())
    )
    meta = Metadata(tenant="acme", actor=Actor(id="officer-1", role="officer"))
    await site.system.store.append(stream, [event], 0, meta)
    assert await wait_for_version(site.system.pool, Grievances(), stream, 1, timeout=30)


def gettext(site: Site, lang: str):
    return site.app.state.runtime.extras["intake"].pages.gettext(lang)


# -- 1. file, follow, talk -----------------------------------------------------------------


@pytest.mark.parametrize("lang", LANGUAGES)
async def test_worker_files_follows_and_talks_with_the_officer(site, page, lang):
    _ = gettext(site, lang)
    await page.goto(site.url(f"/report?lang={lang}"))
    html = page.locator("html")
    await expect(html).to_have_attribute("lang", lang)
    await expect(html).to_have_attribute("dir", "rtl" if lang == "ar" else "ltr")
    await fill_report(page, NARRATIVES[lang])
    await expect(page.locator("#narrative")).to_have_value(NARRATIVES[lang])
    reference, secret = await submit_report(page)
    await expect(html).to_have_attribute("lang", lang)

    await page.goto(site.url(f"/status?lang={lang}"))
    await expect(html).to_have_attribute("lang", lang)
    await expect(page.locator("#reference")).to_be_editable()
    grievance_id = await grievance_id_of(site, reference)
    await log_in(page, reference, secret)
    await expect(page.locator("#status")).to_have_text(_(STATUS["received"]))
    await expect(page.locator("h1")).to_contain_text(reference)
    await expect(page.locator(".msg")).to_have_count(0)

    await officer_says(site, grievance_id, OFFICER[lang])
    await page.reload()
    await expect(page.locator(".msg.officer")).to_contain_text(OFFICER[lang])

    await page.locator("#message").press_sequentially(ANSWERS[lang])
    await page.click("button[name=do][value=reply]")
    await expect(page.locator("[role=status]")).to_have_text(_(REPLY_SENT))
    await expect(page.locator(".msg.worker")).to_contain_text(ANSWERS[lang])
    await expect(page.locator(".msg.officer")).to_contain_text(OFFICER[lang])
    # The reply did not change the language of the page.
    await expect(html).to_have_attribute("lang", lang)
    await expect(html).to_have_attribute("dir", "rtl" if lang == "ar" else "ltr")


async def test_enter_in_a_field_sends_the_report_in_the_workers_language(site, page):
    # The language buttons come first in the form; Enter must not press one of them.
    await page.goto(site.url("/report?lang=ar"))
    await fill_report(page, NARRATIVES["ar"])
    await page.locator("#contact_time").press_sequentially("بعد الساعة السادسة")
    await page.locator("#contact_time").press("Enter")
    await expect(page.locator("#reference")).to_be_visible()
    await expect(page.locator("html")).to_have_attribute("lang", "ar")
    await expect(page.locator("html")).to_have_attribute("dir", "rtl")


# -- 2. accessibility ----------------------------------------------------------------------


async def serious_violations(page: Page) -> list[dict]:
    results = await Axe().run(page)
    return [v for v in results.response["violations"] if v["impact"] in SERIOUS]


def describe(findings: dict[str, list[dict]]) -> str:
    lines = []
    for name, violations in findings.items():
        for v in violations:
            targets = [node["target"] for node in v["nodes"][:3]]
            lines.append(f"{name}: {v['id']} [{v['impact']}] {v['help']} at {targets}")
    return "serious or critical axe violations:\n" + "\n".join(lines)


async def check(page: Page, name: str, findings: dict[str, list[dict]]) -> None:
    violations = await serious_violations(page)
    if violations:
        findings[name] = violations


@pytest.mark.parametrize("lang", LANGUAGES)
async def test_report_form_passes_axe(site, page, lang):
    findings: dict[str, list[dict]] = {}
    await page.goto(site.url(f"/report?lang={lang}"))
    await expect(page.locator("#narrative")).to_be_visible()
    await check(page, f"report?lang={lang}", findings)
    await page.click("button.primary[name=submit]")
    await expect(page.locator("#narrative-error")).to_be_visible()
    await expect(page.locator("#narrative")).to_have_attribute("aria-invalid", "true")
    await check(page, f"report?lang={lang} with errors", findings)
    await page.fill("#since", "2999-01-01")
    await page.fill("#name", "N" * 200)
    await page.click("button.primary[name=submit]")
    await expect(page.locator("#since-error")).to_be_visible()
    await expect(page.locator("#since")).to_have_attribute("aria-invalid", "true")
    await check(page, f"report?lang={lang} with a future date", findings)
    assert not findings, describe(findings)


async def test_receipt_status_and_verify_pages_pass_axe(site, page):
    findings: dict[str, list[dict]] = {}
    await page.goto(site.url("/report?lang=en"))
    await fill_report(page, NARRATIVES["en"])
    reference, secret = await submit_report(page)
    proof = (await page.locator("#proof").inner_text()).strip()
    await check(page, "receipt", findings)

    await page.click("a[href='/t/acme/status?lang=en']")
    await expect(page.locator("#secret")).to_be_editable()
    await check(page, "status login", findings)
    grievance_id = await grievance_id_of(site, reference)
    await log_in(page, reference, "1111 2222 3333 4444")
    await expect(page.locator("[role=alert]")).to_be_visible()
    await check(page, "status login with a wrong secret", findings)

    await page.fill("#reference", "")
    await page.fill("#secret", "")
    await log_in(page, reference, secret)
    await expect(page.locator("#status")).to_be_visible()
    await check(page, "status without messages", findings)
    await officer_says(site, grievance_id, OFFICER["en"])
    await page.locator("#message").press_sequentially(ANSWERS["en"])
    await page.click("button[name=do][value=reply]")
    await expect(page.locator(".msg.officer")).to_be_visible()
    await expect(page.locator(".msg.worker")).to_be_visible()
    await check(page, "status with messages and a notice", findings)

    await page.click("button[name=do][value=erase]")
    await expect(page.locator("#consequences")).to_be_visible()
    await check(page, "erase confirmation", findings)
    await page.click("#cancel")
    await expect(page.locator("#status")).to_be_visible()

    await page.goto(site.url("/verify?lang=en"))
    await expect(page.locator("#proof")).to_be_editable()
    await check(page, "verify", findings)
    await page.fill("#proof", proof)
    await page.click("form button.primary")
    await expect(page.locator("#result")).to_be_visible()
    await check(page, "verify with a result", findings)
    assert not findings, describe(findings)


# -- 3. weight and no JavaScript -----------------------------------------------------------


async def test_report_page_is_light_and_self_contained(site):
    weights = {}
    async with httpx.AsyncClient(base_url=site.base_url, timeout=30) as client:
        for lang in LANGUAGES:
            response = await client.get(f"/t/acme/report?lang={lang}")
            assert response.status_code == 200
            assert response.headers["content-type"].startswith("text/html")
            body = response.content
            weights[lang] = len(body)
            for asset in (b"<link", b"<img", b"src="):
                assert asset not in body, f"the report page loads {asset!r}"
            # One inline script, "Leave quickly" (the page works without it): nothing loaded.
            assert body.count(b"<script") == 1 and b"location.replace" in body
    print(f"report page bytes: {weights}")
    assert all(size < MAX_REPORT_BYTES for size in weights.values()), weights


async def test_report_form_works_without_javascript(site, page_without_js):
    page = page_without_js
    requests: list[str] = []
    page.on("request", lambda request: requests.append(request.url))
    await page.goto(site.url("/report?lang=bn"))
    assert requests == [site.url("/report?lang=bn")], "the page loads nothing but itself"
    await fill_report(page, NARRATIVES["bn"])
    reference, secret = await submit_report(page)
    await expect(page.locator("html")).to_have_attribute("lang", "bn")

    await page.click("a[href='/t/acme/status?lang=bn']")
    await expect(page.locator("#reference")).to_be_editable()
    await grievance_id_of(site, reference)
    await log_in(page, reference, secret)
    await expect(page.locator("h1")).to_contain_text(reference)
    await page.locator("#message").press_sequentially(ANSWERS["bn"])
    await page.click("button[name=do][value=reply]")
    await expect(page.locator(".msg.worker")).to_contain_text(ANSWERS["bn"])


# -- 4. a 360 px screen --------------------------------------------------------------------


# A thumb on a small screen: WCAG's 24 px is a floor, 44 px the comfortable size.
TARGET = {"width": 44, "height": 36}


async def assert_fits(page: Page, name: str) -> None:
    width = await page.evaluate("document.documentElement.scrollWidth")
    assert width <= PHONE["width"], f"{name} scrolls sideways: {width} px > {PHONE['width']} px"
    # The language list is what a worker who cannot read the page taps first.
    for box in await page.locator(".langs a, .langs button").evaluate_all(
        "all => all.map(e => [e.textContent, e.getBoundingClientRect().width,"
        " e.getBoundingClientRect().height])"
    ):
        small = box[1] < TARGET["width"] or box[2] < TARGET["height"]
        assert not small, f"{name}: the language {box[0]} is a {box[1]}x{box[2]} px target"


@pytest.mark.parametrize("lang", LANGUAGES)
async def test_pages_fit_a_360_px_screen(site, page, lang):
    await page.goto(site.url(f"/report?lang={lang}"))
    await expect(page.locator("#narrative")).to_be_visible()
    await assert_fits(page, "report form")
    await page.click("button.primary[name=submit]")
    await expect(page.locator("#narrative-error")).to_be_visible()
    await assert_fits(page, "report form with errors")

    await fill_report(page, NARRATIVES[lang])
    reference, secret = await submit_report(page)
    await assert_fits(page, "receipt")
    await page.goto(site.url(f"/status?lang={lang}"))
    await expect(page.locator("#reference")).to_be_editable()
    await assert_fits(page, "status login")
    grievance_id = await grievance_id_of(site, reference)
    await log_in(page, reference, secret)
    await expect(page.locator("#status")).to_be_visible()
    await assert_fits(page, "status")

    # Long words and pasted links must wrap, not widen the page.
    link = "https://example.org/" + "payroll-records-" * 12 + "march.pdf"
    await officer_says(site, grievance_id, f"{OFFICER[lang]} {link}")
    await page.locator("#message").press_sequentially(f"{ANSWERS[lang]} {'x' * 90}")
    await page.click("button[name=do][value=reply]")
    await expect(page.locator(".msg.officer")).to_contain_text(link)
    await expect(page.locator(".msg.worker")).to_be_visible()
    await assert_fits(page, "status with long messages")

    await page.click("button[name=do][value=erase]")
    await expect(page.locator("#consequences")).to_be_visible()
    await assert_fits(page, "erase confirmation")
