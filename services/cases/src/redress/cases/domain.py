"""The case, pure: admissibility, then the six steps of operational remediation.

decide(command, state) -> events; evolve(state, event) -> state. Dates come in with the
commands (today, the tenant's time frames), so that the domain never reads a clock.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field, replace
from datetime import date, timedelta
from enum import StrEnum
from functools import reduce
from typing import Any

from redress.events.application import Aggregate, Refused
from redress.events.catalogue.case import (
    CaseClosed,
    CaseOpened,
    CaseRejected,
    CaseReopened,
    CaseTriaged,
    FacilitatorAssigned,
    GrievanceCorrected,
    InternalNoteAdded,
    LessonsLearned,
    MessageSentToWorker,
    OfficerAssigned,
    PlanActionAdded,
    PlanActionUpdated,
    ReferralRecommended,
    SatisfactionRecorded,
    StageDeadlineMissed,
    StageEntered,
)
from redress.events.catalogue.grievance import Sealed
from redress.events.catalogue.indicators import BY_CODE, canonical, escalating
from redress.events.envelope import EventData


class Stage(StrEnum):
    admissibility = "admissibility"
    verification = "verification"
    response = "response"
    remediation_plan = "remediation_plan"
    implementation = "implementation"
    closure = "closure"
    lessons_learned = "lessons_learned"


ORDER = list(Stage)


class Status(StrEnum):
    none = "none"
    open = "open"
    rejected = "rejected"
    closed = "closed"


class Severity(StrEnum):
    low = "low"
    medium = "medium"
    high = "high"
    critical = "critical"


class Grounds(StrEnum):
    out_of_scope = "out_of_scope"
    insufficient_information = "insufficient_information"
    duplicate = "duplicate"
    withdrawn_by_worker = "withdrawn_by_worker"
    handled_elsewhere = "handled_elsewhere"


class Remedy(StrEnum):
    wage_restitution = "wage_restitution"
    reinstatement = "reinstatement"
    compensation = "compensation"
    apology = "apology"
    policy_change = "policy_change"
    training = "training"
    medical_or_psychological_support = "medical_or_psychological_support"
    other = "other"


class Owner(StrEnum):
    member_company = "member_company"
    supplier = "supplier"
    facilitator = "facilitator"
    msi = "msi"


class Outcome(StrEnum):
    resolved = "resolved"
    partly_resolved = "partly_resolved"
    unresolved = "unresolved"
    referred = "referred"


# Risk indicators: the benchmarks of the UN guidance (Recommendation 3) and the ILO's
# forced-labour indicators, in one vocabulary (redress.events.catalogue.indicators).
CHILD_LABOUR = "child_labour"
KNOWN_INDICATORS = frozenset(BY_CODE)
TRAFFICKING_INDICATORS = KNOWN_INDICATORS - {CHILD_LABOUR}

# What a category suggests to the officer at triage.
SUGGESTED: dict[str, tuple[str, ...]] = {
    "recruitment_and_fees": ("recruitment_fees", "debt_bondage", "unlicensed_recruiter"),
    "identity_documents": ("document_retention",),
    "freedom_of_movement": ("restricted_movement", "isolation"),
    "forced_labour": ("free_to_resign", "intimidation_and_threats", "debt_bondage"),
    "child_labour": (CHILD_LABOUR,),
    "wages_and_benefits": ("withheld_wages", "below_minimum_wage", "unlawful_deductions"),
    "working_hours": ("excessive_overtime",),
    "contracts": ("no_written_contract", "contract_substitution"),
    "living_conditions": ("mandatory_housing", "abusive_working_and_living_conditions"),
    "freedom_of_association": ("no_union_rights",),
}


@dataclass(frozen=True)
class TimeFrames:
    acknowledge_days: int = 7
    feedback_days: int = 90
    plan_days: int = 45


@dataclass(frozen=True)
class Action:
    owner: str
    due_on: date
    done: bool = False


@dataclass(frozen=True)
class Case:
    status: Status = Status.none
    stage: Stage | None = None
    case_id: str = ""
    grievance_id: str = ""
    category: str = ""
    opened_on: date | None = None
    severity: Severity | None = None
    referral_recommended: bool = False
    actions: dict[str, Action] = field(default_factory=dict)
    missed: frozenset[str] = frozenset()
    withdrawn: bool = False  # by the worker: nobody contacts them about it any more


class CaseRefused(Refused):
    """A command the process forbids in the case's state; `kind` is stable for the API."""


