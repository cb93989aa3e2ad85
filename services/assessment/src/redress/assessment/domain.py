"""An assessment, pure: decide(command, state) -> events; evolve(state, event) -> state.

A member company answers its framework's criteria as drafts and submits; the initiative
verifies or challenges answers; the member replies to each challenge, revising its answer
or not; once no challenge is open, an officer proposes the rating the answers reach and the
member agrees (final) or disputes it (review goes on). The framework comes with the
aggregate (`aggregate(frameworks)`), so that the domain reads no file and no clock.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from types import MappingProxyType

from redress.assessment import plan
from redress.assessment.frameworks import Framework, Frameworks
from redress.assessment.scoring import Given, score
from redress.assessment.state import Assessment, AssessmentRefused, Review, Status
from redress.events.application import Aggregate
from redress.events.catalogue.assessment import (
    AnswerChallenged,
    AnswerRecorded,
    AnswerValue,
    AnswerVerified,
    AssessmentStarted,
    AssessmentSubmitted,
    ChallengeAnswered,
    Evidence,
    EvidenceFileAttached,
    RatingAgreed,
    RatingDisputed,
    RatingProposed,
)
from redress.events.envelope import EventData


@dataclass(frozen=True)
class Start:
    org: str
    framework: Framework | None
    digest: str = ""
    title: str = ""


@dataclass(frozen=True)
class Answer:
    criterion: str
    answer: AnswerValue
    reason: str = ""
    evidence: tuple[Evidence, ...] = ()


@dataclass(frozen=True)
class AttachFile:
    criterion: str
    file_id: str
    name: str
    media_type: str
    size: int


@dataclass(frozen=True)
class Submit:
    pass


@dataclass(frozen=True)
class Verify:
    criterion: str
    comment: str = ""


@dataclass(frozen=True)
class Challenge:
    criterion: str
    comment: str


@dataclass(frozen=True)
class Reply:
    """The member's reply to a challenge, with a revised answer or none."""

    criterion: str
    comment: str
    revised: Answer | None = None


@dataclass(frozen=True)
class ProposeRating:
    comment: str = ""


@dataclass(frozen=True)
class AgreeRating:
    pass


@dataclass(frozen=True)
class DisputeRating:
    comment: str


def decide(command: object, state: Assessment) -> list[EventData]:
    if isinstance(command, Start):
        return _start(command, state)
    if not state.started:
        raise AssessmentRefused("unknown-assessment", "there is no such assessment")
    if isinstance(command, plan.COMMANDS):
        return plan.decide(command, state)
    if state.status is Status.final:
        raise AssessmentRefused("final", "a rating was agreed: the assessment is closed")
    match command:
        case Answer():
            _known(state, command.criterion)
            if state.status is not Status.draft:
                raise AssessmentRefused(
                    "submitted", "after submission, answers change only in reply to a challenge"
                )
            return [_recorded(command)]
        case AttachFile():
            _known(state, command.criterion)
            challenged = state.review(command.criterion) is Review.challenged
            if state.status is not Status.draft and not challenged:
                raise AssessmentRefused(
                    "submitted", "after submission, evidence is added only in reply to a challenge"
                )
            c = command
            return [EvidenceFileAttached(criterion=c.criterion, file_id=c.file_id, name=c.name,
                                         media_type=c.media_type, size=c.size)]  # fmt: skip
        case Submit():
            _in(state, Status.draft, "already-submitted", "the assessment was already submitted")
            if not state.answers:
                raise AssessmentRefused("nothing-answered", "answer at least one criterion first")
            assert state.framework is not None
            unanswered = tuple(c for c in state.framework.criteria() if c not in state.answers)
            return [AssessmentSubmitted(unanswered=unanswered)]
        case Verify() | Challenge():
            return _review(command, state)
        case Reply():
            return _reply(command, state)
        case ProposeRating():
            return _propose(command, state)
        case AgreeRating():
            _in(state, Status.rating_proposed, "no-proposal", "no rating has been proposed")
            assert state.proposed is not None
            return [RatingAgreed(levels=state.proposed[0], overall=state.proposed[1])]
        case DisputeRating():
            _in(state, Status.rating_proposed, "no-proposal", "no rating has been proposed")
            _said(command.comment)
            return [RatingDisputed(comment=command.comment)]
    raise AssertionError(f"unknown command {command!r}")  # pragma: no cover


