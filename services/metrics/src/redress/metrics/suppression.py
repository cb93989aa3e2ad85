"""Choosing what to withhold: primary cells, then complements until the audit passes.

The heuristic is the classic one of statistical offices' cell suppression (hypercube and
"smallest cell in the same row or column" methods, as in tau-ARGUS's documentation):

1. withhold every count from 1 to k-1 (primary);
2. in every equation (a margin and its parts) of a guarded table (signs of trafficking,
   forced or child labour; referrals; retaliation) whose margin is withheld, withhold the
   zeros among its parts: "none here" beside a withheld count says where a group's cases
   are not, and beside a single withheld part, where all of them are (all the child-labour
   cases of a month at one site). Elsewhere zeros are shown, so a reader knows that a
   withheld count is at least 1 unless it lies within a withheld one of a guarded table.
   Then, where the withheld
   parts leave each of them k or fewer values once the published ones are subtracted, or
   where a withheld margin has no withheld part, also withhold the smallest published part
   (a margin only when no part is left);
3. bound each withheld fact by the audit (`redress.metrics.audit`); while one is pinned to
   within k, withhold the smallest published fact of an equation it is in (where every
   part of those is withheld already, of the equations that tie it to other withheld facts:
   only those can be what pins it), apply 2 again, and queue what was withheld for its own
   check.

Smallest first loses the least information; each step withholds one more fact, and with
everything withheld nothing is bounded, so it ends. Withholding never narrows an interval,
so a fact once found safe stays safe, and every withheld fact is checked once at least.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence

from redress.metrics.audit import Audited, Equations, intervals, least, unheard
from redress.metrics.disclosure import (
    Fact,
    Facts,
    Published,
    PublishedTable,
    Release,
    check_k,
    primary,
    publish,
)
from redress.metrics.history import Earlier, Linked, facts_of, links


def protect(
    release: Release, k: int, period: str | None = None, earlier: Sequence[Earlier] = (),
    corrected: Sequence[PublishedTable] = (), audited: Audited = unheard,
) -> Published:  # fmt: skip
    """The release with every count below k withheld, and enough others that none of them
    can be recomputed from what is shown (checked by solving the release's equations), nor
    any count an `earlier` release of the same year withheld.

    A correction (`corrected`: the tables of the release it corrects, as published) also
    withholds every count that changed from a count shown there by fewer than k: the two
    stay public side by side, and a count that went from 14 to 13 while the total stayed
    the same told a reader that one grievance moved to a count the correction withheld.

    `audited` hears how many withheld facts the audit has bounded, of how many so far: each
    round of complements adds the facts it withheld to the count still to bound."""
    check_k(k)
    facts = Facts(release)
    linked = links(period, release, facts.own, earlier) if period else Linked()
    facts.link(linked.known, linked.equations, linked.at_least_one)
    equations = Equations(facts)
    withheld = primary({f: facts.values[f] for f in facts.own}, k)
    shown_before = {f: c for t in corrected for f, c in facts_of(t, t.measure).items()}
    withheld |= {
        f for f in facts.own
        if (was := shown_before.get(f)) is not None and 0 < abs(facts.values[f] - was) < k
    }  # fmt: skip
    _close_equations(facts, withheld, k)
    # Withholding more never narrows a fact found safe: only the others are checked again.
    withheld |= linked.hidden | linked.unreleased
    # An earlier release's withheld count was safe when it was published; it needs checking
    # again only where this release's counts reach it.
    reached = {f for f in linked.hidden if _reaches(equations, f, withheld, facts.own)}
    unchecked = (withheld & facts.own) | reached
    # What earlier releases pin, with all this release can withhold withheld (every count
    # of at least 1, and the zeros step 2 withholds; the other zeros show, ADR 41), is
    # public already: nothing this release withholds can hide it, so it is not this audit's
    # to fail (ADR 43). Withheld down to that, nothing else can be pinned: the loop ends.
    exempt: set[Fact] = set()
    tally = _Tally(audited)
    if linked.equations:
        everything = withheld | {f for f in facts.own if facts.values[f] >= 1}
        _close_equations(facts, everything, k)
        baseline = intervals(facts, everything, unchecked | facts.own, tally.round())
        exempt = {f for f, i in baseline.items() if i.width <= k}
        unchecked -= exempt
    while unchecked:
        found = intervals(facts, withheld, unchecked, tally.round())
        pinned = {f for f, i in found.items() if i.width <= k} - exempt
        unchecked = set(pinned)
        touched: set[Fact] = set()
        progressed = False
        for fact in sorted(pinned, key=lambda f: (facts.values.get(f, 0), f)):
            if fact in touched:
                continue  # a fact withheld beside it this round may be enough
            around = [equations.rows[r] for r in equations.of.get(fact, ())]
            members = {m for w, ps in around for m in (w, *ps)}
            # Its own equations first; where all their parts are withheld already, what
            # still pins it is a published count further along the withheld facts it is
            # tied to: the smallest of those goes, never an unrelated count elsewhere.
            pick = (_smallest(facts, withheld, members)
                    or _smallest(facts, withheld, _around(equations, fact, withheld))
                    or _smallest(facts, withheld, facts.values))  # fmt: skip
            if pick is None:
                if not progressed:  # pragma: no cover - all withheld leaves nothing bounded
                    raise AssertionError("suppression found nothing more to withhold")
                continue  # everything got withheld this round: checked again next round
            before = set(withheld)
            withheld.add(pick)
            progressed = True
            _close_equations(facts, withheld, k)
            unchecked |= withheld - before
            touched |= members
    return publish(release, k, withheld)


class _Tally:
    """The audit's progress over every round of complements: the facts bounded in earlier
    rounds count as done, and each round adds its own to the total."""

    def __init__(self, audited: Audited) -> None:
        self.audited, self.before, self.last = audited, 0, 0

    def round(self) -> Audited:
        self.before += self.last
        self.last = 0

        def told(done: int, of: int) -> None:
            self.last = of
            self.audited(self.before + done, self.before + of)

        return told


def _close_equations(facts: Facts, withheld: set[Fact], k: int) -> None:
    """Step 2: cheap rules that settle most equations before the audit is asked."""
    values = facts.values
    wholes: dict[Fact, list[Fact]] = {}
    for whole, parts in facts.guarded_equations:
        for part in parts:
            wholes.setdefault(part, []).append(whole)
    changed = True
    while changed:
        changed = False
        lows = least(facts, withheld)
        for whole, parts in facts.equations:
            if (
                whole in withheld
                and whole[0] in facts.guarded
                and (masked := _zeros(values, withheld, parts, wholes))
            ):
                withheld |= masked
                lows |= dict.fromkeys(parts, 0)
                changed = True
            hidden = [p for p in parts if p in withheld]
            if whole not in withheld:
                # The withheld parts add up to a known sum; each is at least its least
                # (`audit.least`: 1, or 0 where it may be a zero withheld), so each lies
                # between that and the sum less the least of each of the others.
                left = sum(values[p] - lows.get(p, 1) for p in hidden)
                if not hidden or left > k:
                    continue
                # The smallest part that is enough on its own (each withheld part then has
                # more than k values), else the smallest: one more 1 beside a 2 hides little.
                pick = (_smallest(facts, withheld, parts, least=k + 2 - left)
                        or _smallest(facts, withheld, parts)
                        or (whole if values[whole] > 0 else None))  # fmt: skip
            elif hidden:
                continue
            else:  # a withheld margin whose parts are all shown is their sum
                pick = _smallest(facts, withheld, parts)
            if pick is not None and pick not in withheld:
                withheld.add(pick)
                changed = True


def _zeros(
    values: Mapping[Fact, int], withheld: set[Fact], parts: Iterable[Fact],
    wholes: Mapping[Fact, list[Fact]],
) -> set[Fact]:  # fmt: skip
    """The zeros shown among the parts of a withheld count: each says where none of its
    cases are, and beside one withheld part, where all of them are. Not one that a zero
    shown above it gives away (a column of zeros, its total 0): withheld, it would be
    pinned to 0 all the same, and whatever were withheld to hide it would be lost."""
    return {
        p for p in parts
        if values[p] == 0 and p not in withheld
        and not any(values[w] == 0 and w not in withheld for w in wholes.get(p, ()))
    }  # fmt: skip


def _smallest(
    facts: Facts, withheld: set[Fact], candidates: Iterable[Fact], least: int = 1
) -> Fact | None:
    """The release's own published candidate with the smallest count of at least `least`;
    on a tie the finest, i.e. a cell before a margin. Never a zero: zeros are shown (but
    within a withheld count of a guarded table), so that a reader knows a withheld count
    is at least 1 (and the audit knows it too)."""
    own = (c for c in candidates if c in facts.own and c not in withheld)
    shown = [c for c in own if facts.values[c] >= max(least, 1)]
    if not shown:
        return None
    return min(shown, key=lambda c: (facts.values[c], -len(c[1]), c))


def _around(equations: Equations, fact: Fact, withheld: set[Fact]) -> set[Fact]:
    """Every fact of the equations that tie `fact` to other withheld facts, however far."""
    rows = (equations.rows[r] for r in equations.component(fact, withheld))
    return {m for whole, parts in rows for m in (whole, *parts)}


def _reaches(equations: Equations, fact: Fact, withheld: set[Fact], own: frozenset[Fact]) -> bool:
    rows = (equations.rows[r] for r in equations.component(fact, withheld))
    return any(m in own for whole, parts in rows for m in (whole, *parts))
