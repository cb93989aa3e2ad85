"""Keyset cursors for lists: `<key>~<id>`, the position after which the next page starts.

The key is the sort key as a whole number (microseconds since the epoch for a moment, days
since the epoch for a day) and the id breaks ties. Every string the published pattern admits
decodes to a position, so the OpenAPI describes exactly the cursors the API takes: a cursor
past either end is simply a position there. A cursor reveals nothing the page did not show.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from typing import Any, TypeVar

from fastapi import Query

from redress.kit.errors import Problem

UUID = r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}"
_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
_DAY_ZERO = date(1970, 1, 1)
_LAST_MOMENT = (datetime.max.replace(tzinfo=UTC) - _EPOCH) // timedelta(microseconds=1)
_LAST_DAY = (date.max - _DAY_ZERO).days

Row = TypeVar("Row")


def pattern(id_pattern: str) -> str:
    return rf"^[0-9]{{1,18}}~{id_pattern}$"


def query(id_pattern: str) -> Any:
    """`Annotated[str | None, cursor.query(ID)]`: the `cursor` of a list of rows with such ids."""
    return Query(
        pattern=pattern(id_pattern),
        max_length=240,
        description="the `next` of the previous page; absent for the first page",
    )


def after_moment(moment: datetime, row_id: str) -> str:
    return f"{(moment - _EPOCH) // timedelta(microseconds=1)}~{row_id}"


def after_day(day: date, row_id: str) -> str:
    return f"{(day - _DAY_ZERO).days}~{row_id}"


def by_moment(at: str, position: str) -> Callable[[Any], str]:
    """The cursor after a row of a list ordered by its columns `at` (a moment) and
    `position` (its place in the log, which breaks ties)."""
    return lambda row: after_moment(row[at], str(row[position]))


def _split(cursor: str, id_pattern: str) -> tuple[int, str]:
    # Routes check the pattern already; pages and other callers rely on this check.
    if not re.fullmatch(pattern(id_pattern), cursor):
        raise Problem(422, "bad-cursor", "the cursor is not one this API gave")
    key, _, row_id = cursor.partition("~")
    return int(key), row_id


def moment_of(cursor: str, id_pattern: str) -> tuple[datetime, str]:
    key, row_id = _split(cursor, id_pattern)
    return _EPOCH + timedelta(microseconds=min(key, _LAST_MOMENT)), row_id


def day_of(cursor: str, id_pattern: str) -> tuple[date, str]:
    key, row_id = _split(cursor, id_pattern)
    return _DAY_ZERO + timedelta(days=min(key, _LAST_DAY)), row_id


@dataclass(frozen=True)
class Page:
    """A page of a list: its rows as JSON-ready dicts and the cursor of the next (or None)."""

    items: list[dict[str, Any]]
    next: str | None

    @classmethod
    def of(
        cls,
        rows: Sequence[Row],
        limit: int,
        after: Callable[[Row], str],
        item: Callable[[Row], dict[str, Any]],
    ) -> Page:
        """The page of rows fetched `limit + 1` (one more, to know whether more follow): the
        first `limit`, each as `item`, and where more follow, the cursor `after` the last."""
        shown = rows[:limit]
        return cls([item(r) for r in shown], after(shown[-1]) if len(rows) > limit else None)


def jsonable(
    row: Any, leave_out: tuple[str, ...] = (), decode: tuple[str, ...] = ()
) -> dict[str, Any]:
    """A database row as a dict ready for JSON: dates and moments in ISO 8601, the columns
    named in `decode` (JSON kept as text) parsed, the columns in `leave_out` dropped."""
    out = {}
    for k, v in dict(row).items():
        if k in leave_out:
            continue
        if isinstance(v, date | datetime):
            v = v.isoformat()
        elif k in decode and isinstance(v, str):
            v = json.loads(v)
        out[k] = v
    return out
