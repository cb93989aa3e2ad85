"""A member company's own figures: the grievances of its supply chain, with the same
disclosure control as the public releases, beside the initiative's medians.

A member sees the grievances filed by it or raised at a site it shares; no risk indicator
and no referral figure (those hold the worker's safety, for the initiative's staff), and
only a closed period, like a release. Every count goes through `suppression.protect` with
the tenant's k: a member's breakdowns are small, and a count of one at a site could single
out a worker. The initiative's medians (time to acknowledge, plan, close) are given where
they come from at least k grievances, for comparison.

The plan actions a member company owns are counted as they stand now: open (not done, its
case not closed) and, of those, overdue (due before today), by remedy type, protected the
same way. It owns those the cases service lists as its own (`owns`): never another member's,
nor one of a case at a site it shares that no member owns.
"""

from __future__ import annotations

import dataclasses
from collections import Counter
from datetime import date, datetime
from types import MappingProxyType
from typing import Any
from zoneinfo import ZoneInfo

from redress.metrics import figures, programme
from redress.metrics.disclosure import Release, Table
from redress.metrics.ledger import Action, Ledger
from redress.metrics.publication import to_release
from redress.metrics.releases.document import published_json
from redress.metrics.suppression import protect
from redress.metrics.tables import TOTAL, Period, period_of
from redress.metrics.timeline import stories

# Figures a member never sees, by measure: they are the initiative's staff's.
WITHHELD_FROM_MEMBERS = ("indicators", "referrals", *programme.CALLBACK_FIGURES)
DURATIONS = tuple(f"time_to_{d}" for d in figures.DURATIONS)
MEMBER_OWNER = "member_company"
ACTION_STATES = ("overdue", "not_due")


def of_member(ledger: Ledger, org: str) -> Ledger:
    """The ledger of the grievances `org` filed or shares a site of, and nothing else."""
    mine = tuple(g for g in ledger.grievances if org in g.members)
    ids = {g.id for g in mine}
    facts = tuple(f for f in ledger.facts if f.grievance in ids)
    actions = tuple(a for a in ledger.actions if a.grievance in ids)
    return dataclasses.replace(ledger, grievances=mine, facts=facts, audits=(), callbacks=(),
                               calls=(), actions=actions)  # fmt: skip


def owns(action: Action, org: str) -> bool:
    """Whether `org` owns the action, as `GET /v1/plan-actions` of cases decides it: of kind
    member company, named for `org`, on a case whose member company `org` is now."""
    return action.owner == MEMBER_OWNER and action.owner_org == org == action.member_org


def member_release(ledger: Ledger, org: str, period: Period) -> Release:
    release = to_release(figures.compute(of_member(ledger, org), period))
    tables = tuple(t for t in release.tables
                   if t.measure.split(".")[0] not in WITHHELD_FROM_MEMBERS)  # fmt: skip
    return Release(tables, release.statistics)


def plan_actions(ledger: Ledger, org: str, now: datetime) -> Release:
    """The actions `org` owns on its supply chain's grievances, open at `now`, by whether
    they are overdue (due before the tenant's today) and by remedy type."""
    mine = of_member(ledger, org)
    today = now.astimezone(ZoneInfo(ledger.time_zone)).date()
    told = stories(mine)
    counted: Counter[tuple[str, ...]] = Counter()
    for a in mine.actions:
        if not owns(a, org) or (a.done_at is not None and a.done_at <= now):
            continue
        if told[a.grievance].stage_at(now) is None:
            continue  # its case is closed (or was never opened): the plan ended with it
        counted[("overdue" if a.due_on < today else "not_due", a.remedy)] += 1
    remedies = tuple(sorted({a.remedy for a in mine.actions if owns(a, org)}))
    # One measure, open actions, by whether they are overdue: the open total is the margin
    # of the two, so disclosure control sees the relation.
    values = MappingProxyType({"state": ACTION_STATES, "remedy": remedies})
    table = Table("actions.remedy", "actions", ("state", "remedy"),
                  MappingProxyType(dict(counted)), values)  # fmt: skip
    return Release((table,))


def quarters_with_figures(ledger: Ledger, org: str) -> list[Period]:
    """The quarters in which a grievance of `org`'s supply chain was received or moved (a
    decision, a closure, ...), in order: those its dashboard has figures for."""
    zone = ZoneInfo(ledger.time_zone)
    mine = of_member(ledger, org)
    moments = [g.received_at for g in mine.grievances] + [f.at for f in mine.facts]
    found = {period_of("quarter", m.astimezone(zone).date()) for m in moments}
    return sorted(found, key=lambda q: q.start)


def latest_with_figures(ledger: Ledger, org: str, today: date) -> Period | None:
    """The latest quarter over on `today` (the tenant's) that has figures for `org`: the
    last closed quarter may have none (a supply chain quiet since, a demonstration's data)."""
    closed = [q for q in quarters_with_figures(ledger, org) if q.end <= today]
    return closed[-1] if closed else None


def dashboard(ledger: Ledger, org: str, period: Period, k: int, now: datetime) -> dict[str, Any]:
    """What the member dashboard shows for `period`: the member's protected figures, the
    initiative's medians, and the plan actions it owns as they stand at `now`."""
    shown = protect(member_release(ledger, org, period), k)
    actions = protect(plan_actions(ledger, org, now), k)
    whole = figures.compute(ledger, period)
    initiative: dict[str, dict[str, Any] | None] = {}
    for stats in whole.statistics:
        measure, dim = stats.name.split(".")
        if measure in DURATIONS and dim == "country":
            [row] = [r for r in stats.rows if r.key == (TOTAL,)]
            keep = {"median_days": row.values.get("median_days")}
            initiative[measure] = keep if row.n >= k else None
    return {"period": period.label, "member": org, "k": k, **published_json(shown),
            "initiative": initiative, "as_of": now.isoformat(),
            "actions": published_json(actions)["tables"]}  # fmt: skip
