"""Disclosure control: what of a release's figures may leave the service (docs/metrics.md).

Pure. The figures come in as a `Release` of count `Table`s and duration or satisfaction
`Statistic`s; `protect` gives back a `Published` release in which

- no count from 1 to k-1 is shown (primary suppression; 0 is shown: it counts nobody,
  except within a withheld count of a `guarded` table, where zeros would say where its few
  cases are not, and beside one withheld part, where all of them are);
- a statistic is shown only where it was computed from at least k cases;
- enough other counts are withheld (complementary suppression) that no withheld count can be
  recomputed from the published ones: `redress.metrics.audit` solves the release's tables
  as equations and finds every withheld count free over an interval wider than k.

Tables of one `measure` count the same cases, so they share their margins: the count of
`received` in Bangladesh is one figure whether it is the margin of received by country and
category or of received by country and channel. The release is therefore a set of *facts*,
each a measure and a partial assignment of dimension values, tied by one equation per
margin; a fact withheld is withheld in every table that shows it. The tables, statistics and
releases that come in are `redress.metrics.release_figures`'s, named here as before.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from itertools import combinations, product
from types import MappingProxyType

from redress.events.catalogue.tenant import MINIMUM_COUNT, MINIMUM_COUNT_FLOOR
from redress.metrics.release_figures import (
    Equation,
    Fact,
    Key,
    Release,
    Statistic,
    Summary,
    Table,
    margin_equations,
    within_withheld,
)

__all__ = [
    "K_DEFAULT", "K_FLOOR", "Equation", "Fact", "Facts", "Key", "Published", "PublishedStatistic",
    "PublishedTable", "Release", "Statistic", "Summary", "Table", "check_k", "margin_equations",
    "primary", "publish", "within_withheld",
]  # fmt: skip

K_DEFAULT = MINIMUM_COUNT
"""k until the tenant's admin sets it (the tenant stream's `MinimumCountSet`)."""
K_FLOOR = MINIMUM_COUNT_FLOOR
"""No tenant may publish counts below 3, whatever it sets."""


class Facts:
    """The facts of a release and the equations that tie them, shared across its tables.

    `links` are further equations from earlier releases (`redress.metrics.history`): they
    bind facts of this release to facts it does not hold, published earlier or not at all.
    """

    def __init__(self, release: Release) -> None:
        self.values: dict[Fact, int] = {}
        self.equations: list[Equation] = []
        self.links: list[Equation] = []
        # Counts earlier releases withheld that a reader knows are at least 1 (`link`).
        self.at_least_one: frozenset[Fact] = frozenset()
        # The scopes of guarded tables: zeros within their withheld counts are withheld.
        self.guarded = frozenset(t.scope for t in release.tables if t.guarded)
        seen: set[tuple[Fact, tuple[Fact, ...]]] = set()
        for table in release.tables:
            for fact, count in table.facts().items():
                if self.values.setdefault(fact, count) != count:
                    raise ValueError(
                        f"tables of {table.measure} disagree on {dict(fact[1])}: "
                        f"{self.values[fact]} and {count} (give every table every case)"
                    )
            for whole, parts in table.equations():
                mark = (whole, tuple(sorted(parts)))
                if mark not in seen:
                    seen.add(mark)
                    self.equations.append((whole, parts))
        self.own = frozenset(self.values)
        # Few (tables of signs of forced labour and the like): looked at on every round.
        self.guarded_equations = [(w, ps) for w, ps in self.equations if w[0] in self.guarded]

    def link(
        self, known: Mapping[Fact, int], equations: Iterable[Equation],
        at_least_one: Iterable[Fact] = (),
    ) -> None:  # fmt: skip
        """Add facts published elsewhere (`known`), the equations that tie them in, and
        which of the facts withheld elsewhere a reader knows to be at least 1."""
        for fact, count in known.items():
            if fact in self.own:
                raise ValueError(f"{fact} is this release's own")
            self.values[fact] = count
        self.links.extend(equations)
        self.at_least_one |= frozenset(at_least_one)

    @property
    def all_equations(self) -> list[Equation]:
        return self.equations + self.links


def check_k(k: int) -> int:
    if k < K_FLOOR:
        raise ValueError(f"k is at least {K_FLOOR}")
    return k


def primary(values: Mapping[Fact, int], k: int) -> set[Fact]:
    """Counts from 1 to k-1: each could be a worker known to a reader."""
    return {f for f, v in values.items() if 0 < v < k}


@dataclass(frozen=True)
class PublishedTable:
    """A table as published: each cell's and each margin's count, None where withheld.

    `margins` is keyed by the dimensions kept (in the table's order): `()` is the total.
    """

    name: str
    measure: str
    dimensions: tuple[str, ...]
    values: Mapping[str, tuple[str, ...]]
    cells: Mapping[Key, int | None]
    margins: Mapping[tuple[str, ...], Mapping[Key, int | None]]
    additive: bool = False
    # Zeros within its withheld counts are withheld (`Table.guarded`); None: not said, as
    # by a release made before ADR 42, whose withheld counts a reader knows less of.
    guarded: bool | None = False


@dataclass(frozen=True)
class PublishedStatistic:
    name: str
    dimensions: tuple[str, ...]
    rows: Mapping[Key, Mapping[str, float] | None]


@dataclass(frozen=True)
class Published:
    """A release after disclosure control: what may be shown, and how much was withheld."""

    k: int
    tables: tuple[PublishedTable, ...]
    statistics: tuple[PublishedStatistic, ...]
    primary: int
    complementary: int  # counts of k or more withheld so that no withheld one can be worked out
    zeros: int = 0  # zeros withheld in the breakdown of a withheld count

    def counts(self) -> Iterable[int]:
        """Every count shown, cells and margins (for checks that none is below k)."""
        for t in self.tables:
            yield from (c for c in t.cells.values() if c is not None)
            for margin in t.margins.values():
                yield from (c for c in margin.values() if c is not None)


def publish(release: Release, k: int, withheld: set[Fact]) -> Published:
    """The release with the facts in `withheld` shown as None, statistics below k too."""
    check_k(k)
    facts = Facts(release)
    tables = tuple(_published_table(t, withheld) for t in release.tables)
    statistics = tuple(
        PublishedStatistic(
            s.name,
            s.dimensions,
            MappingProxyType(
                {
                    key: (MappingProxyType(_rounded(row.figures)) if row.cases >= k else None)
                    for key, row in s.rows.items()
                }
            ),
        )
        for s in release.statistics
    )
    first = primary(facts.values, k)
    mine = withheld & facts.own
    zeros = {f for f in mine if facts.values[f] == 0}
    return Published(k, tables, statistics, len(first & mine), len(mine - first - zeros),
                     len(zeros))  # fmt: skip


def _rounded(figures: Mapping[str, float]) -> dict[str, float]:
    """A statistic to one decimal: a mean to full precision is a fraction whose denominator
    gives away how many cases it was taken from (79/23 = 3.4347826...), where that count
    is withheld."""
    return {name: round(value, 1) for name, value in figures.items()}


def _published_table(t: Table, withheld: set[Fact]) -> PublishedTable:
    values = {d: t.domain(d) for d in t.dimensions}
    counts = t.facts()

    def shown(dims: tuple[str, ...]) -> Mapping[Key, int | None]:
        keys = product(*(values[d] for d in dims))
        return MappingProxyType(
            {
                key: None if t.fact(dims, key) in withheld else counts[t.fact(dims, key)]
                for key in keys
            }
        )

    margins = {
        dims: shown(dims)
        for size in range(len(t.dimensions))
        for dims in combinations(t.dimensions, size)
    }
    return PublishedTable(
        t.name,
        t.measure,
        t.dimensions,
        MappingProxyType(values),
        shown(t.dimensions),
        MappingProxyType(margins),
        t.additive and not t.independent,
        t.guarded,
    )
