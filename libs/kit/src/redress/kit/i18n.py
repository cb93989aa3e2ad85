"""Languages of worker-facing pages: Babel catalogues read from .po files at start-up.

Each catalogue directory also holds `reviews.toml`, which says of every language whether a
native speaker has read its catalogue; an initiative shows that state to its admins so that it
knows which languages to have checked before relying on them.
"""

from __future__ import annotations

import datetime
import io
import tomllib
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal
from zoneinfo import ZoneInfo

from babel import Locale
from babel.dates import format_date, format_time, get_timezone_name
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
    "tl": "Tagalog",
    "ms": "Bahasa Melayu",
    "ta": "தமிழ்",
    "si": "සිංහල",
    "ur": "اردو",
    "uz": "O\u02bbzbekcha",  # U+02BB, the letter Uzbek Latin writes after o and g
    "ru": "Русский",
    "uk": "Українська",
    "tr": "Türkçe",
    "pt": "Português",
    "sw": "Kiswahili",
    "am": "አማርኛ",
}
RIGHT_TO_LEFT = frozenset({"ar", "ur"})
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


ReviewState = Literal["source", "needs-review", "reviewed"]


@dataclass(frozen=True)
class Review:
    """Who has checked a catalogue: "source" is the English the others are translated from;
    "needs-review" was drafted without a native speaker; "reviewed" was read by one, in context."""

    state: ReviewState = "needs-review"
    drafted: datetime.date | None = None
    reviewed: datetime.date | None = None
    by: str | None = None


def read_reviews(path: Path) -> dict[str, Review]:
    """`reviews.toml`: one table per language. A language missing from it needs review."""
    with path.open("rb") as file:
        tables = tomllib.load(file)
    reviews = {}
    for lang, table in tables.items():
        review = Review(**table)
        if review.state not in ("source", "needs-review", "reviewed"):
            raise ValueError(f"{path}: {lang} has an unknown review state {review.state!r}")
        if review.state == "reviewed" and not (review.reviewed and review.by):
            raise ValueError(f"{path}: {lang} is reviewed, but says neither when nor by whom")
        reviews[lang] = review
    return reviews


@dataclass
class Catalogues:
    """Compiled translations, one per language, from `<dir>/<lang>.po`, and their reviews."""

    directory: Path
    translations: dict[str, NullTranslations] = field(default_factory=dict)
    reviews: dict[str, Review] = field(default_factory=dict)

    def __post_init__(self) -> None:
        reviews = self.directory / "reviews.toml"
        self.reviews = read_reviews(reviews) if reviews.exists() else {}
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

    def review(self, lang: str) -> Review:
        return self.reviews.get(lang, Review())


def direction(lang: str) -> str:
    return "rtl" if lang in RIGHT_TO_LEFT else "ltr"


# The digit zero of each numbering system some language of LANGUAGES writes by default
# (CLDR's default numbering system: Bengali, Nepali and Burmese), the others following it.
_ZEROS = {"beng": "\u09e6", "deva": "\u0966", "mymr": "\u1040"}


def digits(text: str, lang: str) -> str:
    """`text` with its digits written as `lang` writes them by default: `১,২৩৪` in Bengali,
    as its catalogue's own words write them ("স্তর ১"), where babel formats `1,234`."""
    system = Locale.parse(lang).default_numbering_system
    zero = _ZEROS.get(system)
    if zero is None:
        return text
    return text.translate({ord("0") + i: ord(zero) + i for i in range(10)})


def moment(when: datetime.datetime, lang: str, zone: str = "UTC") -> str:
    """A moment as a worker reads it beside the dates of the same page: the date as the
    locale writes it in full (no `12/6/26`, which half the world reads as June), then the
    time of day, joined as the locale joins them, in the initiative's time zone, named (a
    worker in Dhaka must not read 2:56 PM for what was 8:56 PM there)."""
    tz = ZoneInfo(zone)
    at = when.astimezone(tz)
    joined: str = Locale.parse(lang).datetime_formats["medium"]
    time, day = format_time(at, "short", tzinfo=tz, locale=lang), format_date(at, "long", lang)
    # CLDR names no place for UTC ("heure : région indéterminée"): its letters say it.
    named = "UTC" if zone in ("UTC", "Etc/UTC") else get_timezone_name(tz, "short", locale=lang)
    return f"{joined.format(time, day)} ({named})"
