"""The figures as they must be, computed from the generator's own records of what it did.

Independent of the metrics service: nothing here reads an event, a projection or
`redress.metrics.figures`; it follows each grievance's steps as the generator took them.
The rules are those docs/metrics.md states, said again in the plainest way.
"""

from __future__ import annotations

import math
from collections import defaultdict
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from redress.events.catalogue.indicators import BY_CODE
from redress.synth.plan import GrievancePlan, Step
from redress.synth.run import Recorded
from redress.synth.world import FRAMES, TIME_ZONE

ZONE = ZoneInfo(TIME_ZONE)
ALL = "*"
NONE = "unknown"
DIMS = ("country", "member", "sector", "tier", "category", "channel", "language")


def day(at: datetime) -> date:
    return at.astimezone(ZONE).date()


def values(g: GrievancePlan, dim: str) -> tuple[str, ...]:
    if dim == "member":
        return g.members or (NONE,)
    site = g.site
    found = {
        "country": g.country, "sector": site.sector if site else None,
        "tier": str(site.tier) if site else None, "category": g.category,
        "channel": g.channel, "language": g.language,
    }[dim]  # fmt: skip
    return (found or NONE,)


def groups(code: str) -> list[str]:
    i = BY_CODE[code]
    return [name for name, yes in (("trafficking", i.benchmark is not None),
                                   ("forced_labour", i.ilo is not None),
                                   ("child_labour", code == "child_labour")) if yes]  # fmt: skip


def reports(recorded: Recorded) -> list[GrievancePlan]:
    """Retaliation told on a call, as the cases it opened at once: received then, category
    retaliation, by callback, at the audited site; no step taken on them since."""
    found = []
    for a in recorded.audits:
        for language, call in zip(a.languages, a.calls, strict=True):
            if call is not None and call.report_id is not None:
                found.append(GrievancePlan(-1, call.report_id, "callback", a.site, a.site.country,
                                           language, "retaliation", None, False,
                                           [Step(call.at, "file")]))  # fmt: skip
    return found


def complaints(recorded: Recorded) -> list[GrievancePlan]:
    """Every case a worker's complaint opened: the grievances and the retaliation reports."""
    return [*recorded.grievances, *reports(recorded)]


