"""A release's figures as disclosure control takes them in: count tables over dimensions, the
facts each holds (every cell and margin) and the equations its margins make, and statistics
with the number of cases each was computed from (`redress.metrics.disclosure`)."""

from __future__ import annotations

from collections.abc import Collection, Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from itertools import combinations, product
from types import MappingProxyType

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
