"""Closure and lessons learned, pure: a case closes with its outcome, the worker's
satisfaction and the lessons are recorded, and a closed or rejected case may open again."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from redress.cases.case_state import (
    Case,
    CaseRefused,
    Decider,
    Outcome,
    Stage,
    Status,
    TimeFrames,
    enter,
    evolve,
    no_contact,
    require_open,
)
from redress.events.catalogue.case import (
    CaseClosed,
    CaseReopened,
    LessonsLearned,
    SatisfactionRecorded,
    StageEntered,
)
from redress.events.catalogue.remedy import RightToCourtAttested
from redress.events.envelope import EventData


@dataclass(frozen=True)
class Close:
    outcome: Outcome
    # That no settlement includes a waiver of the worker's right to go to court (UNGP 31).
    no_court_waiver_attested: bool = False


@dataclass(frozen=True)
class RecordSatisfaction:
    score: int
    source: str = "status_page"


@dataclass(frozen=True)
class RecordLessons:
    text: str
    tags: tuple[str, ...] = ()


@dataclass(frozen=True)
class Reopen:
    reason: str
    today: date
    frames: TimeFrames = TimeFrames()


def _close(c: Close, state: Case) -> list[EventData]:
    require_open(state, Stage.response, Stage.remediation_plan, Stage.implementation)
    if c.outcome is not Outcome.referred and state.stage is not Stage.implementation:
        raise CaseRefused("wrong-stage", "only a referred case closes before implementation")
    if c.outcome is Outcome.resolved and any(not a.settled for a in state.actions.values()):
        raise CaseRefused("plan-not-done", "resolved needs every action of the plan done, "
                          "or waived with a reason")  # fmt: skip
    # Whatever the outcome: a remedy delivered may have come with a settlement.
    if state.remedies and not c.no_court_waiver_attested:
        raise CaseRefused("right-to-court-unattested", "attest that no settlement waives "
                          "the worker's right to go to court")  # fmt: skip
    attested = [RightToCourtAttested(case_id=state.case_id)] if c.no_court_waiver_attested else []
    return [
        *attested,
        CaseClosed(case_id=state.case_id, grievance_id=state.grievance_id, outcome=c.outcome),
        StageEntered(case_id=state.case_id, grievance_id=state.grievance_id,
                     stage=Stage.closure, due_on=None),
    ]  # fmt: skip


def _satisfaction(c: RecordSatisfaction, state: Case) -> list[EventData]:
    if state.status is not Status.closed:
        raise CaseRefused("not-closed", "satisfaction is recorded once the case is closed")
    if not 1 <= c.score <= 5:
        raise CaseRefused("bad-score", "satisfaction is a score from 1 to 5")
    return [SatisfactionRecorded(case_id=state.case_id, score=c.score, source=c.source)]


def _lessons(c: RecordLessons, state: Case) -> list[EventData]:
    if state.status is not Status.closed or state.stage is not Stage.closure:
        raise CaseRefused("not-closed", "lessons are recorded once the case is closed")
    return [
        LessonsLearned(case_id=state.case_id, grievance_id=state.grievance_id, text=c.text,
                       tags=c.tags),
        StageEntered(case_id=state.case_id, grievance_id=state.grievance_id,
                     stage=Stage.lessons_learned, due_on=None),
    ]  # fmt: skip


def _reopen(c: Reopen, state: Case) -> list[EventData]:
    if state.status not in (Status.closed, Status.rejected):
        raise CaseRefused("not-closed", "only a closed or rejected case can be reopened")
    no_contact(state)  # only the worker, filing again, takes a withdrawn grievance up
    # Fresh time frames: the reopened case's stages count from the reopening, not from
    # the filing, whose frames may have run out long ago.
    reopened = CaseReopened(case_id=state.case_id, grievance_id=state.grievance_id,
                            reason=c.reason, reopened_on=c.today)  # fmt: skip
    return [reopened, enter(evolve(state, reopened), Stage.verification, c.today, c.frames)]


HANDLERS: dict[type, Decider] = {
    Close: _close, RecordSatisfaction: _satisfaction, RecordLessons: _lessons, Reopen: _reopen,
}  # fmt: skip
