"""Charts of the public figures pages: horizontal bars drawn on the server as SVG.

Altair writes a Vega-Lite specification and vl-convert renders it in the process (a Rust
build of Vega, no browser, no network). A withheld count gets no bar and the word for
"withheld" where its bar would be, so a chart never hints at a number the release withheld.
Rendering takes a fraction of a second per chart, seconds the first time (the engine
starts): pages are cached (`pages.Shelf`), and the engine is warmed at start-up.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

import altair as alt
import vl_convert as vlc

Bars = Sequence[tuple[str, int | float | None]]
WIDTH = 220  # the plot; with labels it fits a 360 px screen
LABELS = 120  # label width in px before they are cut with an ellipsis
LABEL_SLACK = 40  # px left of the labels, for a script drawn wider than it was measured
# The fonts the labels are measured in here and drawn in by the browser, where it has them
# (Android's own): measured in one font and drawn in another, a label is cut at the edge.
FONT = (
    '"Noto Sans","Noto Sans Arabic","Noto Sans Bengali","Noto Sans Devanagari",'
    '"Noto Sans Ethiopic","Noto Sans Khmer","Noto Sans Myanmar","Noto Sans Sinhala",'
    '"Noto Sans Tamil","Noto Sans Thai",sans-serif'
)


def svg(bars: Bars, withheld: str, font: str = FONT) -> str:
    """The bars as an SVG element without its own size: it scales to its container."""
    rows = [
        {"label": label, "value": value or 0, "text": withheld if value is None else _number(value)}
        for label, value in bars
    ]
    base = alt.Chart({"values": rows}).encode(
        y=alt.Y("label:N", sort=None, title=None, axis=alt.Axis(labelLimit=LABELS)),
    )
    scale = alt.Scale(domain=[0, max([v or 0 for _, v in bars] + [1]) * 1.25])
    chart = (
        base.mark_bar(color="#2a5d8f").encode(
            x=alt.X("value:Q", title=None, axis=None, scale=scale)
        )
        + base.mark_text(align="left", dx=3, color="#222").encode(
            x=alt.X("value:Q", scale=scale), text="text:N"
        )
    ).properties(width=WIDTH, height=alt.Step(20))
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


def _sized(match: re.Match[str], fonts: str) -> str:
    hidden = 'aria-hidden="true" focusable="false"'
    return f'<svg {hidden} {match.group(1)}style="max-width:{match.group(2)}px;font-family:{fonts}"'


def _number(value: int | float) -> str:
    return str(value) if isinstance(value, int) else f"{value:.1f}"


def warm() -> None:
    """Start the rendering engine, so that the first reader does not wait for it."""
    svg([("a", 1)], "-")
