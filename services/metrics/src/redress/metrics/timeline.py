"""What happened to each grievance, read from its facts: the figures count these.

Pure. Times are the events' times; days are counted between dates in the tenant's time
zone, as workers and officers count them. A stage's time frame is the due date recorded when
the case entered it (the tenant's frames as they stood then), so "within the time frame" is
exact whatever the tenant changed later.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime
from zoneinfo import ZoneInfo

from redress.metrics.ledger import Fact, Ledger

# `declined`: the worker declined consent; `partner_declined`: the partner declined the referral.
REFERRAL_STEPS = ("opened", "proposed", "consented", "declined", "sent", "accepted",
                  "partner_declined", "closed")  # fmt: skip


@dataclass(frozen=True)
class Happening:
    grievance: str
    at: datetime
    measure: str
    code: str | None = None


@dataclass(frozen=True)
class Duration:
    grievance: str
    at: datetime
    kind: str
    """acknowledge, plan or close"""
    days: int
    within: bool


@dataclass(frozen=True)
class Story:
    """One grievance's happenings, durations, and the stage it was at, moment by moment."""

    happenings: tuple[Happening, ...]
    durations: tuple[Duration, ...]
    stages: tuple[tuple[datetime, str | None], ...]
    """(from when, the open case's stage or None once rejected or closed)"""

    def stage_at(self, instant: datetime) -> str | None:
        stage = None
        for at, now in self.stages:
            if at >= instant:
                break
            stage = now
        return stage


def stories(ledger: Ledger) -> dict[str, Story]:
    zone = ZoneInfo(ledger.time_zone)
    facts: dict[str, list[Fact]] = defaultdict(list)
    for fact in ledger.facts:
        facts[fact.grievance].append(fact)
    return {g.id: story(g.id, g.received_at, facts.get(g.id, ()), zone) for g in ledger.grievances}


def story(grievance: str, received: datetime, facts: Iterable[Fact], zone: ZoneInfo) -> Story:
    def day(at: datetime) -> date:
        return at.astimezone(zone).date()

    happenings = [Happening(grievance, received, "received")]
    durations: list[Duration] = []
    stages: list[tuple[datetime, str | None]] = []
    stage: str | None = None
    is_open = False
    due: dict[str, date | None] = {}
    remedies: list[str] = []
    acknowledged = False

    def took(at: datetime, kind: str, frame: date | None) -> None:
        within = frame is not None and day(at) <= frame
        durations.append(Duration(grievance, at, kind, (day(at) - day(received)).days, within))

    for f in sorted(facts, key=lambda f: (f.at, f.position, f.seq)):
        if f.kind == "opened":
            is_open = True
        elif f.kind == "stage" and f.code is not None:
            if f.code == "verification" and stage == "admissibility" and is_open:
                # Admitted (a rejection reopened is admitted then); acknowledged once only.
                happenings.append(Happening(grievance, f.at, "admissible"))
                if not acknowledged:
                    took(f.at, "acknowledge", due.get("admissibility"))
                acknowledged = True
            if f.code == "implementation":
                took(f.at, "plan", due.get("remediation_plan"))
            stage = f.code
            due[f.code] = f.due
        elif f.kind == "rejected":
            if stage == "admissibility" and not acknowledged:
                took(f.at, "acknowledge", due.get("admissibility"))
                acknowledged = True
            is_open = False
            happenings.append(Happening(grievance, f.at, "rejected", f.code))
        elif f.kind == "closed":
            is_open = False
            happenings.append(Happening(grievance, f.at, "closed", f.code))
            happenings.extend(Happening(grievance, f.at, "remedy", r) for r in remedies)
            took(f.at, "close", due.get("response"))
        elif f.kind == "reopened":
            is_open = True
            happenings.append(Happening(grievance, f.at, "reopened"))
        elif f.kind == "action" and f.code is not None:
            if f.code not in remedies:
                remedies.append(f.code)
        elif f.kind == "indicator":
            happenings.append(Happening(grievance, f.at, "indicator", f.code))
        elif f.kind.startswith("referral_"):
            step = f.kind.removeprefix("referral_")
            happenings.append(Happening(grievance, f.at, "referral", step))
        elif f.kind in ("withdrawn", "missed", "satisfaction"):
            happenings.append(Happening(grievance, f.at, f.kind, f.code))
        stages.append((f.at, stage if is_open else None))
    return Story(tuple(happenings), tuple(durations), tuple(stages))
