"""What happens in the made-up initiative, decided before anything is recorded: pure.

Every grievance gets a script of steps in time order, drawn from one `random.Random(seed)`
(the same seed, the same scripts). A step is a command as an officer, a worker, a partner or
the deadline timer would give it, at a moment of the two years. Steps that would fall after
the history's end are not taken: those cases stay in progress.

A stage's deadline is missed the morning after its due date, as the timer fires it, when the
case is still at that stage then (at once when it enters a stage whose date has passed).
Due dates follow the cases domain: admissibility and feedback from the day the case opened
(a UTC date, as the platform records it), the plan from the day its stage began.
"""

from __future__ import annotations

import random
import uuid
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from redress.events.catalogue.indicators import escalating
from redress.synth.world import FRAMES, PARTNERS, SITES, SPOKEN, TIME_ZONE, Site

ZONE = ZoneInfo(TIME_ZONE)
NAMESPACE = uuid.UUID("5d1c8a4e-3f7b-4c52-9a11-0f7e2b6d4c90")
CHANNELS = (("web", 35), ("hotline", 20), ("sms", 15), ("member_api", 30))
CATEGORIES = (
    ("wages_and_benefits", 22), ("working_hours", 14), ("health_and_safety", 12),
    ("harassment_and_abuse", 8), ("gender_based_violence", 3), ("discrimination", 4),
    ("freedom_of_association", 4), ("recruitment_and_fees", 6), ("identity_documents", 3),
    ("freedom_of_movement", 2), ("child_labour", 2), ("forced_labour", 2), ("contracts", 5),
    ("living_conditions", 4), ("retaliation", 3), ("environment_and_community", 1),
    ("other", 5),
)  # fmt: skip
SUGGESTED = {
    "recruitment_and_fees": ("recruitment_fees", "debt_bondage", "unlicensed_recruiter"),
    "identity_documents": ("document_retention",),
    "freedom_of_movement": ("restricted_movement", "isolation"),
    "forced_labour": ("free_to_resign", "intimidation_and_threats", "debt_bondage"),
    "child_labour": ("child_labour",),
    "wages_and_benefits": ("withheld_wages", "below_minimum_wage", "unlawful_deductions"),
    "working_hours": ("excessive_overtime",),
    "contracts": ("no_written_contract", "contract_substitution"),
}
GROUNDS = ("out_of_scope", "insufficient_information", "duplicate", "handled_elsewhere")
REMEDIES = ("wage_restitution", "reinstatement", "compensation", "apology", "policy_change",
            "training", "medical_or_psychological_support", "other")  # fmt: skip
OUTCOMES = (("resolved", 55), ("partly_resolved", 25), ("unresolved", 20))
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