# Commands.


@dataclass(frozen=True)
class OpenCase:
    case_id: str
    grievance_id: str
    category: str
    country: str | None
    today: date
    frames: TimeFrames = TimeFrames()
    site_id: str | None = None
    member_org: str | None = None
    language: str = "en"
    identity_shareable: bool = False


@dataclass(frozen=True)
class Triage:
    indicators: tuple[str, ...]
    severity: Severity
    override_reason: str | None = None


@dataclass(frozen=True)
class Accept:
    today: date
    frames: TimeFrames = TimeFrames()


@dataclass(frozen=True)
class Reject:
    grounds: Grounds
    explanation: str = ""


@dataclass(frozen=True)
class Withdraw:
    """The worker withdrew their grievance: an open case ends, at whatever stage."""


@dataclass(frozen=True)
class Advance:
    """Move on to the next step: verification -> response -> plan -> implementation."""

    to: Stage
    today: date
    frames: TimeFrames = TimeFrames()


@dataclass(frozen=True)
class AddAction:
    action_id: str
    remedy: Remedy
    owner: Owner
    due_on: date
    description: str


@dataclass(frozen=True)
class UpdateAction:
    action_id: str
    progress: str
    evidence: str | None = None
    done: bool = False


@dataclass(frozen=True)
class AssignOfficer:
    officer: str


@dataclass(frozen=True)
class AssignFacilitator:
    organisation: str


@dataclass(frozen=True)
class MessageWorker:
    message: Sealed


@dataclass(frozen=True)
class AddNote:
    note: Sealed


@dataclass(frozen=True)
class Close:
    outcome: Outcome


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


@dataclass(frozen=True)
class MissDeadline:
    stage: Stage


Command = (
    OpenCase | Triage | Accept | Reject | Advance | AddAction | UpdateAction | AssignOfficer
    | AssignFacilitator | MessageWorker | AddNote | Close | RecordSatisfaction | RecordLessons
    | Reopen | MissDeadline | Withdraw
)  # fmt: skip


def due_on(stage: Stage, opened_on: date, today: date, frames: TimeFrames) -> date | None:
    """The indicative date by which a stage should be done."""
    if stage is Stage.admissibility:
        return opened_on + timedelta(days=frames.acknowledge_days)
    if stage in (Stage.verification, Stage.response):
        return opened_on + timedelta(days=frames.feedback_days)
    if stage is Stage.remediation_plan:
        return today + timedelta(days=frames.plan_days)
    return None


def triage_outcome(category: str, command: Triage) -> tuple[Severity, tuple[str, ...]]:
    """The severity to record and the reasons for referral (none when overridden).

    Indicators weigh as the vocabulary says (ADR 0020): a strong one escalates alone, medium
    ones in twos, labour-rights risks never. Child labour escalates whatever the officer says.
    """
    codes = (*command.indicators, CHILD_LABOUR) if category == CHILD_LABOUR else command.indicators
    reasons = escalating(codes)
    if category == "forced_labour" and not reasons:
        reasons = ("forced_labour",)
    if CHILD_LABOUR in reasons:
        return Severity.critical, reasons
    if command.override_reason:
        return command.severity, ()
    if reasons:
        return Severity.critical, reasons
    return command.severity, ()


def decide(command: Command, state: Case) -> list[EventData]:
    if isinstance(command, OpenCase):
        return _open(command, state)
    if state.status is Status.none:
        raise CaseRefused("unknown-case", "there is no such case")
    handler = _HANDLERS[type(command)]
    return handler(command, state)


