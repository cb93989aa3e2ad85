"""Given an assessment's events, when a command, then events or a refusal: pure, no I/O."""

from __future__ import annotations

import pytest

from redress.assessment.domain import (
    AgreeRating,
    Answer,
    Challenge,
    DisputeRating,
    ProposeRating,
    Reply,
    Start,
    Submit,
    Verify,
    aggregate,
)
from redress.assessment.frameworks import catalogue
from redress.assessment.state import AssessmentRefused, Review, Status
from redress.events.catalogue.assessment import (
    AnswerChallenged,
    AnswerRecorded,
    AnswerValue,
    AnswerVerified,
    AssessmentStarted,
    AssessmentSubmitted,
    ChallengeAnswered,
    Evidence,
    RatingAgreed,
    RatingDisputed,
    RatingProposed,
)
from redress.events.envelope import EventData

FRAMEWORKS = catalogue()
JOURNEY = FRAMEWORKS.latest("gm-journey")
DIGEST = FRAMEWORKS.digest("gm-journey", 1)
ASSESSMENT = aggregate(FRAMEWORKS)
STARTED = AssessmentStarted(org="acme-apparel", framework="gm-journey", version=1, digest=DIGEST,
                            title="2026")  # fmt: skip
LAUNCHED = [c.id for c in JOURNEY.criteria().values() if c.group == "governance" and c.level == 0]
POLICY = Evidence(text="Board minutes, March 2026", url="https://acme.example/policy.pdf")


def met(criterion: str) -> AnswerRecorded:
    return AnswerRecorded(criterion=criterion, answer=AnswerValue.met, evidence=(POLICY,))


ANSWERED = [STARTED, *(met(c) for c in LAUNCHED)]
SUBMITTED = [*ANSWERED, AssessmentSubmitted(unanswered=tuple(c for c in JOURNEY.criteria()
                                                             if c not in LAUNCHED))]  # fmt: skip
CHALLENGED = [*SUBMITTED, AnswerChallenged(criterion="gov-l2", comment="Is the policy signed?")]
PROPOSED = [*SUBMITTED, RatingProposed(
    levels={"governance": "launched", "establishing": None, "implementing": None,
            "evaluating": None}, overall=None)]  # fmt: skip


def when(given: list[EventData], command: object) -> list[EventData]:
    return list(ASSESSMENT.decide(command, folded(given)))


def folded(given: list[EventData]):
    state = ASSESSMENT.initial("assessment-1")
    for event in given:
        state = ASSESSMENT.evolve(state, event)
    return state


def refused(given: list[EventData], command: object) -> str:
    with pytest.raises(AssessmentRefused) as refusal:
        when(given, command)
    return refusal.value.kind


# Starting.


def test_a_member_starts_an_assessment_naming_the_framework_version_and_its_digest():
    then = when([], Start("acme-apparel", JOURNEY, DIGEST, "2026"))
    assert then == [STARTED]


def test_an_assessment_starts_once_on_a_framework_that_exists_for_members():
    assert refused([STARTED], Start("acme-apparel", JOURNEY, DIGEST)) == "already-started"
    assert refused([], Start("acme-apparel", None)) == "unknown-framework"
    questions = FRAMEWORKS.latest("un-msi-questions")
    assert refused([], Start("acme-apparel", questions)) == "wrong-audience"
    assert refused([], Start("", JOURNEY)) == "wrong-audience"  # the initiative's own: not this


def test_the_initiative_assesses_itself_on_the_un_questions_and_submitting_ends_it():
    questions = FRAMEWORKS.latest("un-msi-questions")
    digest = FRAMEWORKS.digest("un-msi-questions", 1)
    (started,) = when([], Start("", questions, digest))
    answered = [started, AnswerRecorded(criterion="q3-1", answer=AnswerValue.met)]
    assert refused(answered, Answer("gov-l1", AnswerValue.met)) == "unknown-criterion"
    submitted = [*answered, *when(answered, Submit())]
    assert folded(submitted).status is Status.final  # nobody reviews the initiative's own
    assert refused(submitted, Verify("q3-1")) == "final"


def test_nothing_but_a_start_acts_on_an_assessment_not_started():
    for command in (Answer("gov-l1", AnswerValue.met), Submit(), ProposeRating()):
        assert refused([], command) == "unknown-assessment"


# Answering and submitting.


def test_a_draft_answer_is_recorded_with_its_evidence_and_may_be_changed():
    then = when([STARTED], Answer("gov-l1", AnswerValue.met, "", (POLICY,)))
    assert then == [met("gov-l1")]
    again = when([STARTED, *then], Answer("gov-l1", AnswerValue.partly, "Signed, not shared"))
    assert again == [AnswerRecorded(criterion="gov-l1", answer=AnswerValue.partly,
                                    reason="Signed, not shared")]  # fmt: skip
    assert folded([STARTED, *then, *again]).answers["gov-l1"].answer is AnswerValue.partly


def test_a_criterion_the_framework_does_not_have_is_refused():
    assert refused([STARTED], Answer("gov-l9", AnswerValue.met)) == "unknown-criterion"


def test_submitting_lists_the_criteria_left_unanswered():
    then = when(ANSWERED, Submit())
    assert len(then) == 1 and isinstance(then[0], AssessmentSubmitted)
    assert "gov-l1" not in then[0].unanswered and "eva-x3" in then[0].unanswered
    assert len(then[0].unanswered) == len(JOURNEY.criteria()) - len(LAUNCHED)


