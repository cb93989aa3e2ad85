"""Given a case's events, when verification or the response is recorded, then events or a
refusal (IOM steps 1 and 2), pure."""

import pytest

from redress.cases import verification as v
from redress.cases.domain import (
    Accept,
    Advance,
    CaseRefused,
    Close,
    Grounds,
    Outcome,
    Reject,
    Severity,
    Stage,
    Triage,
    decide,
    fold,
)
from redress.events.catalogue.case import ReferralRecommended
from redress.events.catalogue.case_verification import (
    FindingSource,
    Involvement,
    ResponseDetermined,
    ResponseLevel,
    Substantiation,
    VerificationDecided,
    VerificationFindingRecorded,
)
from tests.cases.test_domain import DAY, OPENED, SEALED

FINDING = v.RecordFinding(FindingSource.interview, SEALED)
DECISION = v.DecideVerification(Substantiation.partly_substantiated, "Two of three confirmed")


def respond(referral: bool) -> v.DetermineResponse:
    return v.DetermineResponse(
        ResponseLevel.company, Involvement.contributed, state_needed=True,
        law_enforcement_needed=False, referral_needed=referral, reasons="Wages owed",
    )  # fmt: skip


def with_(events: list, *commands) -> list:
    """`events`, then what each of `commands` decides (each must be allowed)."""
    for command in commands:
        events = events + v.decide(command, events)
    return events


def refused(given: list, command) -> str:
    with pytest.raises(CaseRefused) as caught:
        v.decide(command, given)
    return caught.value.kind


def case(events: list, *commands) -> list:
    """`events`, then what each of the case's own `commands` decides."""
    for command in commands:
        events = events + decide(command, fold(events))
    return events


def at_verification(*before) -> list:
    return case(list(OPENED), *before, Accept(DAY))


def advanced(events: list, to: Stage) -> list:
    return case(events, Advance(to, DAY))


def test_a_finding_is_recorded_with_its_source_while_the_case_is_in_verification():
    assert v.decide(FINDING, at_verification()) == [
        VerificationFindingRecorded(case_id="case-1", source="interview", finding=SEALED)
    ]


def test_verification_decides_on_its_findings():
    given = with_(at_verification(), FINDING)
    assert v.decide(DECISION, given) == [
        VerificationDecided(case_id="case-1", decision="partly_substantiated",
                            reasons="Two of three confirmed")
    ]  # fmt: skip


def test_a_decision_without_any_finding_is_refused():
    assert refused(at_verification(), DECISION) == "no-findings"


def test_findings_and_decisions_belong_to_verification_only():
    assert refused(OPENED, FINDING) == "wrong-stage"  # still at admissibility
    at_response = advanced(with_(at_verification(), FINDING), Stage.response)
    assert refused(at_response, FINDING) == "wrong-stage"
    assert refused(at_response, DECISION) == "wrong-stage"


def test_nothing_is_verified_on_a_rejected_case_or_no_case():
    rejected = case(list(OPENED), Reject(Grounds.out_of_scope))
    assert refused(rejected, FINDING) == "not-open"
    assert refused([], FINDING) == "unknown-case"


def test_the_response_records_level_involvement_and_who_must_act():
    verified = with_(at_verification(), FINDING, DECISION)
    assert v.decide(respond(False), advanced(verified, Stage.response)) == [
        ResponseDetermined(case_id="case-1", level="company", involvement="contributed",
                           state_needed=True, law_enforcement_needed=False,
                           referral_needed=False, reasons="Wages owed")
    ]  # fmt: skip


def test_a_referral_needed_recommends_one_with_what_triage_found():
    triage = Triage(("withheld_wages",), Severity.medium)
    verified = with_(at_verification(triage), FINDING, DECISION)
    decided = v.decide(respond(True), advanced(verified, Stage.response))
    assert decided[1:] == [ReferralRecommended(case_id="case-1", reasons=("withheld_wages",))]


def test_a_case_already_recommended_for_referral_is_not_recommended_again():
    triage = Triage(("debt_bondage",), Severity.high)  # escalates: recommended at triage
    verified = with_(at_verification(triage), FINDING, DECISION)
    decided = v.decide(respond(True), advanced(verified, Stage.response))
    assert [type(e) for e in decided] == [ResponseDetermined]


def test_the_response_waits_for_verification_and_belongs_to_its_own_step():
    unverified = advanced(at_verification(), Stage.response)
    assert refused(unverified, respond(False)) == "not-verified"
    verified = with_(at_verification(), FINDING, DECISION)
    assert refused(verified, respond(False)) == "wrong-stage"  # still in verification
    closed = case(advanced(verified, Stage.response), Close(Outcome.referred))
    assert refused(closed, respond(False)) == "not-open"
