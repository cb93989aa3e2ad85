"""A chart's labels in every language of the figures pages, drawn by Chromium inside their
picture: the chart is laid out on the server, with the words measured there, and a script
the browser draws wider than it was measured must not lose its first letters at the edge."""

from __future__ import annotations

from pathlib import Path

import pytest
from babel.messages.pofile import read_po

from redress.kit.i18n import LANGUAGES, direction
from redress.metrics import charts
from tests.browser.conftest import PHONE, browser  # noqa: F401
from tests.metrics.test_figures_browser import CLIPPED, DRAWN_PX, LEAST_PX

pytestmark = pytest.mark.browser
LOCALES = Path(charts.__file__).parent / "locales"


def longest_words(lang: str, count: int = 12) -> list[str]:
    """The catalogue's longest short texts: the labels most likely to reach the limit."""
    with (LOCALES / f"{lang}.po").open("rb") as po:
        texts = {m.string for m in read_po(po) if m.id and isinstance(m.string, str)}
    return sorted((t for t in texts if 8 < len(t) < 60), key=len)[-count:]


async def test_every_languages_longest_labels_are_drawn_inside_the_chart(
    browser,  # noqa: F811 (the browser tests' one Chromium)
):
    context = await browser.new_context(viewport=PHONE)
    page = await context.new_page()
    clipped, small = {}, {}
    for lang in sorted(LANGUAGES):
        svg = charts.svg([(w, 10 + i) for i, w in enumerate(longest_words(lang))], "-")
        await page.set_content(
            f'<html lang="{lang}" dir="{direction(lang)}"><body style="margin:0 8px">'
            f"<figure style='margin:0'>{svg}</figure></body></html>"
        )
        if cut := await page.evaluate(CLIPPED):
            clipped[lang] = cut
        if (least := min(await page.evaluate(DRAWN_PX))) < LEAST_PX - 0.01:
            small[lang] = least  # the picture scaled down on a phone, its words with it
    await context.close()
    assert not clipped, clipped
    assert not small, small