def plan(seed: int, grievances: int, start: date, months: int = 24, tenant: str = "") -> Plan:
    """The tenant's history: the same arguments, the same plan (ids are the tenant's own)."""
    rng = random.Random(seed)  # noqa: S311 - made-up history, not secrets
    first = moment(start, 0)
    last_month = start.month - 1 + months
    end = moment(date(start.year + last_month // 12, last_month % 12 + 1, 1), 0)
    days = (local(end) - start).days
    audits = [audit(rng, i, start, days, end) for i in range(max(grievances // 40, 1))]
    raised = [c.grievance for a in audits for c in a.calls if c and c.grievance]
    filed = [
        grievance(rng, i, start + timedelta(days=rng.randrange(days)), end)
        for i in range(grievances - len(raised))
    ]
    for i, g in enumerate(raised, len(filed)):
        g.index = i
    everything = filed + raised
    for g in everything:
        g.grievance_id = grievance_id(tenant, seed, g.index)
    return Plan(seed, first, end, everything, audits)


def grievance_id(tenant: str, seed: int, index: int) -> str:
    return str(uuid.uuid5(NAMESPACE, f"{tenant}:{seed}:{index}"))


def grievance(rng: random.Random, index: int, day: date, end: datetime) -> GrievancePlan:
    channel = weighted(rng, CHANNELS)
    site: Site | None = rng.choice(SITES)
    member = None
    if channel == "member_api":
        site = rng.choice([s for s in SITES if s.members])
        member = rng.choice(site.members)
    if channel == "sms" and rng.random() < 0.4:
        site = None  # a text message says nothing of where it came from
    # Workers file at any hour, officers act in office hours.
    hour = rng.randrange(24) if channel in ("web", "sms") else rng.randrange(9, 17)
    received = moment(day, hour, rng.randrange(60))
    return filed_grievance(rng, index, channel, site, member, received, end)


def filed_grievance(
    rng: random.Random,
    index: int,
    channel: str,
    site: Site | None,
    member: str | None,
    received: datetime,
    end: datetime,
    language: str | None = None,
) -> GrievancePlan:
    country = site.country if site else None
    category = weighted(rng, CATEGORIES)
    g = GrievancePlan(
        index, "", channel, site, country,
        language or rng.choice(SPOKEN[country] if country else ("bn", "my", "en")),
        category, member, rng.random() < 0.5,
    )  # fmt: skip
    g.steps = Script(rng, g, received, end).run()
    return g


def audit(rng: random.Random, index: int, start: date, days: int, end: datetime) -> AuditPlan:
    site = rng.choice(SITES)
    audit_date = start + timedelta(days=rng.randrange(days))
    registered = moment(audit_date, rng.randrange(13, 18))
    workers = rng.randrange(6, 13)
    languages = [rng.choice(SPOKEN[site.country]) for _ in range(workers)]
    calls: list[Call | None] = []
    for language in languages:
        at = moment(audit_date + timedelta(days=5 + rng.randrange(4)), rng.randrange(9, 17))
        if at >= end or rng.random() < 0.05:
            calls.append(None)
            continue
        reached = rng.random() < 0.75
        retaliation = reached and rng.random() < 0.04
        raised = None
        if reached and rng.random() < 0.05:
            raised = filed_grievance(rng, -1, "callback", site, None, at, end, language)
        calls.append(Call(at, reached, retaliation, raised))
    return AuditPlan(index, site, audit_date, registered, languages, calls)


class Script:
    """One case's steps, in time order, with the deadlines it misses."""

    def __init__(self, rng: random.Random, g: GrievancePlan, received: datetime, end: datetime):
        self.rng, self.g, self.end = rng, g, end
        self.steps = [Step(received, "file")]
        self.now = received
        self.opened_on = received.date() if received.tzinfo is None else _utc_date(received)
        self.stage: str | None = "admissibility"
        self.due: date | None = self.opened_on + timedelta(days=FRAMES[0])
        self.missed = False
        self.done = False

    def later(self, days: int) -> datetime:
        if days == 0:
            return self.now + timedelta(minutes=self.rng.randrange(5, 90))
        return moment(local(self.now) + timedelta(days=days), self.rng.randrange(9, 17))

    def take(self, days: int, kind: str, code: str | None = None) -> bool:
        """Take the step `days` after the last one; False once past the history's end."""
        if self.done:
            return False
        at = self.later(days)
        self.fire_missed(at)
        if at >= self.end:
            self.done = True
            return False
        self.steps.append(Step(at, kind, code))
        self.now = at
        return True

    def fire_missed(self, until: datetime) -> None:
        if self.stage is None or self.due is None or self.missed:
            return
        # The timer fires the morning after the due date; entering a stage whose date has
        # passed already (a reopened case), at the scheduler's next tick.
        fires = max(moment(self.due + timedelta(days=1), 8), self.now + timedelta(minutes=1))
        if fires < until and fires < self.end:
            self.steps.append(Step(fires, "miss", self.stage))
            self.missed = True

    def enter(self, stage: str | None, due: date | None = None) -> None:
        # The response shares the worker's feedback date with verification: a date missed
        # there is not missed again (cases' `_miss`).
        still = stage == "response" and self.missed and due is not None and due == self.due
        self.stage, self.due, self.missed = stage, due, still

    def feedback_due(self) -> date:
        return self.opened_on + timedelta(days=FRAMES[1])

    def run(self) -> list[Step]:
        rng, g = self.rng, self.g
        indicators: tuple[str, ...] = ()
        if g.category in SUGGESTED and rng.random() < 0.5:
            indicators = tuple(sorted(rng.sample(SUGGESTED[g.category], 1)))
        if rng.random() < 0.03:
            self.take(rng.randrange(1, 4), "withdraw")
            if self.take(1, "reject", "withdrawn_by_worker"):
                self.enter(None)
            return self.finish()
        severity = rng.choice(("low", "medium", "high"))
        triaged = self.take(rng.randrange(0, 3), "triage", ",".join(indicators) + "|" + severity)
        # A referral is recommended as triage weighs the indicators (ADR 0020).
        if triaged and (escalating(indicators) or g.category in ("child_labour", "forced_labour")):
            g.partner = partner_for(g.country)
        if rng.random() < 0.15:
            if not self.take(rng.choice((0, 1, 2, 3, 4, 6, 8)), "reject", rng.choice(GROUNDS)):
                return self.finish()
            self.enter(None)
            if rng.random() < 0.85 or not self.take(rng.randrange(10, 40), "reopen"):
                return self.finish()
        elif not self.take(rng.choice((0, 1, 2, 3, 4, 5, 6, 9)), "accept"):
            return self.finish()
        self.remediate()
        return self.finish()

    def remediate(self) -> None:
        rng = self.rng
        while True:
            self.enter("verification", self.feedback_due())
            if not self.take(rng.randrange(3, 35), "advance", "response"):
                return
            self.enter("response", self.feedback_due())
            if self.g.partner and rng.random() < 0.3:
                if not self.take(rng.randrange(5, 20), "close", "referred"):
                    return
            else:
                if not self.take(rng.randrange(3, 25), "advance", "remediation_plan"):
                    return
                self.enter("remediation_plan", _utc_date(self.now) + timedelta(days=FRAMES[2]))
                for _ in range(rng.randrange(1, 4)):
                    if not self.take(rng.randrange(0, 6), "action", rng.choice(REMEDIES)):
                        return
                if not self.take(rng.randrange(3, 30), "advance", "implementation"):
                    return
                self.enter("implementation")
                if not self.take(rng.randrange(10, 90), "close", weighted(rng, OUTCOMES)):
                    return
            self.enter(None)
            if rng.random() < 0.65:
                score = str(rng.choice((1, 2, 3, 3, 4, 4, 4, 5, 5)))
                self.take(0 if rng.random() < 0.5 else rng.randrange(2, 20), "satisfaction", score)
            if rng.random() >= 0.04 or not self.take(rng.randrange(10, 60), "reopen"):
                return

    def finish(self) -> list[Step]:
        if not self.done:
            self.fire_missed(self.end)
        steps = sorted(self.steps, key=lambda s: s.at)
        if self.g.partner:
            steps = sorted(steps + self.referral(steps), key=lambda s: s.at)
        return steps

    def referral(self, steps: list[Step]) -> list[Step]:
        """The officer, the worker and the partner, from the triage that asked for it."""
        rng = self.rng
        self.now, self.done = next(s.at for s in steps if s.kind == "triage"), False
        self.stage = None  # the referral's steps miss no stage deadline
        taken = len(self.steps)
        if self.take(rng.randrange(1, 3), "safety") and self.take(0, "select"):
            answer = "given" if rng.random() < 0.75 else "declined"
            if self.take(rng.randrange(2, 7), "consent", answer) and answer == "given":
                self.take(1, "acknowledge")
                if rng.random() < 0.8:
                    if self.take(rng.randrange(1, 3), "partner_accept"):
                        self.take(rng.randrange(20, 90), "partner_close")
                else:
                    self.take(rng.randrange(1, 3), "partner_decline")
        return self.steps[taken:]


def partner_for(country: str | None) -> str:
    return next((p[0] for p in PARTNERS if country in p[2]), PARTNERS[0][0])


def _utc_date(at: datetime) -> date:
    return at.astimezone(ZoneInfo("UTC")).date()
