"""A member company's own figures: the grievances of its supply chain, with the same
disclosure control as the public releases, beside the initiative's medians.

A member sees the grievances filed by it or raised at a site it shares; no risk indicator
and no referral figure (those hold the worker's safety, for the initiative's staff), and
only a closed period, like a release. Every count goes through `suppression.protect` with
the tenant's k: a member's breakdowns are small, and a count of one at a site could single
out a worker. The initiative's medians (time to acknowledge, plan, close) are given where
they come from at least k grievances, for comparison.
"""

from __future__ import annotations

import dataclasses
from typing import Any

from redress.metrics import figures
from redress.metrics.disclosure import Release
from redress.metrics.ledger import Ledger
from redress.metrics.publication import to_release
from redress.metrics.releases.document import published_json
from redress.metrics.suppression import protect
from redress.metrics.tables import TOTAL, Period

# Figures a member never sees, by measure: they are the initiative's staff's.
WITHHELD_FROM_MEMBERS = ("indicators", "referrals", *figures.CALLBACK_FIGURES)
DURATIONS = tuple(f"time_to_{d}" for d in figures.DURATIONS)


def of_member(ledger: Ledger, org: str) -> Ledger:
    """The ledger of the grievances `org` filed or shares a site of, and nothing else."""
    mine = tuple(g for g in ledger.grievances if org in g.members)
    ids = {g.id for g in mine}
    facts = tuple(f for f in ledger.facts if f.grievance in ids)
    return dataclasses.replace(ledger, grievances=mine, facts=facts, audits=(), callbacks=(),
                               calls=())  # fmt: skip


def member_release(ledger: Ledger, org: str, period: Period) -> Release:
    release = to_release(figures.compute(of_member(ledger, org), period))
    tables = tuple(t for t in release.tables
                   if t.measure.split(".")[0] not in WITHHELD_FROM_MEMBERS)  # fmt: skip
    return Release(tables, release.statistics)


def dashboard(ledger: Ledger, org: str, period: Period, k: int) -> dict[str, Any]:
    """What the member dashboard shows for `period`: the member's protected figures and the
    initiative's medians."""
    shown = protect(member_release(ledger, org, period), k)
    whole = figures.compute(ledger, period)
    initiative: dict[str, dict[str, Any] | None] = {}
    for stats in whole.statistics:
        measure, dim = stats.name.split(".")
        if measure in DURATIONS and dim == "country":
            [row] = [r for r in stats.rows if r.key == (TOTAL,)]
            keep = {"median_days": row.values.get("median_days")}
            initiative[measure] = keep if row.n >= k else None
    return {"period": period.label, "member": org, "k": k, **published_json(shown),
            "initiative": initiative}  # fmt: skip
