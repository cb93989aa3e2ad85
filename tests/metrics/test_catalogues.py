"""Every language has every message of the public figures pages, and says who has checked it."""

import re
from pathlib import Path

import pytest
from babel.messages.extract import extract_from_dir
from babel.messages.plurals import get_plural
from babel.messages.pofile import read_po

from redress.kit.i18n import LANGUAGES, read_reviews

METRICS = Path(__file__).parents[2] / "services" / "metrics" / "src" / "redress" / "metrics"
METHODS = [("**/templates/**.html", "jinja2"), ("**.py", "python")]
PLACEHOLDER = r"%\(\w+\)s"


def page_messages() -> set[str]:
    found = extract_from_dir(
        str(METRICS), METHODS, keywords={"_": None, "N_": None}, options_map={"**.html": {}}
    )
    return {message for _, _, message, _, _ in found if isinstance(message, str)}


def test_the_pages_have_messages_to_translate():
    messages = page_messages()
    assert "Published figures" in messages and "Signs of child labour" in messages
    assert len(messages) > 100


@pytest.mark.parametrize("lang", sorted(LANGUAGES))
def test_catalogue_has_every_message_with_its_placeholders(lang):
    path = METRICS / "locales" / f"{lang}.po"
    assert path.exists(), f"no catalogue for {lang}"
    with path.open("rb") as po:
        catalog = read_po(po)
    translated = {m.id: m.string for m in catalog if m.id and m.string and not m.fuzzy}
    missing = sorted(page_messages() - set(translated))
    assert not missing, f"{lang} lacks {len(missing)} messages, e.g. {missing[:3]}"
    for message, text in translated.items():
        wanted = sorted(re.findall(PLACEHOLDER, str(message)))
        assert sorted(re.findall(PLACEHOLDER, str(text))) == wanted, (lang, message)
    assert catalog.num_plurals == get_plural(lang).num_plurals, lang


def test_every_catalogue_says_who_has_checked_it():
    reviews = read_reviews(METRICS / "locales" / "reviews.toml")
    assert set(reviews) == set(LANGUAGES) and reviews["en"].state == "source"
    for lang in ("tl", "ms", "ta", "si", "ur", "uz", "ru", "uk", "tr", "pt", "sw", "am"):
        assert reviews[lang].state == "needs-review" and reviews[lang].drafted, lang
