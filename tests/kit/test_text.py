"""The kit's text types: what they refuse, what they keep, what the schema says."""

import re

import pytest
from pydantic import BaseModel, ValidationError

from redress.kit.text import FilledLine, FilledProse, Line, Prose, strip_controls, visible


class Sample(BaseModel):
    line: Line | None = None
    prose: Prose | None = None


@pytest.mark.parametrize(
    "bad",
    [
        "a\x00b",
        "a\nb",
        "a\x7fb",
        "a\x85b",
        "a\u2028b",
        "a\ud800b",
        "Acme \u202egnp.exe",
        "\u2067Acme\u2069",
        "a\u202ab\u202c",
    ],
)
def test_a_line_refuses_control_characters(bad):
    with pytest.raises(ValidationError, match="control characters"):
        Sample(line=bad)
    pattern = Sample.model_json_schema()["properties"]["line"]["anyOf"][0]["pattern"]
    assert bad == "a\ud800b" or not re.search(pattern, bad)


def test_a_line_keeps_the_marks_and_joiners_scripts_need_and_prose_keeps_its_controls():
    """Arabic with a right-to-left mark, Bengali and Persian with their joiners, Khmer with
    its zero-width spaces: single-line text keeps them; prose keeps even the bidirectional
    controls (a worker's pasted text), which the pages isolate in their own element."""
    for fine in (
        "\u0645\u0635\u0646\u0639 ABC\u200f 2",
        "\u0995\u09cd\u200d\u09b7",
        "\u0645\u06cc\u200c\u062e\u0648\u0627\u0647\u0645",
        "\u1781\u17d2\u1798\u17c2\u179a\u200b\u1797\u17b6\u179f\u17b6",
    ):
        assert Sample(line=fine).line == fine
    assert Sample(prose="\u202bنص\u202c").prose == "\u202bنص\u202c"


def test_prose_keeps_line_breaks_and_tabs_but_not_nul():
    assert Sample(prose="one\r\ntwo\tthree").prose == "one\r\ntwo\tthree"
    with pytest.raises(ValidationError):
        Sample(prose="one\x00two")


def test_the_schema_publishes_the_pattern():
    schema = Sample.model_json_schema()["properties"]
    assert "\\x00-\\x1f" in schema["line"]["anyOf"][0]["pattern"]
    assert "\\x0b" in schema["prose"]["anyOf"][0]["pattern"]


def test_visible_and_strip():
    assert not visible(" \u200b\u200d\ufeff\u3164\t")
    assert visible("\u200bx")
    assert strip_controls("a\x00b\nc") == "ab\nc"


class Filled(BaseModel):
    line: FilledLine
    prose: FilledProse


@pytest.mark.parametrize("blank", ["", "   ", "\u3000\u00a0"])
def test_filled_text_refuses_blank_and_its_pattern_says_so(blank):
    with pytest.raises(ValidationError, match="blank"):
        Filled(line=blank, prose="fine")
    with pytest.raises(ValidationError, match="blank"):
        Filled(line="fine", prose=blank)
    for name in ("line", "prose"):
        pattern = Filled.model_json_schema()["properties"][name]["pattern"]
        assert not re.search(pattern, blank)
        assert re.search(pattern, " a ") and not re.search(pattern, "a\x00")
    assert Filled(line=" a ", prose="b\nc").prose == "b\nc"


@pytest.mark.parametrize("invisible", ["\u200b", " \u200b\u200d ", "\u2800", "\ufeff\u3164"])
def test_filled_text_refuses_what_shows_nothing(invisible):
    """An officer's message of a zero-width space reached the worker as an empty bubble, and
    was texted to them: a text that shows nothing is blank."""
    with pytest.raises(ValidationError, match="blank"):
        Filled(line="fine", prose=invisible)
    with pytest.raises(ValidationError, match="blank"):
        Filled(line=invisible, prose="fine")
    assert Filled(line="\u200ba", prose="\u200db").line == "\u200ba"