def _open(c: OpenCase, state: Case) -> list[EventData]:
    if state.status is not Status.none:
        raise CaseRefused("already-open", "a case is already open for this grievance")
    return [
        CaseOpened(
            case_id=c.case_id, grievance_id=c.grievance_id, category=c.category,
            country=c.country, site_id=c.site_id, member_org=c.member_org, language=c.language,
            identity_shareable=c.identity_shareable, opened_on=c.today,
        ),
        StageEntered(
            case_id=c.case_id, grievance_id=c.grievance_id, stage=Stage.admissibility,
            due_on=due_on(Stage.admissibility, c.today, c.today, c.frames),
        ),
    ]  # fmt: skip


def _require_open(state: Case, *stages: Stage) -> None:
    if state.status is not Status.open:
        raise CaseRefused("not-open", f"the case is {state.status.value}")
    if stages and state.stage not in stages:
        names = ", ".join(s.value for s in stages)
        raise CaseRefused("wrong-stage", f"this can be done at {names}, not at {state.stage}")


def _triage(c: Triage, state: Case) -> list[EventData]:
    _require_open(state, *ORDER[:5])
    c = replace(c, indicators=canonical(c.indicators))  # old codes name the same indicator
    unknown = sorted(set(c.indicators) - KNOWN_INDICATORS)
    if unknown:
        raise CaseRefused("unknown-indicator", f"unknown indicators: {', '.join(unknown)}")
    severity, reasons = triage_outcome(state.category, c)
    events: list[EventData] = [
        CaseTriaged(case_id=state.case_id, indicators=tuple(sorted(c.indicators)),
                    severity=severity, override_reason=c.override_reason)
    ]  # fmt: skip
    if reasons and not state.referral_recommended:
        events.append(ReferralRecommended(case_id=state.case_id, reasons=reasons))
    return events


def _enter(state: Case, stage: Stage, today: date, frames: TimeFrames) -> StageEntered:
    return StageEntered(
        case_id=state.case_id, grievance_id=state.grievance_id, stage=stage,
        due_on=due_on(stage, state.opened_on or today, today, frames),
    )  # fmt: skip


def _accept(c: Accept, state: Case) -> list[EventData]:
    _require_open(state, Stage.admissibility)
    return [_enter(state, Stage.verification, c.today, c.frames)]


def _reject(c: Reject, state: Case) -> list[EventData]:
    _require_open(state, Stage.admissibility)
    return [CaseRejected(case_id=state.case_id, grievance_id=state.grievance_id,
                         grounds=c.grounds, explanation=c.explanation)]  # fmt: skip


def _withdraw(c: Withdraw, state: Case) -> list[EventData]:
    # A case already closed or rejected keeps its ending: there is nothing left to stop.
    if state.status is not Status.open:
        return []
    return [CaseRejected(case_id=state.case_id, grievance_id=state.grievance_id,
                         grounds=Grounds.withdrawn_by_worker)]  # fmt: skip


_NEXT = {
    Stage.verification: Stage.response,
    Stage.response: Stage.remediation_plan,
    Stage.remediation_plan: Stage.implementation,
}


def _advance(c: Advance, state: Case) -> list[EventData]:
    _require_open(state)
    if state.stage not in _NEXT or _NEXT[state.stage] is not c.to:
        raise CaseRefused("wrong-stage", f"the case cannot move from {state.stage} to {c.to}")
    if c.to is Stage.implementation and not state.actions:
        raise CaseRefused("no-plan", "the remediation plan needs at least one action")
    return [_enter(state, c.to, c.today, c.frames)]


def _add_action(c: AddAction, state: Case) -> list[EventData]:
    _require_open(state, Stage.remediation_plan, Stage.implementation)
    if c.action_id in state.actions:
        raise CaseRefused("duplicate-action", "this action is already in the plan")
    return [PlanActionAdded(case_id=state.case_id, action_id=c.action_id, remedy=c.remedy,
                            owner=c.owner, due_on=c.due_on, description=c.description)]  # fmt: skip


def _update_action(c: UpdateAction, state: Case) -> list[EventData]:
    _require_open(state, Stage.remediation_plan, Stage.implementation)
    action = state.actions.get(c.action_id)
    if action is None:
        raise CaseRefused("unknown-action", "there is no such action in the plan")
    if action.done:
        raise CaseRefused("action-done", "this action is already done")
    return [PlanActionUpdated(case_id=state.case_id, action_id=c.action_id,
                              progress=c.progress, evidence=c.evidence, done=c.done)]  # fmt: skip


