"""The worker form in every language the platform speaks, in one browser, one page each.

Every character a worker sees must be in a font installed for the browser: Chromium falls
back through fontconfig, so a character that no installed font has is drawn as an empty box
("tofu"). `.ci/run` installs the fonts; this test is what fails if a script is left out. The
scripts added last (Urdu right to left, Tamil, Amharic) also pass axe and fit a 360 px phone.
"""

from __future__ import annotations

import shutil
import subprocess
import unicodedata

import httpx
from playwright.async_api import Page, expect

from redress.events.envelope import Actor, Metadata
from redress.kit.i18n import LANGUAGES, direction
from redress.tenancy.domain import ChangeSettings
from redress.tenancy.handlers import execute
from tests.browser.conftest import PHONE, Site
from tests.browser.test_worker_pages import describe, serious_violations
from tests.events.helpers import wait_until
from tests.intake.conftest import TENANT

CHECKED_WITH_AXE = ("ur", "ta", "am")
# What a worker reads: the text of the page and the words of its controls, not its script.
SEEN = """() => {
  const parts = [document.title];
  const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
  for (let node = walker.nextNode(); node; node = walker.nextNode()) {
    const tag = node.parentElement.tagName;
    if (tag !== "SCRIPT" && tag !== "STYLE") parts.push(node.data);
  }
  for (const el of document.querySelectorAll("[placeholder],[aria-label],[value],[title]")) {
    parts.push(el.getAttribute("placeholder") || "", el.getAttribute("aria-label") || "");
    parts.push(el.getAttribute("title") || "");
    if (el.tagName === "BUTTON" || el.type === "submit") parts.push(el.value || "");
  }
  return parts.join("\\n");
}"""


def installed_characters() -> set[int]:
    """Every code point some installed font has a glyph for, as fontconfig reports it."""
    fc_list = shutil.which("fc-list")
    assert fc_list, "fontconfig's fc-list is missing: apt-get install fontconfig"
    charsets = subprocess.run(
        [fc_list, "--format", "%{charset}\n"], capture_output=True, text=True, check=True
    ).stdout
    covered: set[int] = set()
    for span in charsets.split():
        first, _, last = span.partition("-")
        covered.update(range(int(first, 16), int(last or first, 16) + 1))
    return covered


def without_a_font(text: str, covered: set[int]) -> set[str]:
    # Spaces, controls and joiners (U+200D in Sinhala) are not drawn as glyphs of their own.
    drawn = {c for c in text if unicodedata.category(c)[0] not in "ZC"}
    return {c for c in drawn if ord(c) not in covered}


def test_the_check_finds_a_character_no_font_has():
    covered = installed_characters()
    assert ord("a") in covered and ord("த") in covered
    # Ethiopic Extended-B (Unicode 14) is newer than the Ethiopic font: its letters have no glyph.
    assert without_a_font("a\U0001e7e0 த አ", covered) == {"\U0001e7e0"}


async def offer_every_language(site: Site) -> None:
    """The test tenant registered before the last languages came: its admin adds them all."""
    admin = Metadata(tenant=TENANT, actor=Actor(id="admin", role="admin"))
    every = ChangeSettings("Acme Initiative", "UTC", (0, 1, 2, 3, 4), tuple(LANGUAGES))
    await execute(site.system.store, TENANT, every, admin)
    last = list(LANGUAGES)[-1]

    async def offered() -> bool:
        async with httpx.AsyncClient() as client:
            form = await client.get(site.url("/report"), params={"lang": last})
        return f'<html lang="{last}"' in form.text

    await wait_until(offered, timeout=30)


async def test_every_language_is_drawn_with_installed_fonts(site: Site, page: Page):
    await offer_every_language(site)
    covered = installed_characters()
    missing: dict[str, list[str]] = {}
    findings: dict[str, list[dict]] = {}
    catalogues = site.app.state.runtime.extras["intake"].pages
    for lang in LANGUAGES:
        await page.goto(site.url(f"/report?lang={lang}"))
        html = page.locator("html")
        await expect(html).to_have_attribute("lang", lang)
        await expect(html).to_have_attribute("dir", direction(lang))
        await expect(page.locator("h1")).to_have_text(
            catalogues.gettext(lang)("Raise a concern safely")
        )
        if lost := without_a_font(await page.evaluate(SEEN), covered):
            missing[lang] = sorted(f"U+{ord(c):04X} {unicodedata.name(c, '?')}" for c in lost)
        if lang in CHECKED_WITH_AXE:
            if violations := await serious_violations(page):
                findings[f"report?lang={lang}"] = violations
            width = await page.evaluate("document.documentElement.scrollWidth")
            assert width <= PHONE["width"], f"{lang}: the form scrolls sideways, {width} px"
    assert not missing, f"characters no installed font has, by language: {missing}"
    assert not findings, describe(findings)
