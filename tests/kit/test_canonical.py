"""RFC 8785 canonical JSON, checked against the RFC's own examples."""

from __future__ import annotations

import json

import pytest

from redress.kit.canonical import canonical, number


def test_the_rfc_8785_example_serialises_byte_for_byte():
    text = ('{"numbers": [333333333.33333329, 1E30, 4.50, 2e-3, 0.000000000000000000000000001],'
            ' "string": "\\u20ac$\\u000F\\u000aA\'\\u0042\\u0022\\u005c\\\\\\"\\/",'
            ' "literals": [null, true, false]}')  # fmt: skip
    expected = ('{"literals":[null,true,false],"numbers":[333333333.3333333,1e+30,4.5,0.002,1e-27],'
                '"string":"€$\\u000f\\nA\'B\\"\\\\\\\\\\"/"}')  # fmt: skip
    assert canonical(json.loads(text)) == expected.encode()


def test_members_are_sorted_as_utf_16_code_units():
    keys = ["\u20ac", "\r", "\ufb33", "1", "\U0001f600", "\u0080", "\u00f6"]
    out = canonical({k: i for i, k in enumerate(keys)}).decode()
    order = [json.loads("{" + part + "}") for part in out[1:-1].split(",")]
    assert [next(iter(o)) for o in order] == ["\r", "1", "\u0080", "\u00f6", "\u20ac",
                                             "\U0001f600", "\ufb33"]  # fmt: skip


@pytest.mark.parametrize(("x", "text"), [
    (0.0, "0"), (-0.0, "0"), (1.0, "1"), (12.5, "12.5"), (1e21, "1e+21"),
    (1e20, "100000000000000000000"),
    (1e-6, "0.000001"), (1e-7, "1e-7"), (-1.5e-9, "-1.5e-9"), (5e-324, "5e-324"),
    (1.7976931348623157e308, "1.7976931348623157e+308"), (0.1 + 0.2, "0.30000000000000004"),
])  # fmt: skip
def test_numbers_are_written_as_ecmascript_writes_them(x, text):
    assert number(x) == text


def test_what_is_not_json_is_refused():
    for bad in (float("nan"), float("inf"), 2**53, {1: "a"}, b"bytes"):
        with pytest.raises((ValueError, TypeError)):
            canonical(bad)
