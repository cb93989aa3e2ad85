"""The published table set of a tenant for one closed period, computed from its rows.

Pure: the same ledger and period always give the same figures. No disclosure control here
(`redress.metrics.disclosure` applies it to what this returns). What each figure means:

- counts are of cases (grievances), each counted once per cell: received, admitted,
  rejected (by grounds: its latest rejection of the period), closed (by outcome: its latest
  closure; by remedy type: each type of its plan), reopened and withdrawn in the period;
  in progress: open at the period's end, by the stage it was at; stages overdue: deadlines
  missed in the period, by stage; indicators found at triage in the period, by group;
  referral steps taken in the period, by step; satisfaction: its latest score in the period;
- durations run from receipt to the first admissibility decision (acknowledge), to the
  start of implementation (plan) and to closure (close), in whole days in the tenant's time
  zone, counted in the period the step was taken (a case's latest of the period): the
  median and 90th percentile by nearest rank, and the share within the time frame recorded
  on the stage (for closure, the feedback time frame);
- satisfaction asked: of the cases closed in the period, the share with a score recorded
  after their closure and before the period's end;
- each share also as a count table by yes/no (`within_<kind>`, `asked`): what is published;
- the callback programme, by the audit's country: audits held, workers interviewed,
  callbacks due, made, reached, retaliation reported and grievances raised on them, and
  grievances raised on a callback whose case was closed as resolved or partly resolved;
  and, by the site's country, suppliers with a corrective action, a suspension or an exit
  decided in the period (each supplier once per figure).
"""

from __future__ import annotations

import math
from collections import defaultdict
from collections.abc import Callable, Iterable, Sequence
from datetime import datetime, time
from itertools import product
from typing import TypeVar
from zoneinfo import ZoneInfo

from redress.events.catalogue.indicators import BY_CODE
from redress.metrics.ledger import Grievance, Ledger
from redress.metrics.programme import callback_tables
from redress.metrics.tables import (
    TOTAL,
    UNKNOWN,
    Cell,
    Figures,
    Period,
    Statistics,
    Summary,
    Table,
)
from redress.metrics.timeline import Duration, Happening, Story, stories

DIMENSIONS = ("country", "member", "sector", "tier", "category", "channel", "language")
# measure -> (the name of its code, whether one case has one code in a period)
MEASURES: dict[str, tuple[str | None, bool]] = {
    "received": (None, True),
    "admissible": (None, True),
    "rejected": ("grounds", True),
    "in_progress": ("stage", True),
    "closed": ("outcome", True),
    "remedy": ("remedy", False),
    "reopened": (None, True),
    "withdrawn": (None, True),
    "overdue": ("stage", False),
    "indicators": ("group", False),
    "referrals": ("step", False),
    "satisfaction": ("score", True),
}
DURATIONS = ("acknowledge", "plan", "close")

Item = tuple[str, str | None]  # (grievance, code)
V = TypeVar("V")


def dimension(g: Grievance, name: str) -> tuple[str, ...]:
    value = {
        "country": g.country, "sector": g.sector, "tier": None if g.tier is None else str(g.tier),
        "category": g.category, "channel": g.channel, "language": g.language,
    }  # fmt: skip
    if name == "member":
        return g.members or (UNKNOWN,)
    return (value[name] or UNKNOWN,)


def groups(code: str | None) -> tuple[str, ...]:
    """The indicator groups a code counts under: trafficking (a benchmark of Recommendation 3
    of the UN guidance), forced labour (an ILO indicator), child labour."""
    indicator = BY_CODE.get(code or "")
    if indicator is None:
        return ()
    found = [
        ("trafficking", indicator.benchmark is not None),
        ("forced_labour", indicator.ilo is not None),
        ("child_labour", indicator.code == "child_labour"),
    ]
    return tuple(group for group, yes in found if yes)


def compute(ledger: Ledger, period: Period, told: dict[str, Story] | None = None) -> Figures:
    """The table set of `period`; `told` (the ledger's stories) saves reading them again when
    several periods are computed from one ledger."""
    zone = ZoneInfo(ledger.time_zone)
    start = datetime.combine(period.start, time(), zone)
    end = datetime.combine(period.end, time(), zone)
    grievances = {g.id: g for g in ledger.grievances}
    told = told if told is not None else stories(ledger)
    items = measures(told, start, end)
    tables = [
        table(f"{measure}.{dim}", code, dim, items[measure], grievances)
        for measure, (code, _) in MEASURES.items()
        for dim in DIMENSIONS
    ]
    statistics = [
        *(durations(kind, dim, told, start, end, grievances) for kind in DURATIONS
          for dim in DIMENSIONS),
        *(satisfaction(dim, items, told, start, end, grievances) for dim in DIMENSIONS),
        *(asked(dim, items, told, end, grievances) for dim in DIMENSIONS),
    ]  # fmt: skip
    tables.extend(share_tables(items, told, start, end, grievances))
    tables.extend(callback_tables(ledger, told, period, start, end))
    return Figures(ledger.tenant, period, tuple(tables), tuple(statistics))


def measures(told: dict[str, Story], start: datetime, end: datetime) -> dict[str, list[Item]]:
    found: dict[str, list[Item]] = defaultdict(list)
    for gid, story in told.items():
        latest: dict[str, Happening] = {}
        for h in story.happenings:
            if not start <= h.at < end:
                continue
            measure = {"indicator": "indicators", "referral": "referrals",
                       "missed": "overdue"}.get(h.measure, h.measure)  # fmt: skip
            if measure == "indicators":
                found[measure].extend((gid, group) for group in groups(h.code))
            elif MEASURES[measure][1]:
                latest[measure] = h
            else:
                found[measure].append((gid, h.code))
        for measure, h in latest.items():
            found[measure].append((gid, h.code))
        stage = story.stage_at(end)
        if stage is not None:
            found["in_progress"].append((gid, stage))
    return found


