"""Given a case's events, when evidence is attached to a finding, then events or a refusal
(IOM step 1), pure."""

import pytest

from redress.cases import verification as v
from redress.cases.domain import CaseRefused, Grounds, Reject, Stage
from redress.events.catalogue.case_verification import VerificationEvidenceAttached
from redress.events.catalogue.grievance import Sealed
from tests.cases.test_domain import OPENED, SEALED
from tests.cases.test_verification_domain import (
    DECISION,
    FINDING,
    advanced,
    at_verification,
    case,
    with_,
)

NAMED = Sealed(key_id="grievance-1", ciphertext="bmFtZQ==")


def files(*ids: str) -> tuple[v.Evidence, ...]:
    return tuple(v.Evidence(i, "image/jpeg", 1200, NAMED) for i in ids)


def attached(version: int, *ids: str) -> list[VerificationEvidenceAttached]:
    return [
        VerificationEvidenceAttached(case_id="case-1", finding_version=version, file_id=i,
                                     content_type="image/jpeg", size=1200, described=NAMED)
        for i in ids
    ]  # fmt: skip


def refused(given: list, command) -> tuple[str, int]:
    with pytest.raises(CaseRefused) as caught:
        v.decide(command, given)
    return caught.value.kind, caught.value.status


def test_a_finding_recorded_with_files_names_itself_by_the_version_it_is_recorded_at():
    given = at_verification()
    decided = v.decide(v.RecordFinding(FINDING.source, SEALED, files("a", "b")), given)
    assert decided[1:] == attached(len(given) + 1, "a", "b")
    assert decided[0] == v.decide(FINDING, given)[0]


def test_files_are_attached_to_a_finding_recorded_earlier():
    given = with_(at_verification(), FINDING)
    version = len(given)
    given = with_(given, DECISION)  # a decision since does not close the finding
    assert v.decide(v.AttachEvidence(version, files("c")), given) == attached(version, "c")


def test_a_version_that_is_no_finding_is_not_found():
    given = with_(at_verification(), FINDING)
    for version in (1, len(given) + 1, 0, 10_000):  # the opening, beyond, nothing
        assert refused(given, v.AttachEvidence(version, files("x"))) == ("unknown-finding", 404)


def test_a_finding_holds_at_most_twenty_files():
    given = with_(at_verification(), v.RecordFinding(FINDING.source, SEALED, files(*"abcdefghij")))
    version = len(given) - 10
    given = with_(given, v.AttachEvidence(version, files(*"klmnopqrst")))
    assert refused(given, v.AttachEvidence(version, files("u"))) == ("too-many-files", 409)
    many = v.RecordFinding(FINDING.source, SEALED, files(*[str(i) for i in range(21)]))
    assert refused(at_verification(), many)[0] == "too-many-files"
    # Another finding has room of its own.
    given = with_(given, FINDING)
    assert v.decide(v.AttachEvidence(len(given), files("u")), given) == attached(len(given), "u")


def test_evidence_belongs_to_verification_of_an_open_case():
    given = with_(at_verification(), FINDING)
    version = len(given)
    at_response = advanced(given, Stage.response)
    assert refused(at_response, v.AttachEvidence(version, files("x")))[0] == "wrong-stage"
    with_files = v.RecordFinding(FINDING.source, SEALED, files("x"))
    assert refused(list(OPENED), with_files)[0] == "wrong-stage"
    rejected = case(list(OPENED), Reject(Grounds.out_of_scope))
    assert refused(rejected, with_files)[0] == "not-open"
    assert refused([], v.AttachEvidence(1, files("x")))[0] == "unknown-case"
