"""The figures as tables: what `figures` computes (`publication` hands them to disclosure).

A `Table` counts by one or more dimensions. `cells` hold the interior, one count per
combination of dimension values; `margins` hold the sums over some of the dimensions, with
`TOTAL` in each position summed over, and the grand total is the margin whose key is all
`TOTAL`. Zero cells are listed too: a dimension's values are those of the period's facts.

Where one case may count under several values of a dimension (a site shared by several
member organisations, a plan with several remedy types, several indicators), the cells do
not add up to the margins: each margin is a count of distinct cases. Disclosure control
takes no margins and no such table: `redress.metrics.publication.to_release` splits or
leaves them out.

Statistics (medians, percentiles, means, shares) travel as `Summary` rows that carry the
number of cases `n` they come from, so that disclosure control can hold back those from too
few. No table carries anything of one worker: only counts and statistics of groups.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date

TOTAL = "*"
"""The key value of a position summed over (in margins and summaries)."""
UNKNOWN = "unknown"
"""The key value for a fact not known (a country a text message did not say)."""

Key = tuple[str, ...]


@dataclass(frozen=True)
class Cell:
    key: Key
    count: int


@dataclass(frozen=True)
class Table:
    name: str
    """What it counts, e.g. `received.country` or `rejected.grounds.channel`."""
    dimensions: tuple[str, ...]
    cells: tuple[Cell, ...]
    margins: tuple[Cell, ...]

    @property
    def total(self) -> int:
        whole = (TOTAL,) * len(self.dimensions)
        return next(c.count for c in self.margins if c.key == whole)

    def count(self, *key: str) -> int:
        """The count of one cell or margin (0 for a combination not listed)."""
        for cell in (*self.cells, *self.margins):
            if cell.key == key:
                return cell.count
        return 0


@dataclass(frozen=True)
class Summary:
    key: Key
    n: int
    """The number of cases the values come from."""
    values: Mapping[str, float | None] = field(default_factory=dict)


@dataclass(frozen=True)
class Statistics:
    name: str
    """e.g. `time_to_close.country`: values `median_days`, `p90_days`, `within_share`."""
    dimensions: tuple[str, ...]
    rows: tuple[Summary, ...]

    def row(self, *key: str) -> Summary | None:
        return next((r for r in self.rows if r.key == key), None)


@dataclass(frozen=True)
class Period:
    kind: str
    """month, quarter or year"""
    start: date
    end: date
    """The first day after the period."""

    @property
    def label(self) -> str:
        if self.kind == "year":
            return f"{self.start.year}"
        if self.kind == "quarter":
            return f"{self.start.year}-Q{(self.start.month - 1) // 3 + 1}"
        return f"{self.start.year}-{self.start.month:02d}"


@dataclass(frozen=True)
class Figures:
    """A tenant's published table set for one closed period."""

    tenant: str
    period: Period
    tables: tuple[Table, ...]
    statistics: tuple[Statistics, ...]

    def table(self, name: str) -> Table:
        return next(t for t in self.tables if t.name == name)

    def stats(self, name: str) -> Statistics:
        return next(s for s in self.statistics if s.name == name)


KINDS = ("month", "quarter", "year")


def period_of(kind: str, day: date) -> Period:
    """The month, quarter or year that `day` falls in."""
    if kind not in KINDS:
        raise ValueError(f"a period is a month, a quarter or a year, not {kind!r}")
    months = {"month": 1, "quarter": 3, "year": 12}[kind]
    first = (day.month - 1) // months * months + 1
    start = date(day.year, first, 1)
    ahead = first - 1 + months
    return Period(kind, start, date(day.year + ahead // 12, ahead % 12 + 1, 1))
