"""Dates as people mean them: ISO 8601 calendar dates within a plausible span.

Pydantic would take `0` as 1970-01-01 and `0001-01-01` as a date; neither is a date anyone
meant. A plausible date is written `YYYY-MM-DD` and falls between 1950 and 2100.
"""

from __future__ import annotations

import re
from datetime import date
from typing import Annotated, Any

from pydantic import AfterValidator, BeforeValidator, Field

EARLIEST = date(1950, 1, 1)
LATEST = date(2100, 12, 31)
_ISO = re.compile(r"^\d{4}-\d{2}-\d{2}$")


def _written_as_a_date(value: Any) -> Any:
    if isinstance(value, date):
        return value
    if not isinstance(value, str) or not _ISO.match(value):
        raise ValueError("a date is written YYYY-MM-DD")
    return value


def _plausible(value: date) -> date:
    if not EARLIEST <= value <= LATEST:
        raise ValueError(f"a date between {EARLIEST} and {LATEST} is expected")
    return value


def _not_in_future(value: date) -> date:
    if value > date.today():
        raise ValueError("the date cannot be in the future")
    return value


PlausibleDate = Annotated[
    date,
    BeforeValidator(_written_as_a_date),
    AfterValidator(_plausible),
    Field(json_schema_extra={"pattern": r"^(19[5-9][0-9]|20[0-9]{2}|2100)-[0-9]{2}-[0-9]{2}$"}),
]
"""A calendar date between 1950 and 2100, written YYYY-MM-DD."""

PastDate = Annotated[PlausibleDate, AfterValidator(_not_in_future)]
"""A plausible date that is not in the future (when something began)."""
