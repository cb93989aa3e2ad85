"""The public figures page of a month of the generated tenant in headless Chromium, in
English, Arabic and Bengali: no serious or critical axe finding, with and without
JavaScript the same page, readable at 360 px and at 1280 px (screenshots in the test's tmp
path), the tables scrolling inside their own box rather than the page."""

from __future__ import annotations

import pytest
from playwright.async_api import expect

from tests.browser.conftest import DESKTOP, PHONE, TIMEOUT_MS, browser  # noqa: F401
from tests.browser.test_worker_pages import TARGET, check, describe
from tests.metrics.conftest import TIMEOUT

pytestmark = [pytest.mark.browser, pytest.mark.timeout(TIMEOUT)]
# The texts of the charts drawn (partly) outside their picture, where the page clips them.
CLIPPED = """() => [...document.querySelectorAll('figure svg')].flatMap(svg => {
    const box = svg.getBoundingClientRect();
    return [...svg.querySelectorAll('text')].filter(t => {
        const r = t.getBoundingClientRect();
        return r.left < box.left - 0.5 || r.right > box.right + 0.5;
    }).map(t => t.textContent);
})"""
# The height each chart text is drawn at on the screen: its font size times the picture's
# scale (an SVG wider than its box is scaled down, its words with it).
DRAWN_PX = """() => [...document.querySelectorAll('figure svg text')].map(
    t => t.getScreenCTM().a * parseFloat(getComputedStyle(t).fontSize))"""
LEAST_PX = 12  # what a phone's reader reads in passing
HEADINGS = {"en": "Figures for March 2025", "ar": "أرقام مارس 2025", "bn": "মার্চ ২০২৫-এর পরিসংখ্যান"}


@pytest.mark.parametrize("lang", ["en", "ar", "bn"])
async def test_the_release_page_passes_axe_and_fits_a_phone_and_a_desktop(
    figures_site,
    browser,  # noqa: F811 (the browser tests' one Chromium)
    tmp_path,
    lang,
):
    rid = figures_site.release["document"]["release"]
    url = figures_site.url(f"/releases/{rid}?lang={lang}")
    findings: dict[str, list[dict]] = {}
    for name, viewport in (("phone", PHONE), ("desktop", DESKTOP)):
        context = await browser.new_context(viewport=viewport, java_script_enabled=False)
        context.set_default_timeout(TIMEOUT_MS)
        page = await context.new_page()
        await page.goto(url)
        await expect(page.locator("h1")).to_have_text(HEADINGS[lang])
        await expect(page.locator("html")).to_have_attribute(
            "dir", "rtl" if lang == "ar" else "ltr"
        )
        assert await page.locator("figure svg").count() >= 5
        # Every label of every chart is drawn inside its picture: none cut at an edge.
        clipped = await page.evaluate(CLIPPED)
        assert not clipped, (name, clipped[:3])
        # Their words at least 12 px high, on the phone too: the pictures are not scaled down.
        drawn = await page.evaluate(DRAWN_PX)
        assert drawn and min(drawn) >= LEAST_PX - 0.01, (name, min(drawn))
        # Nothing wider than the screen but the tables, which scroll in their own box.
        width = await page.evaluate("document.documentElement.scrollWidth")
        assert width <= viewport["width"], (name, width)
        # What a reader taps: languages, breakdowns, parts, downloads, the way back and the
        # links about the figures, a thumb's size.
        for text, w, h in await page.locator(
            ".langs a, .by a, .parts a, .downloads a, .back a, .about a"
        ).evaluate_all("all => all.map(e => { const r = e.getBoundingClientRect();"
                       " return [e.textContent, r.width, r.height]; })"):  # fmt: skip
            assert w >= TARGET["width"] and h >= TARGET["height"], (name, text, w, h)
        await page.screenshot(path=str(tmp_path / f"figures-{lang}-{name}.png"), full_page=False)
        await context.close()
        axe = await browser.new_context(viewport=viewport)
        page = await axe.new_page()
        await page.goto(url)
        await check(page, f"{lang} {name}", findings)
        await axe.close()
    assert not findings, describe(findings)
    print(f"screenshots in {tmp_path}")


@pytest.mark.parametrize("path", ["/dictionary", "/verify"])
@pytest.mark.parametrize("lang", ["en", "ar"])
async def test_the_pages_on_reading_and_checking_the_figures_pass_axe_and_fit_a_phone(
    figures_site,
    browser,  # noqa: F811 (the browser tests' one Chromium)
    path,
    lang,
):
    url = figures_site.url(f"{path}?lang={lang}")
    findings: dict[str, list[dict]] = {}
    context = await browser.new_context(viewport=PHONE, java_script_enabled=False)
    context.set_default_timeout(TIMEOUT_MS)
    page = await context.new_page()
    await page.goto(url)
    await expect(page.locator("h1")).to_have_count(1)
    # Nothing wider than the screen: the command wraps, the code tables scroll in their box.
    width = await page.evaluate("document.documentElement.scrollWidth")
    assert width <= PHONE["width"], width
    await context.close()
    axe = await browser.new_context(viewport=PHONE)
    page = await axe.new_page()
    await page.goto(url)
    await check(page, f"{lang} {path}", findings)
    await axe.close()
    assert not findings, describe(findings)
