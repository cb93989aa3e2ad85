"""The kit's text types: what they refuse, what they keep, what the schema says."""

import re

import pytest
from pydantic import BaseModel, ValidationError

from redress.kit.text import FilledLine, FilledProse, Line, Prose, strip_controls, visible


class Sample(BaseModel):
    line: Line | None = None
    prose: Prose | None = None


@pytest.mark.parametrize("bad", ["a\x00b", "a\nb", "a\x7fb", "a\x85b", "a\u2028b", "a\ud800b"])
def test_a_line_refuses_control_characters(bad):
    with pytest.raises(ValidationError, match="control characters"):
        Sample(line=bad)


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
