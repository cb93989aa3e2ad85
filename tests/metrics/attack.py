"""A reader's attack on a published release, written apart from the service's own audit.

It sees only what is published (`Published`: cells and margins, None where withheld), writes
every margin of every table as an equation, ties the tables of one measure by the facts
they share, and asks an integer program for the least and greatest value of each withheld
figure. Figures are named here by (measure, {dimension: value}) as the reader would name
them, not by the service's `Fact`s.
"""

from __future__ import annotations

from dataclasses import replace
from itertools import combinations

import numpy as np
from scipy.optimize import Bounds, LinearConstraint, milp

from redress.metrics.disclosure import Published


def _name(measure, dims, key):
    return (measure, frozenset(zip(dims, key, strict=True)))


def known_and_unknown(published: Published):
    figures = {}
    equations = []
    for t in published.tables:
        layers = dict(t.margins) | {t.dimensions: t.cells}
        for dims, cells in layers.items():
            for key, count in cells.items():
                figures[_name(t.measure, dims, key)] = count
        for size in range(len(t.dimensions)):
            for dims in combinations(t.dimensions, size):
                for extra in (d for d in t.dimensions if d not in dims):
                    finer = tuple(d for d in t.dimensions if d in dims or d == extra)
                    for key in layers[dims]:
                        whole = dict(zip(dims, key, strict=True))
                        parts = [
                            _name(t.measure, finer, fk)
                            for fk in layers[finer]
                            if all(
                                dict(zip(finer, fk, strict=True))[d] == v for d, v in whole.items()
                            )
                        ]
                        equations.append((_name(t.measure, dims, key), parts))
    return figures, equations


def recover(published: Published) -> dict:
    """Each withheld figure's (least, greatest) value; greatest is inf when unbounded."""
    figures, equations = known_and_unknown(published)
    return _bounds(figures, equations, maybe_zero(figures, equations, guarded(published)))


def recover_by_measure(published: Published) -> dict:
    """`recover`, one measure at a time: no equation ties two measures' tables, so each
    measure's system is solved alone (the same bounds, far smaller programs)."""
    found = {}
    for measure in {t.measure for t in published.tables}:
        tables = tuple(t for t in published.tables if t.measure == measure)
        found |= recover(replace(published, tables=tables))
    return found


def guarded(published: Published) -> set:
    """The measures whose tables say they are guarded: zeros within their withheld figures
    are withheld too, so a withheld figure there may be 0."""
    return {t.measure for t in published.tables if t.guarded}


def maybe_zero(figures, equations, measures) -> set:
    """The figures within a withheld figure of a guarded table (of `measures`)."""
    return {p for whole, parts in equations if figures[whole] is None and whole[0] in measures
            for p in parts}  # fmt: skip


def zeros_beside_withheld(published: Published) -> list:
    """The zeros shown within a withheld figure of a guarded table: each says where none of
    its cases are (and beside a single withheld part, where all of them are)."""
    figures, equations = known_and_unknown(published)
    # A zero that a zero shown above it gives away (its column's total 0) tells nothing more.
    public = {p for whole, parts in equations if figures[whole] == 0 for p in parts}
    measures = guarded(published)
    return [(whole, p) for whole, parts in equations
            if figures[whole] is None and whole[0] in measures
            for p in parts if figures[p] == 0 and p not in public]  # fmt: skip


def _bounds(figures, equations, at_least_0=frozenset()) -> dict:
    """A withheld figure is at least 1, since zeros are published; one in `at_least_0` (a
    figure of a period not released, or in the breakdown of a withheld one) at least 0."""
    unknown = sorted((f for f, v in figures.items() if v is None), key=repr)
    lows = np.array([0 if f in at_least_0 else 1 for f in unknown], dtype=float)
    if not unknown:
        return {}
    col = {f: i for i, f in enumerate(unknown)}
    a = np.zeros((len(equations), len(unknown)))
    b = np.zeros(len(equations))
    for row, (whole, parts) in enumerate(equations):
        for fig, sign in [(whole, 1)] + [(p, -1) for p in parts]:
            if fig in col:
                a[row, col[fig]] += sign
            else:
                b[row] -= sign * figures[fig]
    found = {}
    cons = LinearConstraint(a, b, b)
    ints = np.ones(len(unknown))
    for fig, i in col.items():
        c = np.zeros(len(unknown))
        c[i] = 1
        lo = milp(c, constraints=cons, integrality=ints, bounds=Bounds(lows, np.inf))
        hi = milp(-c, constraints=cons, integrality=ints, bounds=Bounds(lows, np.inf))
        assert lo.status == 0, lo.message
        # Nothing bounds it from above (HiGHS says "unbounded", 3, or at times only 4):
        # the safest a withheld count can be.
        assert hi.status in (0, 3, 4), hi.message
        found[fig] = (lo.fun, -hi.fun if hi.status == 0 else np.inf)
    return found


def recover_year(releases: dict) -> dict:
    """The same attack on several releases of one year (`{period label: Published}`): for
    tables of additive measures a quarter is the sum of its months, a year of its quarters;
    a period not released is an unknown like any withheld count."""
    figures, equations, at_least_0 = {}, [], set()
    for label, published in releases.items():
        f, eqs = known_and_unknown(published)
        tag = lambda fig, label=label: (fig[0], fig[1], label)  # noqa: E731
        figures |= {tag(fig): v for fig, v in f.items()}
        equations += [(tag(w), [tag(p) for p in ps]) for w, ps in eqs]
        at_least_0 |= {tag(fig) for fig in maybe_zero(f, eqs, guarded(published))}
    year = next(iter(releases))[:4]
    quarters = [f"{year}-Q{q}" for q in range(1, 5)]
    family = [(year, quarters)] + [
        (q, [f"{year}-{m:02d}" for m in range(3 * i + 1, 3 * i + 4)])
        for i, q in enumerate(quarters)
    ]
    additive = {t.measure for p in releases.values() for t in p.tables if t.additive}
    for measure, assignment in {(m, a) for (m, a, _) in figures if m in additive}:
        for whole, parts in family:
            equations.append(((measure, assignment, whole),
                              [(measure, assignment, p) for p in parts]))  # fmt: skip
    unreleased = {fig for w, ps in equations for fig in (w, *ps) if fig not in figures}
    for fig in unreleased:
        figures[fig] = None
    return _bounds(figures, equations, frozenset(unreleased | at_least_0))
