"""Charts of the public figures pages: horizontal bars drawn on the server as SVG.

Altair writes a Vega-Lite specification and vl-convert renders it in the process (a Rust
build of Vega, no browser, no network). A withheld count gets no bar and the word for
"withheld" where its bar would be, so a chart never hints at a number the release withheld.
Rendering takes a fraction of a second per chart, seconds the first time (the engine
starts): pages are cached (`shelf.Shelf`), and the engine is warmed at start-up.
"""

from __future__ import annotations

import re
import textwrap
from collections.abc import Callable, Sequence

import altair as alt
import vl_convert as vlc

Bars = Sequence[tuple[str, int | float | None]]
# The whole picture, labels and figures included, is as wide as a 360 px phone's page less
# its margins (1rem each side): drawn there at its own size, not scaled down, its words are
# FONT_PX high. A wider screen shows it at that size too (the SVG's max-width).
WIDTH = 328
FONT_PX = 12  # labels and figures: 12 px is the least a phone's reader reads in passing
LABELS = 132  # label width in px, a line, before it is cut with an ellipsis
# A long label goes over up to three lines, broken between words, rather than being cut: two
# labels cut short can read alike ("Signs of…", "Signs of…"). A script written without spaces
# between words (Thai, Khmer, Myanmar) keeps one line, cut at the limit as before.
LINE_CHARS, MAX_LINES, LINE_PX = 18, 3, 15
# Each label's block of lines centred on its bar: Vega draws the first line there.
_LINES = "length(split(datum.label, '\\n'))"
_CENTRED = {
    "condition": [{"test": f"{_LINES} == {n}", "value": -LINE_PX * (n - 1) / 2}
                  for n in range(2, MAX_LINES + 1)],
    "value": 0,
}  # fmt: skip
LABEL_SLACK = 40  # px left of the labels, for a script drawn wider than it was measured
# The fonts the labels are measured in here and drawn in by the browser, where it has them
# (Android's own): measured in one font and drawn in another, a label is cut at the edge.
FONT = (
    '"Noto Sans","Noto Sans Arabic","Noto Sans Bengali","Noto Sans Devanagari",'
    '"Noto Sans Ethiopic","Noto Sans Khmer","Noto Sans Myanmar","Noto Sans Sinhala",'
    '"Noto Sans Tamil","Noto Sans Thai",sans-serif'
)


def svg(
    bars: Bars, withheld: str, font: str = FONT, number: Callable[[int | float], str] | None = None
) -> str:
    """The bars as an SVG element without its own size: it scales to its container. Each
    bar's figure is written by `number` (as the page's tables write it), else plainly."""
    number = number or _number
    drawn = [_lines(label) for label, _ in bars]
    rows = [
        {"label": label, "value": value or 0,
         "text": withheld if value is None else number(value)}
        for label, (_, value) in zip(drawn, bars, strict=True)
    ]  # fmt: skip
    lines = max((label.count("\n") + 1 for label in drawn), default=1)
    axis = alt.Axis(labelLimit=LABELS, labelExpr="split(datum.label, '\\n')",
                    labelOffset=_CENTRED, labelFontSize=FONT_PX)  # fmt: skip
    base = alt.Chart({"values": rows}).encode(y=alt.Y("label:N", sort=None, title=None, axis=axis))
    scale = alt.Scale(domain=[0, max([v or 0 for _, v in bars] + [1]) * 1.25])
    chart = (
        base.mark_bar(color="#2a5d8f").encode(
            x=alt.X("value:Q", title=None, axis=None, scale=scale)
        )
        + base.mark_text(align="left", dx=3, color="#222", fontSize=FONT_PX).encode(
            x=alt.X("value:Q", scale=scale), text="text:N"
        )
    ).properties(width=WIDTH, height=alt.Step(max(22, LINE_PX * lines + 8)))
    # The width is the whole picture's: the bars get what the labels and figures leave.
    chart = chart.properties(autosize=alt.AutoSizeParams(type="fit-x", contains="padding"))
    # Room on the left: vl-convert measures a shaped script (Bengali conjuncts) narrower than
    # a browser draws it, and a label cut at its limit would overflow the picture, its first
    # letters clipped (tests/metrics/test_charts_browser.py).
    chart = chart.properties(padding={"left": LABEL_SLACK, "top": 5, "right": 5, "bottom": 5})
    spec = chart.configure(font=font, aria=False).configure_view(stroke=None).to_dict()
    out = vlc.vegalite_to_svg(spec)
    out = re.sub(r'<rect width="[\d.]+" height="[\d.]+" fill="white"/>', "", out, count=1)
    # Its marks' roles and labels go: the figure around it names it and its caption lists
    # the bars, so readers hear the figures once, from the caption and the table.
    out = re.sub(r' (?:role|aria-[a-z]+)="[^"]*"', "", out)
    # The fonts once, on the picture, rather than on each of its texts: bytes on a phone.
    out = re.sub(r' font-family="[^"]*"', "", out)
    fonts = font.replace('"', "'")
    return re.sub(r'^<svg ([^>]*?)width="([\d.]+)" height="([\d.]+)"',
                  lambda m: _sized(m, fonts), out, count=1)  # fmt: skip


def _lines(label: str) -> str:
    """The label broken between words into lines of about LINE_CHARS, at most MAX_LINES."""
    lines = textwrap.wrap(label, LINE_CHARS, break_long_words=False, break_on_hyphens=False)
    if len(lines) > MAX_LINES:
        lines = [*lines[: MAX_LINES - 1], " ".join(lines[MAX_LINES - 1 :])]
    return "\n".join(lines) or label


def _sized(match: re.Match[str], fonts: str) -> str:
    hidden = 'aria-hidden="true" focusable="false"'
    return f'<svg {hidden} {match.group(1)}style="max-width:{match.group(2)}px;font-family:{fonts}"'


def _number(value: int | float) -> str:
    return str(value) if isinstance(value, int) else f"{value:.1f}"


def warm() -> None:
    """Start the rendering engine, so that the first reader does not wait for it."""
    svg([("a", 1)], "-")
