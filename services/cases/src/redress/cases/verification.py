"""Verification and the response, pure: IOM's steps 1 and 2 record what they decide.

Step 1 gathers findings (interviews, documents, a site visit) and decides whether they bear
the grievance out; step 2 decides who answers, how the company is involved in the harm, and
whether the State, law enforcement or a referral is needed. A referral needed here becomes
the `ReferralRecommended` the referral service already acts on, once per case.

A finding may carry its evidence: files (photos, recordings, documents) attached when it is
recorded or later, while the case is in verification, each sealed beside the grievance's
key (`redress.cases.evidence`). A finding is named by its version in the case's stream.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar

from redress.cases.domain import CaseRefused, Stage, Status, fold
from redress.events.catalogue.case import CaseTriaged, ReferralRecommended
from redress.events.catalogue.case_verification import (
    FindingSource,
    Involvement,
    ResponseDetermined,
    ResponseLevel,
    Substantiation,
    VerificationDecided,
    VerificationEvidenceAttached,
    VerificationFindingRecorded,
)
from redress.events.catalogue.grievance import Sealed
from redress.events.envelope import EventData

# Enough for the photos of a site visit; more belongs in another finding.
MAX_EVIDENCE = 20


class VerificationRefused(CaseRefused):
    statuses: ClassVar[dict[str, int]] = {"unknown-finding": 404}


@dataclass(frozen=True)
class Evidence:
    """A file already sealed in the keyring, and its name and digest sealed for the log."""

    file_id: str
    content_type: str
    size: int
    described: Sealed


@dataclass(frozen=True)
class RecordFinding:
    source: FindingSource
    finding: Sealed
    evidence: tuple[Evidence, ...] = ()


@dataclass(frozen=True)
class AttachEvidence:
    finding_version: int
    evidence: tuple[Evidence, ...]


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


Command = RecordFinding | AttachEvidence | DecideVerification | DetermineResponse


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
        case RecordFinding(source=source, finding=finding, evidence=evidence):
            case_id = _at(events, Stage.verification)
            recorded = VerificationFindingRecorded(case_id=case_id, source=source, finding=finding)
            return [recorded, *_attached(case_id, len(events) + 1, evidence, 0)]
        case AttachEvidence(finding_version=version, evidence=evidence):
            case_id = _at(events, Stage.verification)
            if not 1 <= version <= len(events) or not isinstance(
                events[version - 1], VerificationFindingRecorded
            ):
                raise VerificationRefused("unknown-finding", "the case has no such finding")
            earlier = sum(
                1 for e in events
                if isinstance(e, VerificationEvidenceAttached) and e.finding_version == version
            )  # fmt: skip
            return _attached(case_id, version, evidence, earlier)
        case DecideVerification(decision=decision, reasons=reasons):
            case_id = _at(events, Stage.verification)
            if not any(isinstance(e, VerificationFindingRecorded) for e in events):
                raise CaseRefused("no-findings", "record what verification found first")
            return [VerificationDecided(case_id=case_id, decision=decision, reasons=reasons)]
        case DetermineResponse():
            return _respond(command, events)
    raise AssertionError(f"unhandled command {command!r}")


def _attached(
    case_id: str, version: int, evidence: tuple[Evidence, ...], earlier: int
) -> list[EventData]:
    if earlier + len(evidence) > MAX_EVIDENCE:
        raise CaseRefused(
            "too-many-files", f"a finding holds at most {MAX_EVIDENCE} files: record another"
        )
    return [
        VerificationEvidenceAttached(
            case_id=case_id, finding_version=version, file_id=e.file_id,
            content_type=e.content_type, size=e.size, described=e.described,
        )
        for e in evidence
    ]  # fmt: skip


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
