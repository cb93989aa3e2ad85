"""The public figures pages' shelf: the templates and translations they are rendered with,
and each page rendered once and kept, releases never changing (`Shelf`); the reader's words
for the numbers, periods and dates they show.

The member dashboard and the guide pages render with the same shelf (`redress.metrics.pages`
puts it in the runtime as the service starts).
"""

from __future__ import annotations

import re
from collections import OrderedDict
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path
from typing import Any

from babel.dates import format_date, format_skeleton
from babel.numbers import format_decimal
from jinja2 import Environment, FileSystemLoader, select_autoescape
from markupsafe import Markup, escape

from redress.events.catalogue.release import ReleasePublished
from redress.kit.i18n import LANGUAGES, Catalogues, digits, direction

HERE = Path(__file__).parent
KEPT = 512  # rendered pages kept: 25 languages x 6 breakdowns is 150 per release


@dataclass(frozen=True)
class Shown:
    """A release as the pages show it: the event, its document, and the privacy budget."""

    event: ReleasePublished
    document: dict[str, Any]
    budget: float | None  # the yearly budget in force when it was published
    spent: float  # epsilon spent by the releases of its year, up to it included


_PERIOD = re.compile(r"\d{4}(?:-(?:Q\d|\d{2}))?")


def periods_isolated(text: str) -> Markup:
    """`text` with each period in it ("2025-Q1") isolated left to right: in a sentence of a
    right-to-left language it would read "Q1-2025", and be refused when typed so."""
    isolated = Markup('<bdi dir="ltr">{}</bdi>')
    parts = _PERIOD.split(text)  # the text between the periods, and the periods
    found = _PERIOD.findall(text)
    return Markup("").join(
        [escape(parts[0])] + [m for f, rest in zip(found, parts[1:], strict=True)
                              for m in (isolated.format(f), escape(rest))]
    )  # fmt: skip


@dataclass
class Shelf:
    env: Environment
    catalogues: Catalogues
    pages: OrderedDict[tuple[Any, ...], str] = field(default_factory=OrderedDict)
    releases: dict[str, tuple[int, list[Shown]]] = field(default_factory=dict)

    @classmethod
    def build(cls) -> Shelf:
        env = Environment(
            loader=FileSystemLoader(HERE / "templates"),
            autoescape=select_autoescape(["html"]),
            trim_blocks=True,
            lstrip_blocks=True,
        )
        env.filters["periods_isolated"] = periods_isolated
        return cls(env, Catalogues(HERE / "locales"))

    def kept(self, key: tuple[Any, ...]) -> str | None:
        if key in self.pages:
            self.pages.move_to_end(key)
        return self.pages.get(key)

    def keep(self, key: tuple[Any, ...], html: str) -> str:
        self.pages[key] = html
        while len(self.pages) > KEPT:
            self.pages.popitem(last=False)
        return html


def render(
    shelf: Shelf, template: str, lang: str, name: str, offered: tuple[str, ...], **context: Any
) -> str:
    return shelf.env.get_template(template).render(
        _=shelf.catalogues.get(lang).gettext,
        lang=lang,
        dir=direction(lang),
        tenant_name=name,
        languages={code: LANGUAGES[code] for code in offered},
        **context,
    )


def number(value: int | float | None, lang: str) -> str:
    """A figure as the reader's language writes it, its digits too (`i18n.digits`)."""
    if value is None:
        return ""
    if isinstance(value, float):
        return digits(format_decimal(round(value, 1), format="#,##0.0", locale=lang), lang)
    return digits(format_decimal(value, locale=lang), lang)


def period_words(label: str, lang: str, shelf: Shelf) -> str:
    """`2025`, `2025-Q1`, `2025-03` in the reader's words."""
    _ = shelf.catalogues.get(lang).gettext
    if "-Q" in label:
        year, quarter = label.split("-Q")
        words = _("Quarter %(quarter)s of %(year)s") % {"quarter": quarter, "year": year}
    elif "-" in label:
        year, month = label.split("-")
        words = format_skeleton("yMMMM", date(int(year), int(month), 1), locale=lang)
    else:
        words = label
    return digits(words, lang)


def published(document: dict[str, Any], lang: str) -> str:
    moment = datetime.fromisoformat(document["published"].replace("Z", "+00:00"))
    return digits(format_date(moment.date(), "long", locale=lang), lang)