class Truth:
    def __init__(self, recorded: Recorded, start: date, end: date) -> None:
        self.recorded = recorded
        self.start = datetime.combine(start, time(), ZONE)
        self.end = datetime.combine(end, time(), ZONE)
        self.period = (start, end)

    def within(self, at: datetime) -> bool:
        return self.start <= at < self.end

    def measures(self) -> dict[str, dict[str, set[str | None]]]:
        """measure -> grievance -> the codes it counts under in the period."""
        found: dict[str, dict[str, set[str | None]]] = defaultdict(lambda: defaultdict(set))
        for g in complaints(self.recorded):
            last: dict[str, str | None] = {}
            rejected_before = False
            remedies: list[str] = []
            stage: str | None = None
            in_progress: str | None = None
            for s in g.steps:
                seen = self.within(s.at)
                k, code = s.kind, s.code
                if k == "file":
                    stage = "admissibility"
                    if seen:
                        last["received"] = None
                elif (k == "accept" or (k == "reopen" and rejected_before)) and seen:
                    last["admissible"] = None
                if k == "reject":
                    rejected_before, stage = True, None
                    if seen:
                        last["rejected"] = code
                elif k == "accept" or k == "reopen":
                    rejected_before, stage = False, "verification"
                    if seen and k == "reopen":
                        last["reopened"] = None
                elif k == "advance":
                    stage = code
                elif k == "close":
                    stage = None
                    if seen:
                        last["closed"] = code
                        found["remedy"][g.grievance_id].update(remedies)
                elif k == "action":
                    remedies.append(code or "")
                elif k == "withdraw" and seen:
                    last["withdrawn"] = None
                elif k == "miss" and seen:
                    found["overdue"][g.grievance_id].add(code)
                elif k == "satisfaction" and seen:
                    last["satisfaction"] = code
                elif k == "triage" and seen:
                    for indicator in filter(None, (code or "|").split("|")[0].split(",")):
                        found["indicators"][g.grievance_id].update(groups(indicator))
                    if g.partner:
                        found["referrals"][g.grievance_id].add("opened")
                if seen and k in REFERRAL_STEPS:
                    found["referrals"][g.grievance_id].update(REFERRAL_STEPS[k](code))
                if s.at < self.end:
                    in_progress = stage
            for measure, code in last.items():
                found[measure][g.grievance_id].add(code)
            if g.steps[0].at < self.end and in_progress is not None:
                found["in_progress"][g.grievance_id].add(in_progress)
        return found

    def durations(self) -> dict[str, dict[str, tuple[int, bool]]]:
        """kind -> grievance -> (days, within its time frame), the latest in the period."""
        found: dict[str, dict[str, tuple[int, bool]]] = defaultdict(dict)
        for g in complaints(self.recorded):
            received = g.steps[0].at
            decided = False
            plan_started: date | None = None
            counted_from = day(received)  # a reopened case's time frames count from reopening
            for s in g.steps:
                if s.kind == "reopen":
                    counted_from = day(s.at)
                days = (day(s.at) - day(received)).days
                if s.kind in ("accept", "reject") and not decided:
                    decided = True
                    if self.within(s.at):
                        frame = day(received) + timedelta(days=FRAMES[0])
                        found["acknowledge"][g.grievance_id] = (days, day(s.at) <= frame)
                if s.kind == "advance" and s.code == "remediation_plan":
                    plan_started = day(s.at)
                if s.kind == "advance" and s.code == "implementation" and self.within(s.at):
                    frame = (plan_started or date.min) + timedelta(days=FRAMES[2])
                    found["plan"][g.grievance_id] = (days, day(s.at) <= frame)
                if s.kind == "close" and self.within(s.at):
                    frame = counted_from + timedelta(days=FRAMES[1])
                    found["close"][g.grievance_id] = (days, day(s.at) <= frame)
        return found

    def asked(self) -> dict[str, bool]:
        answered = {}
        for g in complaints(self.recorded):
            closes = [s.at for s in g.steps if s.kind == "close" and self.within(s.at)]
            if closes:
                answered[g.grievance_id] = any(
                    s.kind == "satisfaction" and closes[-1] <= s.at < self.end for s in g.steps
                )
        return answered

    def callbacks(self) -> dict[str, dict[str, int]]:
        """figure -> country -> count (workers for `interviewed`)."""
        found: dict[str, dict[str, int]] = defaultdict(lambda: defaultdict(int))
        first, after = self.period
        for a in self.recorded.audits:
            where = a.site.country
            if first <= a.audit_date < after:
                found["audits"][where] += 1
                found["interviewed"][where] += len(a.languages)
            if first <= a.audit_date + timedelta(days=5) < after:
                found["callbacks_due"][where] += len(a.languages)
            for call in a.calls:
                if call is None:
                    continue
                if self.within(call.at):
                    found["callbacks_made"][where] += 1
                    found["callbacks_reached"][where] += call.reached
                    found["retaliation_reported"][where] += call.retaliation
                    found["callback_grievances"][where] += call.grievance is not None
                if call.grievance is not None:
                    closes = [s for s in call.grievance.steps
                              if s.kind == "close" and self.within(s.at)]  # fmt: skip
                    if closes and closes[-1].code in ("resolved", "partly_resolved"):
                        found["callback_violations_acted_on"][where] += 1
        figure = {"corrective_action": "suppliers_corrective_action",
                  "suspension": "suppliers_suspended", "exit": "suppliers_exited"}  # fmt: skip
        befell = {(figure[c.consequence], c.site, c.country)
                  for c in self.recorded.consequences if first <= c.decided_on < after}  # fmt: skip
        for name, _, where in befell:
            found[name][where] += 1
        return found


REFERRAL_STEPS = {
    "select": lambda code: {"proposed"},
    "consent": lambda code: {"consented", "sent"} if code == "given" else {"declined"},
    "partner_accept": lambda code: {"accepted"},
    "partner_decline": lambda code: {"partner_declined"},
    "partner_close": lambda code: {"closed"},
}


def counts(
    per: dict[str, set[str | None]], grievances: dict[str, GrievancePlan], dim: str, coded: bool
) -> dict[tuple[str, ...], int]:
    """Distinct grievances per cell and per margin (non-zero only)."""
    sets: dict[tuple[str, ...], set[str]] = defaultdict(set)
    for gid, codes in per.items():
        for code in codes:
            for value in values(grievances[gid], dim):
                keys = ([(str(code), value), (ALL, value), (str(code), ALL), (ALL, ALL)]
                        if coded else [(value,), (ALL,)])  # fmt: skip
                for key in keys:
                    sets[key].add(gid)
    return {key: len(found) for key, found in sets.items()}


def nearest_rank(values_: list[int], share: float) -> int:
    ordered = sorted(values_)
    return ordered[max(math.ceil(share * len(ordered)), 1) - 1]
