"""Keyset cursors: what a page hands out reads back, and every string of the published pattern
decodes to a position (at worst one before the start or past the end), never to an error."""

import re
from datetime import UTC, date, datetime

import pytest

from redress.kit import cursor
from redress.kit.errors import Problem

ID = f"case-{cursor.UUID}"
ROW = "case-0190a000-0000-7000-8000-000000000001"


def test_a_moment_and_a_day_read_back_exactly():
    moment = datetime(2026, 12, 2, 16, 30, 1, 123456, tzinfo=UTC)
    assert cursor.moment_of(cursor.after_moment(moment, ROW), ID) == (moment, ROW)
    day = date(2026, 12, 2)
    assert cursor.day_of(cursor.after_day(day, ROW), ID) == (day, ROW)


@pytest.mark.parametrize("key", ["0", "1", "999999999999999999", "000000000000000000"])
def test_every_key_the_pattern_admits_decodes(key):
    text = f"{key}~{ROW}"
    assert re.fullmatch(cursor.pattern(ID), text)
    moment, _ = cursor.moment_of(text, ID)
    day, _ = cursor.day_of(text, ID)
    assert datetime(1970, 1, 1, tzinfo=UTC) <= moment <= datetime.max.replace(tzinfo=UTC)
    assert date(1970, 1, 1) <= day <= date.max


@pytest.mark.parametrize(
    "text", ["", "nonsense", "1~", "~" + ROW, "-1~" + ROW, "1~case-x", "1~" + ROW + "\x00"]
)
def test_anything_else_is_refused_as_a_bad_cursor(text):
    assert not re.fullmatch(cursor.pattern(ID), text)
    with pytest.raises(Problem) as refused:
        cursor.moment_of(text, ID)
    assert (refused.value.status, refused.value.kind) == (422, "bad-cursor")


def test_a_row_as_json_has_iso_dates_parsed_json_and_nothing_left_out() -> None:
    row = {
        "at": datetime(2026, 3, 1, 9, 30, tzinfo=UTC),
        "on": date(2026, 3, 2),
        "details": '{"a": [1]}',
        "note": '{"a": [1]}',
        "position": 7,
    }
    assert cursor.jsonable(row, leave_out=("position",), decode=("details",)) == {
        "at": "2026-03-01T09:30:00+00:00",
        "on": "2026-03-02",
        "details": {"a": [1]},
        "note": '{"a": [1]}',
    }
