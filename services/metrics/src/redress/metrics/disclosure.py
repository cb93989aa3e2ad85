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
margin; a fact withheld is withheld in every table that shows it.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from itertools import combinations, product
from types import MappingProxyType

from redress.events.catalogue.tenant import MINIMUM_COUNT, MINIMUM_COUNT_FLOOR

K_DEFAULT = MINIMUM_COUNT
"""k until the tenant's admin sets it (the tenant stream's `MinimumCountSet`)."""
K_FLOOR = MINIMUM_COUNT_FLOOR
"""No tenant may publish counts below 3, whatever it sets."""

Key = tuple[str, ...]
"""Dimension values, in the order of the table's `dimensions`."""
Fact = tuple[str, tuple[tuple[str, str], ...]]
"""A measure and a sorted assignment of some of its dimensions: one published number."""


@dataclass(frozen=True)
class Table:
    """Counts of one measure over some dimensions: the interface the figures meet.

    `cells` are keyed by the dimensions' values; a key absent counts 0. Every case counted
    by the measure falls in exactly one cell (an unknown value is a value, e.g. "unknown"),
    so the margins are the cells' sums; they are computed here, never given. `values`
    lists each dimension's values in the order to show them (else: the values seen, sorted);
    differential privacy requires them, as the cells shown must not depend on the data.
    `contributions` is the most cells of this table one case can count in (1 unless a case
    counts in several, as with risk indicators): the table's sensitivity under noise.
    `independent` unties the table from the others of its measure (noisy tables are).
    `additive` says the measure counts events of the period (received, closed), so that a
    quarter's count is the sum of its months': releases of one year are then audited
    together (`redress.metrics.history`). Counts of a state at the period's end (cases in
    progress) are not additive.
    `guarded` marks a measure whose mere place can endanger the workers it counts (signs of
    trafficking, forced or child labour; referrals; retaliation): a zero within one of its
    withheld counts is withheld too, since it would say where those few cases are not, and
    beside a single withheld part, where all of them are.
    """

    name: str
    measure: str
    dimensions: tuple[str, ...]
    cells: Mapping[Key, int]
    values: Mapping[str, tuple[str, ...]] = field(default_factory=lambda: MappingProxyType({}))
    contributions: int = 1
    independent: bool = False
    additive: bool = False
    guarded: bool = False

    def __post_init__(self) -> None:
        if len(set(self.dimensions)) != len(self.dimensions):
            raise ValueError(f"table {self.name}: a dimension is named twice")
        for key, count in self.cells.items():
            if len(key) != len(self.dimensions):
                raise ValueError(f"table {self.name}: key {key} does not fit its dimensions")
            if count < 0:
                raise ValueError(f"table {self.name}: count {count} is negative")
            for dim, value in zip(self.dimensions, key, strict=True):
                if not isinstance(value, str):
                    raise ValueError(f"table {self.name}: {dim}={value!r} is not a string")
                if dim in self.values and value not in self.values[dim]:
                    raise ValueError(f"table {self.name}: {dim}={value} is not a listed value")

    def domain(self, dim: str) -> tuple[str, ...]:
        if dim in self.values:
            return tuple(self.values[dim])
        i = self.dimensions.index(dim)
        return tuple(sorted({key[i] for key in self.cells}))

    def grid(self) -> Iterator[Key]:
        return product(*(self.domain(d) for d in self.dimensions))

    @property
    def scope(self) -> str:
        """What its facts are named under: its measure, shared with the measure's tables."""
        return f"{self.measure}:{self.name}" if self.independent else self.measure

    def fact(self, dims: tuple[str, ...], key: Key) -> Fact:
        return (self.scope, tuple(sorted(zip(dims, key, strict=True))))

    def facts(self) -> dict[Fact, int]:
        """Every cell and every margin (over each subset of the dimensions), with its count."""
        out: dict[Fact, int] = {}
        for size in range(len(self.dimensions) + 1):
            for dims in combinations(self.dimensions, size):
                idx = [self.dimensions.index(d) for d in dims]
                for key in product(*(self.domain(d) for d in dims)):
                    out[self.fact(dims, key)] = 0
                for cell, count in self.cells.items():
                    sub = tuple(cell[i] for i in idx)
                    out[self.fact(dims, sub)] += count
        return out

    def equations(self) -> Iterator[tuple[Fact, list[Fact]]]:
        """Each margin as the sum of the facts one dimension finer."""
        values = {d: self.domain(d) for d in self.dimensions}
        return margin_equations(self.scope, self.dimensions, values)


Equation = tuple[Fact, list[Fact]]


def within_withheld(equations: Iterable[Equation], withheld: Collection[Fact]) -> set[Fact]:
    """The parts of every withheld whole: in a guarded table each may be 0 (ADR 42)."""
    return {p for whole, parts in equations if whole in withheld for p in parts}


def margin_equations(
    scope: str, dimensions: tuple[str, ...], values: Mapping[str, tuple[str, ...]]
) -> Iterator[Equation]:
    """Each margin of a table as the sum of the facts one dimension finer."""
    for size in range(len(dimensions)):
        for dims in combinations(dimensions, size):
            for extra in (d for d in dimensions if d not in dims):
                for key in product(*(values[d] for d in dims)):
                    whole = dict(zip(dims, key, strict=True))
                    parts = [(scope, tuple(sorted((whole | {extra: v}).items())))
                             for v in values[extra]]  # fmt: skip
                    yield (scope, tuple(sorted(whole.items()))), parts


@dataclass(frozen=True)
class Summary:
    """Figures of durations or satisfaction computed from `cases` cases (median, p90, mean)."""

    cases: int
    figures: Mapping[str, float]


@dataclass(frozen=True)
class Statistic:
    """Figures other than counts (durations, satisfaction), shown only from >= k cases."""

    name: str
    dimensions: tuple[str, ...]
    rows: Mapping[Key, Summary]


@dataclass(frozen=True)
class Release:
    """What the figures give for one closed period: count tables and statistics."""

    tables: tuple[Table, ...]
    statistics: tuple[Statistic, ...] = ()

    def __post_init__(self) -> None:
        names = [t.name for t in self.tables] + [s.name for s in self.statistics]
        if len(set(names)) != len(names):
            raise ValueError("two tables or statistics of a release share a name")


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
