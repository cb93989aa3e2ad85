"""How a text is counted and split as SMS: GSM-7 160 / 153, UCS-2 70 / 67 (pure)."""

from __future__ import annotations

from pathlib import Path

import pytest

import redress.intake
from redress.events.catalogue.texts import TextKind
from redress.intake.segments import segment
from redress.intake.sms_texts import render
from redress.kit.i18n import LANGUAGES, Catalogues

CATALOGUES = Catalogues(Path(redress.intake.__file__).parent / "locales")


def test_a_latin_text_of_160_characters_is_one_gsm7_segment():
    text = "a" * 160
    assert segment(text).encoding == "GSM-7" and segment(text).parts == (text,)


def test_one_character_more_makes_two_parts_of_at_most_153():
    parts = segment("a" * 161).parts
    assert [len(p) for p in parts] == [153, 8] and "".join(parts) == "a" * 161


def test_the_extension_table_costs_two_septets_and_is_never_cut():
    assert segment("€" * 80).count == 1  # 160 septets
    parts = segment("a" + "€" * 80).parts  # 161: split, each part at most 153 septets
    assert "".join(parts) == "a" + "€" * 80
    assert all(sum(2 if ch == "€" else 1 for ch in p) <= 153 for p in parts)


def test_one_character_outside_gsm7_makes_the_whole_text_ucs2():
    assert segment("ক" * 70).encoding == "UCS-2" and segment("ক" * 70).count == 1
    parts = segment("a" * 69 + "ক" + "b").parts
    assert [len(p) for p in parts] == [67, 4]


def test_an_emoji_takes_two_units_and_its_halves_stay_together():
    text = "a" * 66 + "😀" + "b" * 10
    parts = segment(text).parts
    assert parts[0] == "a" * 66 and parts[1].startswith("😀") and "".join(parts) == text


@pytest.mark.parametrize("lang", ["en", "id"])  # languages written in GSM-7's alphabet
@pytest.mark.parametrize("kind", list(TextKind))
def test_every_text_in_a_latin_script_fits_one_segment(kind, lang):
    params = {"reference": "R-ACDEFGHJ", "stage": "remediation_plan", "grounds": "duplicate",
              "outcome": "partly_resolved", "text": "Call us",
              "secret": "1234567890123456"}  # fmt: skip
    text = render(kind, params, CATALOGUES.get(lang).gettext)
    assert segment(text).encoding == "GSM-7" and segment(text).count == 1, text
    # With the initiative's hotline, where the text gives it, a long international number.
    called = render(kind, params | {"hotline": "+880 9612-345678"}, CATALOGUES.get(lang).gettext)
    assert segment(called).count == 1, called
    assert (kind is TextKind.question) == ("+880 9612-345678" in called)


@pytest.mark.parametrize("lang", sorted(LANGUAGES))
def test_a_receipt_text_says_the_reference_and_the_secret_in_every_language(lang):
    params = {"reference": "R-ACDEFGHJ", "secret": "1234567890123456"}
    text = render(TextKind.receipt, params, CATALOGUES.get(lang).gettext)
    assert "R-ACDEFGHJ" in text and "1234 5678 9012 3456" in text
    assert segment(text).count <= 3


def test_a_long_officer_message_is_cut_with_an_ellipsis():
    text = render(TextKind.message, {"reference": "R-1", "text": "x" * 1000},
                  CATALOGUES.get("en").gettext)  # fmt: skip
    assert text.endswith("x…") and text.count("x") == 399
