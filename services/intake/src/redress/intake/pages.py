"""Server-rendered worker pages: Jinja2 templates in the worker's language."""

from __future__ import annotations

import base64
import hashlib
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from babel import Locale
from jinja2 import Environment, FileSystemLoader, select_autoescape
from markupsafe import Markup
from starlette.responses import HTMLResponse

from redress.intake.texts import CATEGORIES, Counted
from redress.kit.caching import page_headers
from redress.kit.countries import is_country
from redress.kit.i18n import LANGUAGES, Catalogues, direction

# Where "Leave quickly" goes: a site anyone may be seen reading, that says nothing of why.
NEUTRAL_SITE = "https://www.google.com/"
# With JavaScript, leaving replaces this page in the history, so Back does not return to it;
# without, the link still leaves. The only script of the worker pages, allowed by its hash.
QUICK_EXIT = (
    'document.getElementById("quick-exit").addEventListener("click",function(e)'
    "{e.preventDefault();location.replace(this.href)});"
)
QUICK_EXIT_HASH = base64.b64encode(hashlib.sha256(QUICK_EXIT.encode()).digest()).decode()


def tel_link(number: str) -> Markup:
    """A number as a link a phone dials (`tel:` takes the digits and a leading + only), kept
    left to right on a right-to-left page."""
    dial = "".join(ch for ch in number if ch.isdigit() or ch == "+")
    return Markup('<a class="tel" href="tel:{}" dir="ltr">{}</a>').format(dial, number)


def web_link(address: str) -> Markup:
    """An address as a link, kept left to right on a right-to-left page."""
    return Markup('<a href="{}" dir="ltr">{}</a>').format(address, address)


class Pages:
    def __init__(self, templates: Path, locales: Path) -> None:
        self.env = Environment(
            loader=FileSystemLoader(templates),
            autoescape=select_autoescape(["html"]),
            # `{% trans count %}…{% pluralize %}…`: a number's words take the form the
            # worker's language gives that number (Arabic has six), through `ngettext`.
            extensions=["jinja2.ext.i18n"],
            trim_blocks=True,
            lstrip_blocks=True,
        )
        self.env.globals["tel_link"] = tel_link
        self.env.globals["web_link"] = web_link
        self.catalogues = Catalogues(locales)
        self._countries: dict[str, list[tuple[str, str]]] = {}

    def gettext(self, lang: str) -> Any:
        return self.catalogues.get(lang).gettext

    def said(self, lang: str, message: str | Counted, values: Mapping[str, object]) -> str:
        """`message` in `lang`, filled in with `values`; a counted one in the form its
        number takes in that language."""
        translations = self.catalogues.get(lang)
        if isinstance(message, Counted):
            count = values[message.count]
            if not isinstance(count, int):
                raise TypeError(f"{message.count} counts, and is {count!r}")
            text = translations.ngettext(message.singular, message.plural, count)
        else:
            text = translations.gettext(message)
        return text % values if values else text

    def countries(self, lang: str) -> list[tuple[str, str]]:
        if lang not in self._countries:
            names = Locale.parse(lang).territories
            self._countries[lang] = sorted(
                ((code, name) for code, name in names.items() if is_country(code)),
                key=lambda item: item[1],
            )
        return self._countries[lang]

    def categories(self, lang: str) -> list[tuple[str, str]]:
        _ = self.gettext(lang)
        return [(code, _(label)) for code, label in CATEGORIES.items()]

    def render(
        self, name: str, lang: str, tenant_name: str, status: int = 200, **context: Any
    ) -> HTMLResponse:
        translations = self.catalogues.get(lang)
        html = self.env.get_template(name).render(
            _=translations.gettext,
            # What `{% trans %}` blocks call, in the language of this page.
            gettext=translations.gettext,
            ngettext=translations.ngettext,
            lang=lang,
            dir=direction(lang),
            languages=context.pop("languages", LANGUAGES),
            tenant_name=tenant_name,
            exit_script=QUICK_EXIT,
            **{"exit_url": NEUTRAL_SITE, **context},
        )
        return HTMLResponse(
            html,
            status,
            headers=page_headers(images=True, scripts=(QUICK_EXIT_HASH,)),
        )
