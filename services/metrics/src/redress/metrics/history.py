"""Earlier releases of the same year, as further equations for the audit.

A reader holds every release: the months of a quarter, the quarter, the year. For a measure
that counts events of its period (`Table.additive`: received, closed), a quarter's count is
the sum of its months' and a year's the sum of its quarters', so subtracting two published
months from their published quarter could give away a count the third month withheld, or one
the quarter withholds. So a release is audited with the releases in force of its year:
their published counts are constants, their withheld counts and the counts of periods not
released yet are unknowns, each earlier release's margins are equations, and so are the
sums over periods. An earlier withheld count that the new release would give away is
protected by withholding more of the new release (earlier releases never change).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from itertools import combinations, product

from redress.metrics.disclosure import (
    Equation,
    Fact,
    PublishedTable,
    Release,
    margin_equations,
    within_withheld,
)


@dataclass(frozen=True)
class Earlier:
    """A release in force of another period of the same year, as published."""

    period: str
    tables: tuple[PublishedTable, ...]


@dataclass
class Linked:
    known: dict[Fact, int] = field(default_factory=dict)
    """Counts earlier releases published."""
    hidden: set[Fact] = field(default_factory=set)
    """Counts earlier releases withheld: unknown to a reader, to keep unknown."""
    at_least_one: set[Fact] = field(default_factory=set)
    """Of those, the ones a reader knows are at least 1: all of a table that says it shows
    its zeros, but those within a withheld count of a guarded table (ADR 42)."""
    unreleased: set[Fact] = field(default_factory=set)
    """Counts of periods not released (yet): unknown, and nothing to check."""
    equations: list[Equation] = field(default_factory=list)


def _year_family(year: str) -> list[tuple[str, list[str]]]:
    """Each period of the year with the periods that add up to it."""
    quarters = [f"{year}-Q{q}" for q in range(1, 5)]
    months = {q: [f"{year}-{m:02d}" for m in range(3 * i + 1, 3 * i + 4)]
              for i, q in enumerate(quarters)}  # fmt: skip
    return [(year, quarters)] + [(q, months[q]) for q in quarters]


def _shown(t: PublishedTable, dims: tuple[str, ...], key: tuple[str, ...]) -> int | None:
    layer = t.cells if dims == t.dimensions else t.margins[dims]
    return layer[key]


def facts_of(t: PublishedTable, scope: str) -> dict[Fact, int | None]:
    """Each cell and margin of a published table as a fact of `scope`, None where withheld."""
    out: dict[Fact, int | None] = {}
    for size in range(len(t.dimensions) + 1):
        for dims in combinations(t.dimensions, size):
            for key in product(*(t.values[d] for d in dims)):
                out[(scope, tuple(sorted(zip(dims, key, strict=True))))] = _shown(t, dims, key)
    return out


def floors(t: PublishedTable, scope: str) -> dict[Fact, int]:
    """What a reader knows each withheld count of a published table is at least: 1, as
    zeros are shown; 0 within a withheld count of a guarded table, whose zeros are withheld
    too (ADR 42), and anywhere in a table that does not say (made before ADR 42)."""
    shown = facts_of(t, scope)
    withheld = {f for f, count in shown.items() if count is None}
    if not t.guarded:
        return dict.fromkeys(withheld, 0 if t.guarded is None else 1)
    equations = margin_equations(scope, t.dimensions, dict(t.values))
    maybe_zero = within_withheld(equations, withheld)
    return {f: 0 if f in maybe_zero else 1 for f in withheld}


def links(
    period: str, release: Release, own: frozenset[Fact], earlier: Sequence[Earlier]
) -> Linked:
    """The facts and equations that earlier releases of `period`'s year add to its audit
    (`own`: the release's own facts)."""
    out = Linked()
    year = period[:4]
    others = [e for e in earlier if e.period[:4] == year and e.period != period]
    if not others:
        return out
    for e in others:
        for t in e.tables:
            scope = f"{t.measure}@{e.period}"
            shown = facts_of(t, scope)
            for fact, count in shown.items():
                if count is None:
                    out.hidden.add(fact)
                else:
                    out.known[fact] = count
            equations = list(margin_equations(scope, t.dimensions, dict(t.values)))
            out.equations.extend(equations)
            out.at_least_one |= {f for f, least in floors(t, scope).items() if least}
    mine = {t.measure for t in release.tables if t.additive and not t.independent}
    seen = set(out.known) | out.hidden
    for measure in sorted(mine):
        assignments = {a for (scope, a) in seen if scope.split("@")[0] == measure}
        for a in sorted(assignments):

            def name(label: str, a: tuple[tuple[str, str], ...] = a, m: str = measure) -> Fact:
                return (m, a) if label == period else (f"{m}@{label}", a)

            for whole, parts in _year_family(year):
                out.equations.append((name(whole), [name(p) for p in parts]))
                for label in (whole, *parts):
                    fact = name(label)
                    if fact not in seen and fact not in own:
                        out.unreleased.add(fact)
    _prune(out)
    return out


def _prune(linked: Linked) -> None:
    """Drop the sums that bind nothing: a sum whose total is a period not released, in no
    other equation, holds whatever its parts add up to. (Months alone, with neither their
    quarter nor their year released, are then audited alone, as nothing ties them.)"""
    equations = list(linked.equations)
    while True:
        uses: dict[Fact, int] = {}
        for whole, parts in equations:
            for member in (whole, *parts):
                uses[member] = uses.get(member, 0) + 1
        keep = [(w, ps) for w, ps in equations if not (w in linked.unreleased and uses[w] == 1)]
        if len(keep) == len(equations):
            break
        equations = keep
    linked.equations = equations
    used = {m for w, ps in equations for m in (w, *ps)}
    linked.unreleased &= used
