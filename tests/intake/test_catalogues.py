"""Every language has every message of the worker pages, and says who has checked it."""

import re
from pathlib import Path

import pytest
from babel.messages.extract import extract_from_dir
from babel.messages.plurals import get_plural
from babel.messages.pofile import read_po

from redress.kit.i18n import LANGUAGES, RIGHT_TO_LEFT, direction, read_reviews

INTAKE = Path(__file__).parents[2] / "services" / "intake" / "src" / "redress" / "intake"
METHODS = [("**/templates/**.html", "jinja2"), ("**.py", "python")]
PLACEHOLDER = r"%\(\w+\)s"
# Languages added without a native speaker's review: they must say so until one has read them.
DRAFTED = {"tl", "ms", "ta", "si", "ur", "uz", "ru", "uk", "tr", "pt", "sw", "am"}


# `ngettext` is what `{% trans count %}…{% pluralize %}…` blocks call; `NP_` marks a counted
# message in code. Both give a message with a singular and a plural.
KEYWORDS = {"_": None, "N_": None, "ngettext": (1, 2), "NP_": (1, 2)}


def form_messages() -> set[str | tuple[str, str]]:
    found = extract_from_dir(str(INTAKE), METHODS, keywords=KEYWORDS, options_map={"**.html": {}})
    return {message for _, _, message, _, _ in found}


def test_counts_of_days_and_characters_are_said_in_each_languages_plural_forms():
    counted = {m for m in form_messages() if isinstance(m, tuple)}
    for message in ("%(days)s days.", "%(days)s days of your report.", "%(days)s days, and",
                    "%(limit)s characters or fewer."):  # fmt: skip
        assert any(message in plural for _, plural in counted), message
    # Nothing counted is left said in one form for every number.
    singles = {m for m in form_messages() if isinstance(m, str)}
    assert not [m for m in singles if re.search(r"%\((days|limit)\)s", m)]


def test_the_pages_have_messages_to_translate():
    messages = form_messages()
    assert "Raise a concern safely" in messages and "Child labour" in messages
    assert len(messages) > 80


def test_the_pages_speak_at_least_25_languages_and_urdu_right_to_left():
    assert len(LANGUAGES) >= 25
    assert set(LANGUAGES) >= DRAFTED
    assert direction("ur") == direction("ar") == "rtl" and {"ar", "ur"} == RIGHT_TO_LEFT


@pytest.mark.parametrize("lang", sorted(LANGUAGES))
def test_catalogue_has_every_message(lang):
    path = INTAKE / "locales" / f"{lang}.po"
    assert path.exists(), f"no catalogue for {lang}"
    with path.open("rb") as po:
        catalog = read_po(po)
    translated = {
        m.id: m.string for m in catalog if m.id and m.string and all(m.string) and not m.fuzzy
    }
    missing = sorted(form_messages() - set(translated), key=str)
    assert not missing, f"{lang} lacks {len(missing)} messages, e.g. {missing[:3]}"
    for message, text in translated.items():
        if isinstance(message, tuple):
            # A form for each of the language's plurals; one said of a single number may
            # name it in words ("يومين", two days) rather than give its digits.
            assert isinstance(text, tuple) and len(text) == catalog.num_plurals, (lang, message)
            wanted = set(re.findall(PLACEHOLDER, message[1]))
            assert all(set(re.findall(PLACEHOLDER, form)) <= wanted for form in text), lang
            assert wanted <= set(re.findall(PLACEHOLDER, text[-1])), (lang, message)
            continue
        wanted = sorted(re.findall(PLACEHOLDER, str(message)))
        assert sorted(re.findall(PLACEHOLDER, str(text))) == wanted, (lang, message)
    # The header's plural rule is the language's own (CLDR's, as Babel knows it).
    assert catalog.num_plurals == get_plural(lang).num_plurals, lang
    assert catalog.locale is not None and catalog.locale.language in (lang, "fil")


def test_every_catalogue_says_who_has_checked_it():
    reviews = read_reviews(INTAKE / "locales" / "reviews.toml")
    assert set(reviews) == set(LANGUAGES)
    assert reviews["en"].state == "source"
    for lang in DRAFTED:
        assert reviews[lang].state == "needs-review" and reviews[lang].drafted, lang
    for lang, review in reviews.items():
        assert review.state != "reviewed" or (review.by and review.reviewed), lang