def _assign_officer(c: AssignOfficer, state: Case) -> list[EventData]:
    _require_open(state)
    return [OfficerAssigned(case_id=state.case_id, officer=c.officer)]


def _assign_facilitator(c: AssignFacilitator, state: Case) -> list[EventData]:
    _require_open(state)
    return [FacilitatorAssigned(case_id=state.case_id, organisation=c.organisation)]


def _no_contact(state: Case) -> None:
    if state.withdrawn:
        raise CaseRefused("withdrawn", "the worker withdrew the grievance: do not contact them")


def _message(c: MessageWorker, state: Case) -> list[EventData]:
    _no_contact(state)
    return [MessageSentToWorker(case_id=state.case_id, grievance_id=state.grievance_id,
                                message=c.message)]  # fmt: skip


def _note(c: AddNote, state: Case) -> list[EventData]:
    return [InternalNoteAdded(case_id=state.case_id, note=c.note)]


def _close(c: Close, state: Case) -> list[EventData]:
    _require_open(state, Stage.response, Stage.remediation_plan, Stage.implementation)
    if c.outcome is not Outcome.referred and state.stage is not Stage.implementation:
        raise CaseRefused("wrong-stage", "only a referred case closes before implementation")
    return [
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
    _no_contact(state)  # only the worker, filing again, takes a withdrawn grievance up
    return [
        CaseReopened(case_id=state.case_id, grievance_id=state.grievance_id, reason=c.reason),
        _enter(state, Stage.verification, c.today, c.frames),
    ]


def _miss(c: MissDeadline, state: Case) -> list[EventData]:
    # A deadline that no longer applies, or was already reported, is not missed again.
    if state.status is not Status.open or state.stage is not c.stage or c.stage in state.missed:
        return []
    return [StageDeadlineMissed(case_id=state.case_id, stage=c.stage)]


_HANDLERS: dict[type, Callable[[Any, Case], list[EventData]]] = {
    Triage: _triage, Accept: _accept, Reject: _reject, Advance: _advance,
    AddAction: _add_action, UpdateAction: _update_action, AssignOfficer: _assign_officer,
    AssignFacilitator: _assign_facilitator, MessageWorker: _message, AddNote: _note,
    Close: _close, RecordSatisfaction: _satisfaction, RecordLessons: _lessons,
    Reopen: _reopen, MissDeadline: _miss, Withdraw: _withdraw,
}  # fmt: skip


def evolve(state: Case, event: EventData) -> Case:
    match event:
        case CaseOpened():
            return Case(Status.open, None, event.case_id, event.grievance_id, event.category,
                        opened_on=event.opened_on)  # fmt: skip
        case StageEntered(stage=stage):
            return replace(state, stage=Stage(stage), missed=frozenset())
        case CaseTriaged(severity=severity):
            return replace(state, severity=Severity(severity))
        case ReferralRecommended():
            return replace(state, referral_recommended=True)
        case CaseRejected(grounds=grounds):
            withdrawn = grounds == Grounds.withdrawn_by_worker
            return replace(state, status=Status.rejected, withdrawn=withdrawn)
        case CaseReopened():
            return replace(state, status=Status.open)
        case PlanActionAdded(action_id=aid, owner=owner, due_on=due):
            return replace(state, actions={**state.actions, aid: Action(owner, due)})
        case PlanActionUpdated(action_id=aid, done=done):
            action = replace(state.actions[aid], done=done)
            return replace(state, actions={**state.actions, aid: action})
        case CaseClosed():
            return replace(state, status=Status.closed)
        case StageDeadlineMissed(stage=stage):
            return replace(state, missed=state.missed | {stage})
        case GrievanceCorrected(category=str(category)):  # triage weighs the corrected one
            return replace(state, category=category)
    return state


def fold(events: list[EventData]) -> Case:
    return reduce(evolve, events, Case())


CASE = Aggregate[Case, Command](lambda _: Case(), evolve, decide)
