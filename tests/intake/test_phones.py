"""A phone number as a worker writes it down, and the number the texts go to."""

from __future__ import annotations

import pytest

from redress.intake.phones import phone_number


@pytest.mark.parametrize(
    ("written", "number"),
    [
        ("+8801711000001", "+8801711000001"),
        ("+880 1711 000001", "+8801711000001"),
        ("(+880) 1711-000001", "+8801711000001"),
        ("+880 (1711) 000001", "+8801711000001"),
        ("(017) 1111-1111", "01711111111"),
        ("01711.111.111", "01711111111"),
        ("  +880  1711\t000001 ", "+8801711000001"),  # runs of spaces, a tab, at the ends
    ],
)
def test_a_number_as_people_write_it_is_the_digits_with_the_plus(written, number):
    assert phone_number(written) == number


@pytest.mark.parametrize(
    "written",
    [
        None, "", "12ab", "rahima@example.org",
        "123456",  # 6 digits: too few
        "1234567890123456",  # 16: more than E.164 allows
        "(017 1111-1111", "((017)) 1111", "+(880) 1711000001", "1--2345678", "0171 - 1111111",
    ],
)  # fmt: skip
def test_what_is_not_a_number_gives_none(written):
    assert phone_number(written) is None


def test_a_long_string_that_is_not_a_number_is_refused_at_once():
    # Each group of digits ends where a separator or bracket begins: the pattern never
    # tries the ways of splitting a run of digits (which would take longer than the test).
    for written in ("1" * 5_000 + "x", "1 " * 5_000 + "x", "(1)" * 5_000 + "x"):
        assert phone_number(written) is None
