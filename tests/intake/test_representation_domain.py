"""Given a grievance's events, when a representative or the worker acts: pure, no servers."""

import pytest

from redress.events.catalogue.grievance import (
    Category,
    Channel,
    GrievanceSubmitted,
    Sealed,
    WithdrawalRequested,
)
from redress.events.catalogue.representation import (
    Capacity,
    RepresentationAnswered,
    RepresentationRequested,
    RepresentativeRecorded,
)
from redress.intake.representation_domain import (
    AnswerRequest,
    RecordFiler,
    RepresentationRefused,
    RequestAccompaniment,
    decide,
    fold,
)

FILED = GrievanceSubmitted(
    grievance_id="g1", channel=Channel.web, language="bn", country="BD",
    category=Category.wages_and_benefits, personal=Sealed(key_id="k", ciphertext="c"),
    receipt_reference="R-1", receipt_hash="h", filed_digest="",
)  # fmt: skip
ASKED = RepresentationRequested(grievance_id="g1", org="union-a")


def refused(command, *events) -> str:
    with pytest.raises(RepresentationRefused) as caught:
        decide(command, fold(list(events)))
    return caught.value.kind


def test_a_representative_that_filed_is_recorded_beside_the_worker():
    (recorded,) = decide(RecordFiler("ngo-b"), fold([FILED]))
    assert recorded == RepresentativeRecorded(grievance_id="g1", org="ngo-b",
                                              capacity=Capacity.filed_for)  # fmt: skip
    assert fold([FILED, recorded]).representatives == {"ngo-b": Capacity.filed_for}


def test_a_request_to_accompany_waits_for_the_worker_who_alone_allows_it():
    assert decide(RequestAccompaniment("union-a"), fold([FILED])) == [ASKED]
    assert decide(RequestAccompaniment("union-a"), fold([FILED, ASKED])) == []  # asked once
    allowed = decide(AnswerRequest("union-a", True), fold([FILED, ASKED]))
    assert allowed == [
        RepresentationAnswered(grievance_id="g1", org="union-a", allowed=True),
        RepresentativeRecorded(grievance_id="g1", org="union-a", capacity=Capacity.accompanies),
    ]
    state = fold([FILED, ASKED, *allowed])
    assert state.representatives == {"union-a": Capacity.accompanies} and not state.pending
    assert decide(RequestAccompaniment("union-a"), state) == []  # already beside the worker
    refusal = decide(AnswerRequest("union-a", False), fold([FILED, ASKED]))
    assert refusal == [RepresentationAnswered(grievance_id="g1", org="union-a", allowed=False)]
    assert fold([FILED, ASKED, *refusal]).representatives == {}


def test_what_cannot_be_asked_or_answered_is_refused():
    assert refused(RequestAccompaniment("union-a")) == "unknown-reference"
    assert refused(AnswerRequest("union-a", True), FILED) == "no-request"
    withdrawn = WithdrawalRequested(grievance_id="g1")
    assert refused(RequestAccompaniment("union-a"), FILED, withdrawn) == "not-open"
    assert refused(AnswerRequest("union-a", True), FILED, ASKED, withdrawn) == "no-request"
