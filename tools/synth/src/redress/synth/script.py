"""One case's script: its steps in time order, drawn from the plan's random numbers, with
the deadlines it misses.

A stage's deadline is missed the morning after its due date, as the timer fires it, when the
case is still at that stage then (at once when it enters a stage whose date has passed).
Due dates follow the cases domain: admissibility and feedback from the day the case opened
(a UTC date, as the platform records it), the plan from the day its stage began.
"""

from __future__ import annotations

import random
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from redress.events.catalogue.indicators import escalating
from redress.synth.planned import GrievancePlan, Step, local, moment, weighted
from redress.synth.world import FRAMES, PARTNERS

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
