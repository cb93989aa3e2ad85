"""The dashboards' pages in headless Chromium, signed in by the console's cookie: the member
page in English, Arabic and Bengali and the officer page, with no serious or critical axe
finding, without JavaScript, at 360 px wide (tables scroll in their own box), screenshots in
the test's tmp path."""

from __future__ import annotations

import httpx
import pytest
from playwright.async_api import expect

from tests.browser.conftest import PHONE, TIMEOUT_MS, browser  # noqa: F401
from tests.browser.test_worker_pages import check, describe
from tests.metrics.conftest import TENANT, TIMEOUT
from tests.metrics.test_dashboards import COOKIE, MEMBER, QUARTER, bearer
from tests.metrics.test_figures_browser import DRAWN_PX, LEAST_PX

pytestmark = [pytest.mark.browser, pytest.mark.timeout(TIMEOUT)]
HEADINGS = {"en": "Your supply chain's figures", "ar": "أرقام سلسلة التوريد الخاصة بكم",
            "bn": "আপনার সরবরাহ শৃঙ্খলের পরিসংখ্যান"}  # fmt: skip


async def visit(
    browser,  # noqa: F811
    site, token, url, name, tmp_path, findings, heading, lang=None, status=200,
):  # fmt: skip
    # The first look computes the member's figures (disclosure control takes seconds): done
    # here, so that the browser's loads read them computed.
    async with httpx.AsyncClient(cookies={COOKIE: token}, timeout=300) as c:
        assert (await c.get(url)).status_code == status
    for js in (False, True):  # as it comes without scripts; axe needs them
        context = await browser.new_context(viewport=PHONE, java_script_enabled=js)
        context.set_default_timeout(TIMEOUT_MS)
        await context.add_cookies([{"name": COOKIE, "value": token,
                                    "url": f"{site.base_url}/dashboard"}])  # fmt: skip
        page = await context.new_page()
        await page.goto(url)
        await expect(page.locator("h1")).to_have_text(heading)
        if js:
            await check(page, name, findings)
        else:
            if lang:
                direction = "rtl" if lang == "ar" else "ltr"
                await expect(page.locator("html")).to_have_attribute("dir", direction)
            assert await page.locator("figure svg").count() >= 2
            drawn = await page.evaluate(DRAWN_PX)  # the charts' words, not scaled down
            assert drawn and min(drawn) >= LEAST_PX - 0.01, (name, min(drawn))
            assert await page.locator("table").count() >= 2
            width = await page.evaluate("document.documentElement.scrollWidth")
            assert width <= PHONE["width"], (name, width)
            await page.screenshot(path=str(tmp_path / f"{name}.png"), full_page=True)
        await context.close()


@pytest.mark.parametrize(
    ("period", "lang", "status"),
    # Also the page saying a period is wrong (a month that is none, a year not over).
    [(QUARTER, "en", 200), (QUARTER, "ar", 200), (QUARTER, "bn", 200),
     ("2025-13", "en", 422), ("2099", "ar", 422)],
)  # fmt: skip
async def test_the_member_page_passes_axe_and_fits_a_phone(
    figures_site,
    browser,  # noqa: F811 (the browser tests' one Chromium)
    tmp_path,
    period,
    lang,
    status,
):
    token = bearer(figures_site, ["member"], MEMBER)
    url = f"{figures_site.base_url}/dashboard/{TENANT}/member?period={period}&lang={lang}"
    findings: dict[str, list[dict]] = {}
    name = f"member-{lang}" if status == 200 else f"member-wrong-{lang}"
    await visit(browser, figures_site, token, url, name, tmp_path, findings, HEADINGS[lang],
                lang, status=status)  # fmt: skip
    assert not findings, describe(findings)


async def test_the_officer_page_passes_axe_and_fits_a_phone(
    figures_site,
    browser,  # noqa: F811
    tmp_path,
):
    token = bearer(figures_site, ["officer"])
    url = f"{figures_site.base_url}/dashboard/{TENANT}/officer"
    findings: dict[str, list[dict]] = {}
    await visit(browser, figures_site, token, url, "officer", tmp_path, findings,
                "Officer dashboard")  # fmt: skip
    assert not findings, describe(findings)