def test_an_empty_assessment_cannot_be_submitted_nor_one_twice():
    assert refused([STARTED], Submit()) == "nothing-answered"
    assert refused(SUBMITTED, Submit()) == "already-submitted"


def test_once_submitted_an_answer_changes_only_in_reply_to_a_challenge():
    assert refused(SUBMITTED, Answer("gov-l1", AnswerValue.not_met)) == "submitted"


# Review.


def test_an_officer_verifies_an_answer_once():
    then = when(SUBMITTED, Verify("gov-l1", "Seen the policy"))
    assert then == [AnswerVerified(criterion="gov-l1", comment="Seen the policy")]
    assert refused([*SUBMITTED, *then], Verify("gov-l1")) == "already-verified"


def test_only_a_submitted_answer_is_reviewed():
    assert refused(ANSWERED, Verify("gov-l1")) == "not-in-review"
    assert refused(SUBMITTED, Verify("est-l1")) == "unanswered"
    assert refused(SUBMITTED, Challenge("nope", "why")) == "unknown-criterion"


def test_a_challenge_needs_a_comment_and_waits_for_the_members_reply():
    assert refused(SUBMITTED, Challenge("gov-l2", "  ")) == "comment-required"
    assert when(SUBMITTED, Challenge("gov-l2", "Is the policy signed?")) == [CHALLENGED[-1]]
    assert refused(CHALLENGED, Challenge("gov-l2", "Again?")) == "already-challenged"
    assert folded(CHALLENGED).review("gov-l2") is Review.challenged


def test_the_member_replies_to_a_challenge_revising_its_answer_or_not():
    kept = when(CHALLENGED, Reply("gov-l2", "Signed by the CEO on 3 March"))
    assert kept == [ChallengeAnswered(criterion="gov-l2", comment="Signed by the CEO on 3 March")]
    revised = when(CHALLENGED, Reply("gov-l2", "Not yet signed", Answer("", AnswerValue.partly)))
    assert revised == [AnswerRecorded(criterion="gov-l2", answer=AnswerValue.partly),
                       ChallengeAnswered(criterion="gov-l2", comment="Not yet signed")]  # fmt: skip
    state = folded([*CHALLENGED, *revised])
    assert state.review("gov-l2") is Review.answered
    assert state.answers["gov-l2"].answer is AnswerValue.partly


def test_a_reply_needs_a_challenge_and_a_comment():
    assert refused(SUBMITTED, Reply("gov-l1", "unasked")) == "not-challenged"
    assert refused(CHALLENGED, Reply("gov-l2", "")) == "comment-required"


def test_an_officer_may_challenge_a_reply_again_or_verify_it():
    replied = [*CHALLENGED, ChallengeAnswered(criterion="gov-l2", comment="Signed")]
    assert when(replied, Challenge("gov-l2", "Send the signed copy")) == [
        AnswerChallenged(criterion="gov-l2", comment="Send the signed copy")]  # fmt: skip
    assert when(replied, Verify("gov-l2")) == [AnswerVerified(criterion="gov-l2")]


# Rating.


def test_a_rating_is_proposed_from_the_answers_once_no_challenge_is_open():
    assert refused(CHALLENGED, ProposeRating()) == "open-challenges"
    replied = [*CHALLENGED, ChallengeAnswered(criterion="gov-l2", comment="Signed")]
    assert refused(replied, ProposeRating()) == "open-challenges"
    settled = [*replied, AnswerVerified(criterion="gov-l2")]
    proposal = RatingProposed(levels=PROPOSED[-1].levels, overall=None, comment="Well evidenced")
    assert when(settled, ProposeRating("Well evidenced")) == [proposal]
    assert refused(ANSWERED, ProposeRating()) == "not-in-review"


def test_a_revised_answer_changes_the_rating_proposed():
    revised = [*CHALLENGED, AnswerRecorded(criterion="gov-l2", answer=AnswerValue.not_met),
               ChallengeAnswered(criterion="gov-l2", comment="Not signed"),
               AnswerVerified(criterion="gov-l2")]  # fmt: skip
    (proposed,) = when(revised, ProposeRating())
    assert proposed.levels["governance"] is None


def test_the_member_agrees_to_the_rating_proposed_and_the_assessment_is_final():
    then = when(PROPOSED, AgreeRating())
    assert then == [RatingAgreed(levels=PROPOSED[-1].levels, overall=None)]
    final = [*PROPOSED, *then]
    assert folded(final).status is Status.final
    for command in (AgreeRating(), Answer("gov-l1", AnswerValue.met), Verify("gov-l1"),
                    ProposeRating(), DisputeRating("no")):  # fmt: skip
        assert refused(final, command) == "final"


def test_the_member_disputes_a_rating_and_review_goes_on():
    assert refused(PROPOSED, DisputeRating(" ")) == "comment-required"
    then = when(PROPOSED, DisputeRating("gov-e1 is met: see our supplier code"))
    assert then == [RatingDisputed(comment="gov-e1 is met: see our supplier code")]
    disputed = [*PROPOSED, *then]
    assert folded(disputed).status is Status.submitted
    assert when(disputed, Challenge("gov-l1", "Please add the supplier code")) != []
    assert refused(disputed, AgreeRating()) == "no-proposal"
    assert refused(SUBMITTED, DisputeRating("no")) == "no-proposal"


def test_an_assessment_is_read_against_the_version_it_was_started_on():
    state = folded([STARTED])
    assert state.framework is JOURNEY and state.framework.version == 1
