"""What happens in the made-up initiative, decided before anything is recorded: pure.

Every grievance gets a script of steps in time order, drawn from one `random.Random(seed)`
(the same seed, the same scripts). A step is a command as an officer, a worker, a partner or
the deadline timer would give it, at a moment of the two years. Steps that would fall after
the history's end are not taken: those cases stay in progress. What a plan holds is
`redress.synth.planned`'s, a case's script of steps `redress.synth.script`'s.
"""

from __future__ import annotations

import random
import uuid
from datetime import date, datetime, timedelta

from redress.synth.planned import (
    ACTION_DAYS,
    AuditPlan,
    Call,
    GrievancePlan,
    Plan,
    Step,
    action_owner,
    local,
    moment,
    weighted,
)
from redress.synth.script import Script
from redress.synth.world import SITES, SPOKEN, Site

# Named here as the recording has always named them.
__all__ = [
    "ACTION_DAYS", "CATEGORIES", "CHANNELS", "NAMESPACE", "AuditPlan", "Call", "GrievancePlan",
    "Plan", "Step", "action_owner", "audit", "filed_grievance", "grievance", "grievance_id",
    "plan",
]  # fmt: skip

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