def table(
    name: str,
    code: str | None,
    dim: str,
    items: Iterable[Item],
    grievances: dict[str, Grievance],
) -> Table:
    """Distinct cases per cell and per margin, zero cells included."""
    dims = (code, dim) if code else (dim,)
    per: dict[tuple[str, ...], set[str]] = defaultdict(set)
    seen: list[set[str]] = [set() for _ in dims]
    for gid, value in set(items):
        for dim_value in dimension(grievances[gid], dim):
            key = (str(value), dim_value) if code else (dim_value,)
            for position, part in enumerate(key):
                seen[position].add(part)
            for mask in product((False, True), repeat=len(key)):
                per[tuple(TOTAL if m else k for k, m in zip(key, mask, strict=True))].add(gid)
    cells = tuple(Cell(key, len(per.get(key, ()))) for key in product(*(sorted(s) for s in seen)))
    margins = tuple(Cell(key, len(per[key])) for key in sorted(per) if TOTAL in key) or (
        Cell((TOTAL,) * len(dims), 0),
    )
    return Table(name, dims, cells, margins)


def nearest_rank(values: Sequence[int], share: float) -> int:
    return sorted(values)[max(math.ceil(share * len(values)), 1) - 1]


def by_dimension(
    name: str,
    dim: str,
    per_case: dict[str, V],
    grievances: dict[str, Grievance],
    summarise: Callable[[list[V]], dict[str, float | None]],
) -> Statistics:
    """A row per value of the dimension and a TOTAL row, each with its number of cases."""
    rows_: dict[str, list[V]] = defaultdict(list)
    for gid in sorted(per_case):
        for dim_value in dimension(grievances[gid], dim):
            rows_[dim_value].append(per_case[gid])
    rows = [Summary((k,), len(v), summarise(v)) for k, v in sorted(rows_.items())]
    whole = [per_case[g] for g in sorted(per_case)]
    rows.append(Summary((TOTAL,), len(whole), summarise(whole) if whole else {}))
    return Statistics(name, (dim,), tuple(rows))


def latest_durations(
    kind: str, told: dict[str, Story], start: datetime, end: datetime
) -> dict[str, Duration]:
    """Per case, its latest duration of `kind` taken in the period."""
    latest: dict[str, Duration] = {}
    for gid, story in told.items():
        for d in story.durations:
            if d.kind == kind and start <= d.at < end:
                latest[gid] = d
    return latest


def share_tables(
    items: dict[str, list[Item]],
    told: dict[str, Story],
    start: datetime,
    end: datetime,
    grievances: dict[str, Grievance],
) -> list[Table]:
    """The shares as counts by yes/no, for disclosure control to see: `within_<kind>` (done
    by the due date), `asked` (of the cases closed, a score recorded after closure)."""
    tables = []
    for kind in DURATIONS:
        latest = latest_durations(kind, told, start, end)
        yes_no = [(gid, "yes" if d.within else "no") for gid, d in latest.items()]
        tables += [table(f"within_{kind}.{dim}", "within", dim, yes_no, grievances)
                   for dim in DIMENSIONS]  # fmt: skip
    answered = asked_cases(items, told, end)
    yes_no = [(gid, "yes" if a else "no") for gid, a in answered.items()]
    tables += [table(f"asked.{dim}", "asked", dim, yes_no, grievances) for dim in DIMENSIONS]
    return tables


def durations(
    kind: str,
    dim: str,
    told: dict[str, Story],
    start: datetime,
    end: datetime,
    grievances: dict[str, Grievance],
) -> Statistics:
    latest = latest_durations(kind, told, start, end)

    def summarise(taken: list[Duration]) -> dict[str, float | None]:
        days = [d.days for d in taken]
        return {"median_days": nearest_rank(days, 0.5), "p90_days": nearest_rank(days, 0.9),
                "within_share": sum(d.within for d in taken) / len(taken)}  # fmt: skip

    return by_dimension(f"time_to_{kind}.{dim}", dim, latest, grievances, summarise)


def satisfaction(
    dim: str,
    items: dict[str, list[Item]],
    told: dict[str, Story],
    start: datetime,
    end: datetime,
    grievances: dict[str, Grievance],
) -> Statistics:
    scores = {gid: float(code or 0) for gid, code in items["satisfaction"]}
    return by_dimension(
        f"satisfaction.{dim}", dim, scores, grievances, lambda v: {"mean": sum(v) / len(v)}
    )


def asked(
    dim: str,
    items: dict[str, list[Item]],
    told: dict[str, Story],
    end: datetime,
    grievances: dict[str, Grievance],
) -> Statistics:
    """Of the cases closed in the period, the share with a score after their closure."""
    answered = {gid: float(a) for gid, a in asked_cases(items, told, end).items()}
    return by_dimension(
        f"satisfaction_asked.{dim}", dim, answered, grievances,
        lambda v: {"share": sum(v) / len(v)},
    )  # fmt: skip


def asked_cases(
    items: dict[str, list[Item]], told: dict[str, Story], end: datetime
) -> dict[str, bool]:
    """Of the cases closed in the period, whether a score was recorded after their closure."""
    answered: dict[str, bool] = {}
    for gid, _ in items["closed"]:
        story = told[gid]
        closed = max(h.at for h in story.happenings if h.measure == "closed" and h.at < end)
        answered[gid] = any(
            h.measure == "satisfaction" and closed <= h.at < end for h in story.happenings
        )
    return answered
