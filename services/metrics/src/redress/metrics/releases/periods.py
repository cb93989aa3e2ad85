"""Calendar periods a release covers: a month, a quarter or a year, named as in ISO 8601."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, timedelta

from redress.events.catalogue.release import PERIOD


@dataclass(frozen=True)
class Period:
    label: str
    """`2025` (a year), `2025-Q1` (a quarter) or `2025-03` (a month)."""
    kind: str
    start: date
    end: date
    """The period's last day (inclusive)."""

    @property
    def year(self) -> int:
        return self.start.year

    def closed_on(self, today: date) -> bool:
        """Whether the period is over on `today` (the tenant's local date): a running period
        is never published, so two looks a day apart cannot isolate one worker."""
        return today > self.end


def period(label: str) -> Period:
    """The period a label names; ValueError for anything else."""
    if not re.match(PERIOD, label):
        raise ValueError(f"{label!r} is not a year (2025), quarter (2025-Q1) or month (2025-03)")
    year = int(label[:4])
    if len(label) == 4:
        return Period(label, "year", date(year, 1, 1), date(year, 12, 31))
    if label[5] == "Q":
        first = 3 * (int(label[6]) - 1) + 1
        return Period(label, "quarter", date(year, first, 1), _last_day(year, first + 2))
    month = int(label[5:])
    return Period(label, "month", date(year, month, 1), _last_day(year, month))


# The UN Guiding Principles, whose effectiveness criteria the figures report on, were
# endorsed in June 2011: no grievance mechanism's figures go back further. A year before it
# is a slip of the keyboard, refused before a release is signed with it for good.
EARLIEST_YEAR = 2011


def figures_period(label: str) -> Period:
    """A period figures may be asked for: as `period`, and from 2011; ValueError otherwise.
    (What was recorded is read with `period`, whatever its year.)"""
    found = period(label)
    if found.year < EARLIEST_YEAR:
        raise ValueError(f"{label!r} is before {EARLIEST_YEAR}: no figures go back that far")
    return found


def _last_day(year: int, month: int) -> date:
    if month == 12:  # and no first day of a year 10000 for 9999-12 to end before
        return date(year, 12, 31)
    return date(year, month + 1, 1) - timedelta(days=1)
