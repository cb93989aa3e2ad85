"""Admissibility, pure: a case opens, is triaged, then taken up, rejected or withdrawn."""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import date

from redress.cases.case_state import (
    ORDER,
    Case,
    CaseRefused,
    Decider,
    Grounds,
    Severity,
    Stage,
    Status,
    TimeFrames,
    due_on,
    enter,
    require_open,
)
from redress.events.catalogue.case import (
    CaseOpened,
    CaseRejected,
    CaseTriaged,
    CaseWithdrawn,
    ReferralRecommended,
    StageEntered,
)
from redress.events.catalogue.indicators import BY_CODE, canonical, escalating
from redress.events.envelope import EventData

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
    """`duplicate_of`: the case this one duplicates, which rejecting as a duplicate names (the
    handler has checked that it is a case of the tenant)."""

    grounds: Grounds
    explanation: str = ""
    duplicate_of: str | None = None


@dataclass(frozen=True)
class Withdraw:
    """The worker withdrew their grievance: an open case ends, at whatever stage."""


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


def open_case(c: OpenCase, state: Case) -> list[EventData]:
    if state.status is not Status.none:
        raise CaseRefused("already-open", "a case is already open for this grievance")
    due = due_on(Stage.admissibility, c.today, c.today, c.frames)
    return [
        CaseOpened(
            case_id=c.case_id, grievance_id=c.grievance_id, category=c.category,
            country=c.country, site_id=c.site_id, member_org=c.member_org, language=c.language,
            identity_shareable=c.identity_shareable, opened_on=c.today,
        ),
        StageEntered(
            case_id=c.case_id, grievance_id=c.grievance_id, stage=Stage.admissibility,
            due_on=due, due_at=c.frames.end_of(due) if due else None,
        ),
    ]  # fmt: skip


def _triage(c: Triage, state: Case) -> list[EventData]:
    require_open(state, *ORDER[:5])
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


def _accept(c: Accept, state: Case) -> list[EventData]:
    require_open(state, Stage.admissibility)
    return [enter(state, Stage.verification, c.today, c.frames)]


def _reject(c: Reject, state: Case) -> list[EventData]:
    require_open(state, Stage.admissibility)
    if c.grounds is Grounds.withdrawn_by_worker:
        raise CaseRefused("worker-withdraws", "only the worker withdraws a grievance: on their "
                          "status page, or through an operator who has their receipt")  # fmt: skip
    if c.grounds is not Grounds.duplicate and c.duplicate_of:
        raise CaseRefused("not-a-duplicate", "only a duplicate names the case it duplicates")
    # Without the case it duplicates, the worker's grievance would be turned away with nowhere
    # to follow it: a duplicate is rejected in favour of a case someone can look up.
    if c.grounds is Grounds.duplicate and not c.duplicate_of:
        raise CaseRefused("duplicate-names-no-case", "a duplicate names the case it duplicates")
    if c.duplicate_of == state.case_id:
        raise CaseRefused("duplicate-of-itself", "a case cannot duplicate itself")
    return [CaseRejected(case_id=state.case_id, grievance_id=state.grievance_id,
                         grounds=c.grounds, explanation=c.explanation,
                         duplicate_of=c.duplicate_of)]  # fmt: skip


def _withdraw(c: Withdraw, state: Case) -> list[EventData]:
    if state.withdrawn:
        return []
    # A case already closed or rejected keeps its ending, but the worker's word is recorded:
    # from now on nobody contacts them about it and no officer reopens it.
    if state.status is not Status.open:
        return [CaseWithdrawn(case_id=state.case_id, grievance_id=state.grievance_id)]
    return [CaseRejected(case_id=state.case_id, grievance_id=state.grievance_id,
                         grounds=Grounds.withdrawn_by_worker)]  # fmt: skip


HANDLERS: dict[type, Decider] = {
    Triage: _triage, Accept: _accept, Reject: _reject, Withdraw: _withdraw,
}  # fmt: skip
