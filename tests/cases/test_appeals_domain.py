"""Given the case's events (with who wrote each), when a review command, then events or a
refusal: reviews of a decision, pure."""

from datetime import UTC, date, datetime
from uuid import uuid4

import pytest

from redress.cases import appeals
from redress.cases.domain import (
    Advance,
    CaseRefused,
    Close,
    Grounds,
    OpenCase,
    Outcome,
    Reject,
    Stage,
    TimeFrames,
    Withdraw,
    decide,
    fold,
)
from redress.events.catalogue.case import CaseClosed, CaseRejected, CaseReopened, StageEntered
from redress.events.catalogue.case_oversight import ReviewDecided, ReviewOpened, ReviewResult
from redress.events.envelope import SYSTEM, Actor, Event, EventData

DAY = date(2026, 3, 2)
FIRST, SECOND = Actor(id="officer-1", role="officer"), Actor(id="officer-2", role="officer")
OPENED = decide(OpenCase("case-1", "g", "wages_and_benefits", "BD", DAY), fold([]))
REJECTED = CaseRejected(case_id="case-1", grievance_id="g", grounds="out_of_scope")
ASKED = ReviewOpened(case_id="case-1", grievance_id="g", decision="rejection")


def recorded(*given: tuple[EventData, Actor]) -> list[Event]:
    return [
        Event(id=uuid4(), type=data.type, schemaversion=1, stream="case-1", version=n,
              position=n, tx_id=n, tenant="acme", time=datetime(2026, 3, 2, tzinfo=UTC),
              data=data, actor=actor)
        for n, (data, actor) in enumerate(given, start=1)
    ]  # fmt: skip


def opened() -> list[tuple[EventData, Actor]]:
    return [(e, SYSTEM) for e in OPENED]


def review(result: ReviewResult, officer: Actor = SECOND) -> appeals.DecideReview:
    return appeals.DecideReview(officer.id, result, "The grounds hold", DAY, TimeFrames())


def test_a_request_opens_a_review_of_the_rejection_once():
    given = [*opened(), (REJECTED, FIRST)]
    assert appeals.decide(appeals.OpenReview(), recorded(*given)) == [ASKED]
    assert appeals.decide(appeals.OpenReview(), recorded(*given, (ASKED, SYSTEM))) == []


def test_an_outcome_can_be_reviewed():
    closed = CaseClosed(case_id="case-1", grievance_id="g", outcome="referred")
    then = appeals.decide(appeals.OpenReview(), recorded(*opened(), (closed, FIRST)))
    assert then == [ReviewOpened(case_id="case-1", grievance_id="g", decision="outcome")]


def test_nothing_decided_or_withdrawn_by_the_worker_opens_no_review():
    assert appeals.decide(appeals.OpenReview(), recorded(*opened())) == []
    state = fold(list(OPENED))
    withdrawn = decide(Withdraw(), state)
    given = [*opened(), *((e, SYSTEM) for e in withdrawn)]
    assert appeals.decide(appeals.OpenReview(), recorded(*given)) == []


def test_the_officer_who_decided_may_not_review():
    given = recorded(*opened(), (REJECTED, FIRST), (ASKED, SYSTEM))
    with pytest.raises(CaseRefused) as refused:
        appeals.decide(review(ReviewResult.upheld, FIRST), given)
    assert refused.value.kind == "own-decision"


def test_no_review_without_the_workers_request_nor_twice():
    with pytest.raises(CaseRefused) as refused:
        appeals.decide(review(ReviewResult.upheld), recorded(*opened(), (REJECTED, FIRST)))
    assert refused.value.kind == "no-review"
    decided = ReviewDecided(case_id="case-1", grievance_id="g", result=ReviewResult.upheld,
                            reasons="The grounds hold")  # fmt: skip
    given = recorded(*opened(), (REJECTED, FIRST), (ASKED, SYSTEM), (decided, SECOND))
    with pytest.raises(CaseRefused):
        appeals.decide(review(ReviewResult.reversed), given)
    assert appeals.decide(appeals.OpenReview(), given) == []  # reviewed once


def test_upheld_the_decision_stands():
    given = recorded(*opened(), (REJECTED, FIRST), (ASKED, SYSTEM))
    assert appeals.decide(review(ReviewResult.upheld), given) == [
        ReviewDecided(
            case_id="case-1",
            grievance_id="g",
            result=ReviewResult.upheld,
            reasons="The grounds hold",
        )
    ]


def test_reversed_the_case_is_taken_up_again_and_a_new_decision_may_be_reviewed():
    given = [*opened(), (REJECTED, FIRST), (ASKED, SYSTEM)]
    then = appeals.decide(review(ReviewResult.reversed), recorded(*given))
    assert [type(e) for e in then] == [ReviewDecided, CaseReopened, StageEntered]
    assert then[1].reason == "reversed on review"  # the reasons are the worker's alone
    assert isinstance(then[2], StageEntered) and then[2].stage == "verification"
    # Decided again, by the second officer: a new decision, reviewable by another.
    reopened = fold([e for e, _ in given] + then)
    responded = decide(Advance(Stage.response, DAY), reopened)
    again = responded + decide(
        Close(Outcome.referred), fold([e for e, _ in given] + then + responded)
    )
    later = [*given, *((e, SECOND) for e in then), *((e, SECOND) for e in again)]
    assert appeals.decide(appeals.OpenReview(), recorded(*later)) == [
        ReviewOpened(case_id="case-1", grievance_id="g", decision="outcome")
    ]
    asked = recorded(*later, (ASKED, SYSTEM))
    with pytest.raises(CaseRefused):
        appeals.decide(review(ReviewResult.upheld, SECOND), asked)
    assert appeals.decide(review(ReviewResult.upheld, FIRST), asked)[0].result == "upheld"


def test_a_rejection_is_still_what_reject_writes():
    assert decide(Reject(Grounds.out_of_scope), fold(list(OPENED)))[0] == REJECTED


def test_a_case_reopened_meanwhile_leaves_nothing_to_review():
    reopened = CaseReopened(case_id="case-1", grievance_id="g", reason="New facts")
    given = recorded(*opened(), (REJECTED, FIRST), (ASKED, SYSTEM), (reopened, FIRST))
    with pytest.raises(CaseRefused) as refused:
        appeals.decide(review(ReviewResult.upheld), given)
    assert refused.value.kind == "no-review"