def _start(c: Start, state: Assessment) -> list[EventData]:
    if state.started:
        raise AssessmentRefused("already-started", "this assessment was already started")
    if c.framework is None:
        raise AssessmentRefused("unknown-framework", "there is no such framework or version")
    if (c.framework.audience == "msi") != (c.org == ""):
        who = "the initiative" if c.org else "a member"
        raise AssessmentRefused("wrong-audience", f"this framework is answered by {who}")
    return [AssessmentStarted(org=c.org, framework=c.framework.id, version=c.framework.version,
                              digest=c.digest, title=c.title)]  # fmt: skip


def _known(state: Assessment, criterion: str) -> None:
    assert state.framework is not None
    if criterion not in state.framework.criteria():
        raise AssessmentRefused("unknown-criterion", f"no criterion {criterion!r} in the framework")


def _in(state: Assessment, status: Status, kind: str, detail: str) -> None:
    if state.status is not status:
        raise AssessmentRefused(kind, detail)


def _said(comment: str) -> None:
    if not comment.strip():
        raise AssessmentRefused("comment-required", "say why, in a comment")


def _recorded(a: Answer) -> AnswerRecorded:
    return AnswerRecorded(criterion=a.criterion, answer=a.answer, reason=a.reason,
                          evidence=a.evidence)  # fmt: skip


def _review(c: Verify | Challenge, state: Assessment) -> list[EventData]:
    _known(state, c.criterion)
    _in(state, Status.submitted, "not-in-review", "only a submitted assessment is reviewed")
    if c.criterion not in state.answers:
        raise AssessmentRefused("unanswered", "this criterion was not answered")
    current = state.review(c.criterion)
    if isinstance(c, Verify):
        if current is Review.verified:
            raise AssessmentRefused("already-verified", "this answer is already verified")
        return [AnswerVerified(criterion=c.criterion, comment=c.comment)]
    _said(c.comment)
    if current is Review.challenged:
        raise AssessmentRefused("already-challenged", "the member has not replied yet")
    return [AnswerChallenged(criterion=c.criterion, comment=c.comment)]


def _reply(c: Reply, state: Assessment) -> list[EventData]:
    _known(state, c.criterion)
    if state.review(c.criterion) is not Review.challenged or state.status is not Status.submitted:
        raise AssessmentRefused("not-challenged", "this answer is not awaiting a reply")
    _said(c.comment)
    revised = [_recorded(replace(c.revised, criterion=c.criterion))] if c.revised else []
    return [*revised, ChallengeAnswered(criterion=c.criterion, comment=c.comment)]


def _propose(c: ProposeRating, state: Assessment) -> list[EventData]:
    _in(state, Status.submitted, "not-in-review", "only a submitted assessment is rated")
    if pending := state.open_reviews():
        raise AssessmentRefused(
            "open-challenges", f"settle the challenges first: {', '.join(sorted(pending))}"
        )
    assert state.framework is not None
    reached = score(state.framework, state.answers)
    return [RatingProposed(levels=reached.levels(), overall=reached.overall, comment=c.comment)]


def _with_review(state: Assessment, criterion: str, review: Review) -> Assessment:
    return replace(state, reviews=MappingProxyType({**state.reviews, criterion: review}))


def aggregate(frameworks: Frameworks) -> Aggregate[Assessment, object]:
    """The assessment's aggregate, reading framework versions from `frameworks`."""

    def evolve(state: Assessment, event: EventData) -> Assessment:
        match event:
            case AssessmentStarted():
                return replace(state, framework=frameworks.get(event.framework, event.version),
                               org=event.org)  # fmt: skip
            case AnswerRecorded():
                answers = {**state.answers, event.criterion: Given(event.answer, event.reason)}
                return replace(state, answers=MappingProxyType(answers))
            case AssessmentSubmitted():
                # The initiative's own self-assessment is nobody's to review: submitted, done.
                own = state.framework is not None and state.framework.audience == "msi"
                return replace(state, status=Status.final if own else Status.submitted)
            case AnswerVerified():
                return _with_review(state, event.criterion, Review.verified)
            case AnswerChallenged():
                return _with_review(state, event.criterion, Review.challenged)
            case ChallengeAnswered():
                return _with_review(state, event.criterion, Review.answered)
            case RatingProposed():
                proposed = (dict(event.levels), event.overall)
                return replace(state, status=Status.rating_proposed, proposed=proposed)
            case RatingDisputed():
                return replace(state, status=Status.submitted, proposed=None)
            case RatingAgreed():
                return replace(state, status=Status.final)
        return plan.evolve(state, event)

    return Aggregate[Assessment, object](lambda _: Assessment(), evolve, decide)
