"""The attack a reader could make on a release, made here first: solve its tables.

Each margin of each table is an equation (the margin is the sum of the facts one dimension
finer); the published facts are constants in them. For every withheld fact this finds the
least and the greatest whole number it can be, given every equation and that no count is
negative, and what a reader knows of the least a withheld count can be (`least`): an integer
program (HiGHS, through `highspy`), min and max, per fact.
A withheld fact is *exposed* when that interval is k wide or narrower: a reader would pin
it to within k. Facts only meet through equations, so each connected group of withheld
facts is solved on its own.

Withholding one more fact can only widen the others' intervals (the old solution, with that
fact at its value, still fits), so a fact found safe stays safe as suppression goes on.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any, Literal

import highspy
import numpy as np

from redress.metrics.disclosure import Fact, Facts, within_withheld

Audited = Callable[[int, int], None]
"""Told as the audit goes: how many withheld facts it has bounded, of how many. Publishing
shows it to the admin waiting (a release of a large tenant takes a minute); the audit stays
pure, whoever listens is handed in."""


def unheard(audited: int, of: int) -> None:
    """No one is waiting to hear how far the audit is."""


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


def intervals(
    facts: Facts, withheld: set[Fact], only: set[Fact] | None = None, audited: Audited = unheard
) -> dict[Fact, Interval]:
    """The feasible interval of each withheld fact (or of those in `only`), given everything
    published; `audited` is told after each group of them is solved."""
    equations = Equations(facts)
    lows = least(facts, withheld)
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
        out |= _solve(rows, withheld, facts.values, lows, group)
        audited(len(out), len(wanted))
    return out


def exposed(facts: Facts, withheld: set[Fact], k: int) -> dict[Fact, Interval]:
    """The withheld facts a reader could pin to within k (the audit fails on any)."""
    return {f: i for f, i in intervals(facts, withheld).items() if i.width <= k}


def _solve(
    equations: list[tuple[Fact, list[Fact]]],
    withheld: set[Fact],
    values: Mapping[Fact, int],
    lows: Mapping[Fact, int],
    wanted: list[Fact],
) -> dict[Fact, Interval]:
    if not equations:  # in no equation: only its least value
        return {f: Interval(lows[f], math.inf) for f in wanted}
    unknowns = sorted({m for w, ps in equations for m in (w, *ps) if m in withheld})
    column = {f: i for i, f in enumerate(unknowns)}
    entries: list[dict[int, float]] = [{} for _ in unknowns]  # column -> {row: coefficient}
    b = np.zeros(len(equations))
    for row, (whole, parts) in enumerate(equations):
        # whole - sum(parts) = 0, published terms moved to the right-hand side
        for fact, sign in ((whole, 1), *((p, -1) for p in parts)):
            if fact in column:
                entries[column[fact]][row] = entries[column[fact]].get(row, 0) + sign
            else:
                b[row] -= sign * values[fact]
    program = _Program(entries, b, [lows[f] for f in unknowns])
    out = {}
    for fact in wanted:
        low = program.least(column[fact], 1.0)
        if low is None:  # pragma: no cover - the truth always fits its own equations
            raise ArithmeticError("the release's equations have no solution")
        high = program.least(column[fact], -1.0)
        out[fact] = Interval(low, math.inf if high is None else -high)
    return out


class _Program:
    """One group's equations as one HiGHS model, minimised for one objective after another.

    HiGHS starts each solve from the basis the last one left (only the objective changes),
    which makes the hundreds of solves of a release a few times faster than a new program
    for each. The linear relaxation is solved first: where its optimal vertex is whole, it
    is the integer optimum too, as it is for most tables (two-way tables always); else the
    same model is solved once as an integer program.
    """

    def __init__(self, entries: list[dict[int, float]], b: Any, lows: list[int]) -> None:
        self.columns = len(entries)
        lp = highspy.HighsLp()
        lp.num_col_, lp.num_row_ = self.columns, len(b)
        lp.col_cost_ = np.zeros(self.columns)
        lp.col_lower_ = np.array(lows, dtype=float)
        lp.col_upper_ = np.full(self.columns, highspy.kHighsInf)
        lp.row_lower_ = lp.row_upper_ = b
        lp.a_matrix_.format_ = highspy.MatrixFormat.kColwise
        lp.a_matrix_.start_ = np.cumsum([0, *map(len, entries)], dtype=np.int32)
        lp.a_matrix_.index_ = np.array([r for e in entries for r in sorted(e)], dtype=np.int32)
        lp.a_matrix_.value_ = np.array([e[r] for e in entries for r in sorted(e)], dtype=float)
        self.highs = highspy.Highs()  # type: ignore[no-untyped-call]  # its __init__ is unannotated
        self.highs.setOptionValue("output_flag", False)
        self.highs.passModel(lp)
        self.all = np.arange(self.columns, dtype=np.int32)

    def least(self, column: int, sign: float) -> int | None:
        """The least whole value of `sign` times the unknown in `column`; None when it is
        unbounded below."""
        self.highs.changeColCost(column, sign)
        try:
            if (found := self._run()) is not False:
                return found
            self._integral(highspy.HighsVarType.kInteger)
            try:
                found = self._run(whole=True)
            finally:
                self._integral(highspy.HighsVarType.kContinuous)
            if found is False:  # pragma: no cover - an integer program's optimum is whole
                raise ArithmeticError("the audit could not bound a withheld count")
            return found
        finally:
            self.highs.changeColCost(column, 0.0)

    def _run(self, whole: bool = False) -> int | Literal[False] | None:
        """The optimum; None when unbounded; False when the relaxation's vertex is not whole."""
        self.highs.run()
        status = self.highs.getModelStatus()
        if status not in _SETTLED:
            # From a basis an unbounded solve left, HiGHS can end without a verdict
            # ("unknown"); from no basis it settles.
            self.highs.clearSolver()
            self.highs.run()
            status = self.highs.getModelStatus()
        if status in (_UNBOUNDED, _UNBOUNDED_OR_INFEASIBLE):
            return None  # unbounded relaxed is unbounded in whole numbers too (rational data)
        if status != highspy.HighsModelStatus.kOptimal:
            raise ArithmeticError(f"the audit could not bound a withheld count: {status}")
        x = np.asarray(self.highs.getSolution().col_value)
        if not whole and not np.allclose(x, np.round(x), atol=1e-7):
            return False
        return round(self.highs.getInfo().objective_function_value)

    def _integral(self, kind: highspy.HighsVarType) -> None:
        self.highs.changeColsIntegrality(
            self.columns, self.all, np.full(self.columns, int(kind), dtype=np.uint8)
        )


_UNBOUNDED = highspy.HighsModelStatus.kUnbounded
_UNBOUNDED_OR_INFEASIBLE = highspy.HighsModelStatus.kUnboundedOrInfeasible
_SETTLED = (highspy.HighsModelStatus.kOptimal, _UNBOUNDED, _UNBOUNDED_OR_INFEASIBLE)


def least(facts: Facts, withheld: set[Fact]) -> dict[Fact, int]:
    """What a reader knows each withheld count is at least: 1, since zeros are shown; but 0
    within a withheld count of a guarded table, where zeros are withheld too (ADR 42), and
    0 for a count of a period not published, or withheld by a release that does not say
    which of its tables are guarded (made before ADR 42, and before ADR 41 a zero could be
    withheld anywhere)."""
    maybe_zero = within_withheld(facts.guarded_equations, withheld)

    def floor(f: Fact) -> int:
        if f not in facts.own:  # withheld by an earlier release, or of a period not released
            return 1 if f in facts.at_least_one else 0
        return 0 if f in maybe_zero or facts.values[f] == 0 else 1

    return {f: floor(f) for f in withheld}
