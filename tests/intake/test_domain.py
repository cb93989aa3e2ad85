"""Given events, when a command, then events (or a refusal): the grievance, pure."""

import pytest

from redress.events.catalogue.grievance import (
    AttachmentAdded,
    Category,
    Channel,
    Consent,
    ErasureReason,
    GrievanceSubmitted,
    GrievanceUpdated,
    PersonalDataErased,
    Sealed,
    WithdrawalRequested,
    WorkerMessagePosted,
)
from redress.events.catalogue.grievance_answers import (
    ConsentAnswer,
    ContactConsentChanged,
    PlanAnswer,
    PlanAnswered,
    ReferralConsentAnswered,
    RemedyConfirmed,
    ReviewRequested,
)
from redress.intake.domain import (
    AddInformation,
    AnswerPlan,
    AnswerReferralConsent,
    AttachFile,
    ChangeContactConsent,
    ConfirmRemedy,
    ErasePersonalData,
    GrievanceRefused,
    PostWorkerMessage,
    RequestReview,
    RequestWithdrawal,
    SubmitGrievance,
    decide,
    fold,
)

G = "g1"
SEALED = Sealed(key_id="grievance-g1", ciphertext="c2VhbGVk")
SUBMIT = SubmitGrievance(
    grievance_id=G,
    channel=Channel.web,
    language="bn",
    country="BD",
    category=Category.wages_and_benefits,
    personal=SEALED,
    receipt_reference="R1",
    receipt_hash="h",
    filed_digest="d",
)
SUBMITTED = decide(SUBMIT, fold([]))[0]
ATTACHED = AttachmentAdded(grievance_id=G, attachment_id="a", content_type="image/png", size=3)


def then(given, command):
    return decide(command, fold(given))


def refused(given, command) -> str:
    with pytest.raises(GrievanceRefused) as caught:
        decide(command, fold(given))
    return caught.value.kind


def test_submit_a_new_grievance():
    assert isinstance(SUBMITTED, GrievanceSubmitted)
    assert SUBMITTED.personal == SEALED and SUBMITTED.consent.contact_me is False


def test_submit_twice_is_refused():
    assert refused([SUBMITTED], SUBMIT) == "already-filed"


def test_add_information():
    assert then([SUBMITTED], AddInformation(G, SEALED)) == [
        GrievanceUpdated(grievance_id=G, addition=SEALED)
    ]


def test_commands_on_an_unknown_grievance_are_refused():
    for command in (AddInformation(G, SEALED), RequestWithdrawal(G), ErasePersonalData(G)):
        assert refused([], command) == "unknown-grievance"


def test_attach_up_to_five_files():
    assert then([SUBMITTED, *[ATTACHED] * 4], AttachFile(G, "b", "application/pdf", 9))[0].size == 9
    assert refused([SUBMITTED, *[ATTACHED] * 5], AttachFile(G, "b", "application/pdf", 9)) == (
        "too-many-attachments"
    )


def test_worker_message():
    event = then([SUBMITTED], PostWorkerMessage(G, SEALED, Channel.sms))[0]
    assert event == WorkerMessagePosted(grievance_id=G, message=SEALED, channel=Channel.sms)


def test_withdraw_once():
    assert then([SUBMITTED], RequestWithdrawal(G)) == [WithdrawalRequested(grievance_id=G)]
    withdrawn = WithdrawalRequested(grievance_id=G)
    assert refused([SUBMITTED, withdrawn], RequestWithdrawal(G)) == "withdrawn"
    assert refused([SUBMITTED, withdrawn], AddInformation(G, SEALED)) == "withdrawn"
    assert refused([SUBMITTED, withdrawn], AttachFile(G, "b", "image/png", 1)) == "withdrawn"
    # A withdrawn grievance can still be talked about, and erased.
    assert then([SUBMITTED, withdrawn], PostWorkerMessage(G, SEALED))
    assert then([SUBMITTED, withdrawn], ErasePersonalData(G))


def test_each_change_of_consent_to_be_contacted_is_an_event_and_no_change_is_none():
    assert then([SUBMITTED], ChangeContactConsent(G, contact_me=False)) == []
    allowed = then([SUBMITTED], ChangeContactConsent(G, contact_me=True))
    assert allowed == [ContactConsentChanged(grievance_id=G, contact_me=True)]
    assert then([SUBMITTED, *allowed], ChangeContactConsent(G, contact_me=True)) == []
    stopped = then([SUBMITTED, *allowed], ChangeContactConsent(G, contact_me=False))
    assert stopped == [ContactConsentChanged(grievance_id=G, contact_me=False)]
    # Consent given when filing is where it starts.
    consented = decide(SubmitGrievance(**{**SUBMIT.__dict__, "consent": Consent(contact_me=True)}),
                       fold([]))  # fmt: skip
    assert then(consented, ChangeContactConsent(G, contact_me=True)) == []
    erased = then([SUBMITTED], ErasePersonalData(G))
    assert refused([SUBMITTED, *erased], ChangeContactConsent(G, contact_me=True)) == "erased"


