"""Verification and the response, pure: IOM's steps 1 and 2 record what they decide.

Step 1 gathers findings (interviews, documents, a site visit) and decides whether they bear
the grievance out; step 2 decides who answers, how the company is involved in the harm, and
whether the State, law enforcement or a referral is needed. A referral needed here becomes
the `ReferralRecommended` the referral service already acts on, once per case.
"""

from __future__ import annotations

from dataclasses import dataclass

from redress.cases.domain import CaseRefused, Stage, Status, fold
from redress.events.catalogue.case import (
    CaseTriaged,
    FindingSource,
    Involvement,
    ReferralRecommended,
    ResponseDetermined,
    ResponseLevel,
    Substantiation,
    VerificationDecided,
    VerificationFindingRecorded,
)
from redress.events.catalogue.grievance import Sealed
from redress.events.envelope import EventData


@dataclass(frozen=True)
class RecordFinding:
    source: FindingSource
    finding: Sealed


@dataclass(frozen=True)
class DecideVerification:
    decision: Substantiation
    reasons: str


@dataclass(frozen=True)
class DetermineResponse:
    level: ResponseLevel
    involvement: Involvement
    state_needed: bool
    law_enforcement_needed: bool
    referral_needed: bool
    reasons: str


Command = RecordFinding | DecideVerification | DetermineResponse


def _at(events: list[EventData], stage: Stage) -> str:
    """The case's id, if it is open at `stage`; else refused as the process says."""
    case = fold(events)
    if case.status is Status.none:
        raise CaseRefused("unknown-case", "there is no such case")
    if case.status is not Status.open:
        raise CaseRefused("not-open", f"the case is {case.status.value}")
    if case.stage is not stage:
        raise CaseRefused("wrong-stage", f"this can be done at {stage}, not at {case.stage}")
    return case.case_id


def decide(command: Command, events: list[EventData]) -> list[EventData]:
    match command:
        case RecordFinding(source=source, finding=finding):
            case_id = _at(events, Stage.verification)
            return [VerificationFindingRecorded(case_id=case_id, source=source, finding=finding)]
        case DecideVerification(decision=decision, reasons=reasons):
            case_id = _at(events, Stage.verification)
            if not any(isinstance(e, VerificationFindingRecorded) for e in events):
                raise CaseRefused("no-findings", "record what verification found first")
            return [VerificationDecided(case_id=case_id, decision=decision, reasons=reasons)]
        case DetermineResponse():
            return _respond(command, events)
    raise AssertionError(f"unhandled command {command!r}")


def _respond(c: DetermineResponse, events: list[EventData]) -> list[EventData]:
    case_id = _at(events, Stage.response)
    if not any(isinstance(e, VerificationDecided) for e in events):
        raise CaseRefused("not-verified", "decide what verification found first")
    decided: list[EventData] = [
        ResponseDetermined(
            case_id=case_id, level=c.level, involvement=c.involvement,
            state_needed=c.state_needed, law_enforcement_needed=c.law_enforcement_needed,
            referral_needed=c.referral_needed, reasons=c.reasons,
        )
    ]  # fmt: skip
    if c.referral_needed and not fold(events).referral_recommended:
        # The referral names what triage found, as a triage's own recommendation does.
        triaged = [e for e in events if isinstance(e, CaseTriaged)]
        reasons = triaged[-1].indicators if triaged else ()
        decided.append(ReferralRecommended(case_id=case_id, reasons=reasons))
    return decided
