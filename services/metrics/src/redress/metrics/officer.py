"""The officer dashboard's figures: the initiative's work as it stands now, for its staff.

Pure, over the same rows as the published figures. These are operational counts for the
initiative's own officers (who read every case), so no disclosure control applies; they
never leave the service but to a staff token. Now is the caller's instant; a date is the
tenant's local date.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from redress.metrics.ledger import Ledger
from redress.metrics.timeline import stories

# A referral is open until the worker declines it or it is closed. One the partner declined
# is still open: the officer is to choose another partner (or close it).
REFERRAL_ENDED = frozenset({"declined", "closed"})


def dashboard(ledger: Ledger, now: datetime) -> dict[str, Any]:
    """Open grievances by stage, those past their stage's due date by stage, referrals open
    by their latest step, and callbacks due and not yet made, by the audit's country."""
    today = now.astimezone(ZoneInfo(ledger.time_zone)).date()
    told = stories(ledger)
    queues: Counter[str] = Counter()
    overdue: Counter[str] = Counter()
    latest_due: dict[str, dict[str, Any]] = defaultdict(dict)
    referral: dict[str, str] = {}
    for f in sorted(ledger.facts, key=lambda f: (f.at, f.position, f.seq)):
        if f.at > now:
            continue
        if f.kind == "stage" and f.code is not None:
            latest_due[f.grievance][f.code] = f.due
        elif f.kind.startswith("referral_"):
            referral[f.grievance] = f.kind.removeprefix("referral_")
    for grievance, story in told.items():
        stage = story.stage_at(now)
        if stage is None:
            continue
        queues[stage] += 1
        limit = latest_due.get(grievance, {}).get(stage)
        if limit is not None and limit < today:
            overdue[stage] += 1
    referrals = Counter(step for step in referral.values() if step not in REFERRAL_ENDED)
    made = {c.callback for c in ledger.calls if c.at <= now}
    countries = {a.id: a.country for a in ledger.audits}
    callbacks = Counter(countries.get(c.audit, "unknown") for c in ledger.callbacks
                        if c.due_on <= today and c.id not in made)  # fmt: skip
    return {
        "as_of": now.isoformat(),
        "queues": dict(sorted(queues.items())),
        "overdue": dict(sorted(overdue.items())),
        "referrals_open": dict(sorted(referrals.items())),
        "callbacks_due": dict(sorted(callbacks.items())),
    }
