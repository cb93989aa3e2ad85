"""Languages of worker-facing pages: Babel catalogues read from .po files at start-up."""

from __future__ import annotations

import io
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from babel.support import NullTranslations, Translations

LANGUAGES: dict[str, str] = {
    "en": "English",
    "es": "Español",
    "fr": "Français",
    "ar": "العربية",
    "bn": "বাংলা",
    "hi": "हिन्दी",
    "ne": "नेपाली",
    "my": "မြန်မာ",
    "km": "ខ្មែរ",
    "th": "ไทย",
    "vi": "Tiếng Việt",
    "id": "Bahasa Indonesia",
    "zh": "中文",
}
RIGHT_TO_LEFT = frozenset({"ar"})
DEFAULT = "en"


def parse_accept_language(header: str | None) -> list[str]:
    """Language tags of an Accept-Language header, most preferred first."""
    ranked: list[tuple[float, int, str]] = []
    for i, part in enumerate((header or "").split(",")):
        tag, _, params = part.strip().partition(";")
        quality = 1.0
        if params.strip().startswith("q="):
            try:
                quality = float(params.strip()[2:])
            except ValueError:
                quality = 0.0
        if tag and quality > 0:
            ranked.append((-quality, i, tag.strip().lower()))
    return [tag for _, _, tag in sorted(ranked)]


def negotiate(header: str | None, available: Iterable[str] = LANGUAGES) -> str:
    known = set(available)
    for tag in parse_accept_language(header):
        base = tag.split("-")[0]
        if tag in known:
            return tag
        if base in known:
            return base
    return DEFAULT


@dataclass
class Catalogues:
    """Compiled translations, one per language, from `<dir>/<lang>.po`."""

    directory: Path
    translations: dict[str, NullTranslations] = field(default_factory=dict)

    def __post_init__(self) -> None:
        for lang in LANGUAGES:
            path = self.directory / f"{lang}.po"
            if not path.exists():
                self.translations[lang] = NullTranslations()
                continue
            with path.open("rb") as po:
                catalog = read_po(po, locale=lang.replace("-", "_"))
            buffer = io.BytesIO()
            write_mo(buffer, catalog)
            buffer.seek(0)
            self.translations[lang] = Translations(buffer)

    def get(self, lang: str) -> NullTranslations:
        return self.translations.get(lang) or self.translations[DEFAULT]


def direction(lang: str) -> str:
    return "rtl" if lang in RIGHT_TO_LEFT else "ltr"
