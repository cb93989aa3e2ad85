"""What a plan holds: steps at their moments, the grievances and audits they are taken for,
the audits' calls, and the moments of the made-up initiative's time zone they fall on."""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from datetime import date, datetime, time
from zoneinfo import ZoneInfo

from redress.synth.world import TIME_ZONE, Site

ZONE = ZoneInfo(TIME_ZONE)

# Who owns an action of each remedy type: a brand changes its purchasing policy and trains
# its buyers; the supplier does the rest.
MEMBER_REMEDIES = frozenset({"policy_change", "training"})
ACTION_DAYS = 30  # an action is due this many days after it is added


def action_owner(remedy: str) -> str:
    return "member_company" if remedy in MEMBER_REMEDIES else "supplier"


@dataclass(frozen=True)
class Step:
    at: datetime
    kind: str
    code: str | None = None
    """the stage, grounds, remedy, outcome, score, indicators (comma-separated), answer..."""


@dataclass
class GrievancePlan:
    index: int
    grievance_id: str
    channel: str
    site: Site | None
    country: str | None
    language: str
    category: str
    member_org: str | None
    share: bool
    steps: list[Step] = field(default_factory=list)
    partner: str | None = None
    filed_category: str | None = None
    """What it was filed as, when an officer corrected its type (`category`) later."""

    @property
    def received(self) -> datetime:
        return self.steps[0].at

    @property
    def members(self) -> tuple[str, ...]:
        if self.member_org:
            return (self.member_org,)
        return self.site.members if self.site else ()


@dataclass
class Call:
    at: datetime
    reached: bool
    retaliation: bool
    grievance: GrievancePlan | None
    report_id: str | None = None
    """The retaliation report's id, once recorded (its case's grievance id)."""


@dataclass
class AuditPlan:
    index: int
    site: Site
    audit_date: date
    registered_at: datetime
    languages: list[str]
    calls: list[Call | None]
    """One per interviewed worker: the call made, or None when none was made in time."""


@dataclass
class Plan:
    seed: int
    start: datetime
    end: datetime
    grievances: list[GrievancePlan]
    audits: list[AuditPlan]


def moment(day: date, hour: int, minute: int = 0) -> datetime:
    return datetime.combine(day, time(hour, minute), ZONE)


def local(at: datetime) -> date:
    return at.astimezone(ZONE).date()


def weighted(rng: random.Random, choices: tuple[tuple[str, int], ...]) -> str:
    return rng.choices([c for c, _ in choices], [w for _, w in choices])[0]