def test_erase_deletes_the_key_once_and_ends_everything_else():
    assert then([SUBMITTED], ErasePersonalData(G)) == [
        PersonalDataErased(grievance_id=G, key_id="grievance-g1", reason="worker_request")
    ]
    assert then([SUBMITTED], ErasePersonalData(G, ErasureReason.retention)) == [
        PersonalDataErased(grievance_id=G, key_id="grievance-g1", reason="retention")
    ]
    erased = PersonalDataErased(grievance_id=G, key_id="grievance-g1", reason="retention")
    assert refused([SUBMITTED, erased], ErasePersonalData(G)) == "erased"
    for command in (
        AddInformation(G, SEALED),
        PostWorkerMessage(G, SEALED),
        RequestWithdrawal(G),
        AttachFile(G, "b", "image/png", 1),
    ):
        assert refused([SUBMITTED, erased], command) == "erased"


def test_erasures_stored_before_retention_read_as_the_workers_own():
    from redress.events.catalogue import load

    old = load("PersonalDataErased", 1, {"grievance_id": G, "key_id": "grievance-g1"})
    assert isinstance(old, PersonalDataErased)
    assert old.reason is ErasureReason.worker_request and old.schemaversion == 2


def test_a_review_request_is_the_workers_while_the_report_is_theirs():
    assert then([SUBMITTED], RequestReview(G)) == [ReviewRequested(grievance_id=G)]
    withdrawn = WithdrawalRequested(grievance_id=G)
    assert refused([SUBMITTED, withdrawn], RequestReview(G)) == "withdrawn"
    assert refused([], RequestReview(G)) == "unknown-grievance"


def test_an_objection_to_the_plan_says_why_in_the_workers_message():
    assert then([SUBMITTED], AnswerPlan(G, PlanAnswer.agree)) == [
        PlanAnswered(grievance_id=G, answer=PlanAnswer.agree)
    ]
    assert refused([SUBMITTED], AnswerPlan(G, PlanAnswer.object)) == "comment-needed"
    assert then([SUBMITTED], AnswerPlan(G, PlanAnswer.object, SEALED)) == [
        PlanAnswered(grievance_id=G, answer=PlanAnswer.object),
        WorkerMessagePosted(grievance_id=G, message=SEALED),
    ]
    withdrawn = WithdrawalRequested(grievance_id=G)
    assert refused([SUBMITTED, withdrawn], AnswerPlan(G, PlanAnswer.call)) == "withdrawn"


def test_the_worker_says_whether_a_remedy_reached_them():
    assert then([SUBMITTED], ConfirmRemedy(G, "a-1", False)) == [
        RemedyConfirmed(grievance_id=G, action_id="a-1", delivered=False)
    ]


def test_an_answer_checked_against_a_request_answered_since_is_refused():
    # The worker agrees on their page while an operator records their refusal on the phone:
    # both were checked against intake's record of the request before either was recorded.
    agree = AnswerReferralConsent(G, "r1", "shelter", ConsentAnswer.given, ("contact",))
    decline = AnswerReferralConsent(
        G, "r1", "shelter", ConsentAnswer.declined, channel=Channel.hotline
    )
    (agreed,) = then([SUBMITTED], agree)
    assert agreed == ReferralConsentAnswered(
        grievance_id=G, referral_id="r1", partner_id="shelter", answer=ConsentAnswer.given,
        fields=("contact",), channel=Channel.web,
    )  # fmt: skip
    assert refused([SUBMITTED, agreed], decline) == "consent-answered"
    # Checked against the record once it holds the first answer, the next answer is the
    # worker's to give (withdrawing the agreement, or an answer to the partner chosen again).
    revoke = AnswerReferralConsent(G, "r1", "shelter", ConsentAnswer.revoked, seen=1)
    assert [e.answer for e in then([SUBMITTED, agreed], revoke)] == [ConsentAnswer.revoked]
    # Another request of the same report is answered on its own.
    other = AnswerReferralConsent(G, "r1", "nrm", ConsentAnswer.declined)
    assert [e.partner_id for e in then([SUBMITTED, agreed], other)] == ["nrm"]
