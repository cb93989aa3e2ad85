"""The attack a reader could make on a release, made here first: solve its tables.

Each margin of each table is an equation (the margin is the sum of the facts one dimension
finer); the published facts are constants in them. For every withheld fact this finds the
least and the greatest whole number it can be, given every equation and that no count is
negative, and no withheld count of the release zero (zeros are shown, so a reader knows a
withheld count is at least 1): an integer program (HiGHS through `scipy.optimize.milp`),
min and max, per fact.
A withheld fact is *exposed* when that interval is k wide or narrower: a reader would pin
it to within k. Facts only meet through equations, so each connected group of withheld
facts is solved on its own.

Withholding one more fact can only widen the others' intervals (the old solution, with that
fact at its value, still fits), so a fact found safe stays safe as suppression goes on.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np
from scipy.optimize import Bounds, LinearConstraint, linprog, milp
from scipy.sparse import lil_matrix

from redress.metrics.disclosure import Fact, Facts


@dataclass(frozen=True)
class Interval:
    low: float
    high: float  # math.inf when nothing bounds the fact from above

    @property
    def width(self) -> float:
        return self.high - self.low


class Equations:
    """The release's equations, indexed by the facts in them."""

    def __init__(self, facts: Facts) -> None:
        self.facts = facts
        self.rows = facts.all_equations
        self.of: dict[Fact, list[int]] = {}
        for i, (whole, parts) in enumerate(self.rows):
            for member in (whole, *parts):
                self.of.setdefault(member, []).append(i)

    def component(self, fact: Fact, withheld: set[Fact]) -> list[int]:
        """The equations that tie `fact` to other withheld facts, directly or through others."""
        seen_facts, seen_rows, todo = {fact}, set[int](), [fact]
        while todo:
            for row in self.of.get(todo.pop(), ()):
                if row in seen_rows:
                    continue
                seen_rows.add(row)
                whole, parts = self.rows[row]
                for member in (whole, *parts):
                    if member in withheld and member not in seen_facts:
                        seen_facts.add(member)
                        todo.append(member)
        return sorted(seen_rows)

    def interval(self, fact: Fact, withheld: set[Fact]) -> Interval:
        rows = self.component(fact, withheld)
        return _solve([self.rows[r] for r in rows], withheld, self.facts.values, [fact])[fact]


def intervals(
    facts: Facts, withheld: set[Fact], only: set[Fact] | None = None
) -> dict[Fact, Interval]:
    """The feasible interval of each withheld fact (or of those in `only`), given everything
    published."""
    equations = Equations(facts)
    wanted = sorted(withheld if only is None else only & withheld)
    out: dict[Fact, Interval] = {}
    done: set[Fact] = set()
    for fact in wanted:
        if fact in done:
            continue
        rows = [equations.rows[r] for r in equations.component(fact, withheld)]
        members = {m for w, ps in rows for m in (w, *ps) if m in withheld} | {fact}
        group = sorted(members & set(wanted))
        done |= members
        out |= _solve(rows, withheld, facts.values, group)
    return out


def exposed(facts: Facts, withheld: set[Fact], k: int) -> dict[Fact, Interval]:
    """The withheld facts a reader could pin to within k (the audit fails on any)."""
    return {f: i for f, i in intervals(facts, withheld).items() if i.width <= k}


def _solve(
    equations: list[tuple[Fact, list[Fact]]],
    withheld: set[Fact],
    values: Mapping[Fact, int],
    wanted: list[Fact],
) -> dict[Fact, Interval]:
    if not equations:  # in no equation: only its least value
        return {f: Interval(_least(f, values), math.inf) for f in wanted}
    unknowns = sorted({m for w, ps in equations for m in (w, *ps) if m in withheld})
    lows = np.array([_least(f, values) for f in unknowns], dtype=float)
    column = {f: i for i, f in enumerate(unknowns)}
    a = lil_matrix((len(equations), len(unknowns)))
    b = np.zeros(len(equations))
    for row, (whole, parts) in enumerate(equations):
        # whole - sum(parts) = 0, published terms moved to the right-hand side
        for fact, sign in ((whole, 1), *((p, -1) for p in parts)):
            if fact in column:
                a[row, column[fact]] += sign
            else:
                b[row] -= sign * values[fact]
    matrix = a.tocsr()
    out = {}
    for fact in wanted:
        objective = np.zeros(len(unknowns))
        objective[column[fact]] = 1.0
        low = _optimum(objective, matrix, b, lows)
        if low is None:  # pragma: no cover - the truth always fits its own equations
            raise ArithmeticError("the release's equations have no solution")
        high = _optimum(-objective, matrix, b, lows)
        out[fact] = Interval(low, math.inf if high is None else -high)
    return out


def _least(fact: Fact, values: Mapping[Fact, int]) -> int:
    """What a reader knows a withheld count is at least: 1 for the release's own (a zero is
    shown, never withheld), 0 for a count of a period not published (or, in a release made
    before zeros were always shown, a zero withheld)."""
    return 1 if values.get(fact, 0) > 0 else 0


def _optimum(objective: Any, matrix: Any, b: Any, lows: Any) -> int | None:
    """The least whole value of `objective` over the integer solutions of `matrix x = b`
    with each unknown at least its `lows`; None when unbounded below.

    The linear relaxation first (a few times faster): where its optimal vertex is whole,
    it is the integer optimum too, as it is for most tables (two-way tables always); else
    the integer program decides.
    """
    bounds = [(low, None) for low in lows]
    relaxed = linprog(objective, A_eq=matrix, b_eq=b, bounds=bounds, method="highs")
    if relaxed.status == 3:
        return None  # unbounded relaxed is unbounded in whole numbers too (rational data)
    if relaxed.status == 0 and np.allclose(relaxed.x, np.round(relaxed.x), atol=1e-7):
        return round(float(relaxed.fun))
    whole = milp(objective, constraints=LinearConstraint(matrix, b, b),
                 integrality=np.ones(len(objective)), bounds=Bounds(lows, np.inf))  # fmt: skip
    if whole.status == 0:
        return round(float(whole.fun))
    raise ArithmeticError(f"the audit could not bound a withheld count: {whole.message}")
