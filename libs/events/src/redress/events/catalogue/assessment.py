"""Events of the `assessment` stream: one maturity self-assessment, written by assessment.

A member company starts an assessment of its grievance mechanism against one version of a
framework (`AssessmentStarted` names it, with the digest of its file, so the assessment is
read against that version for ever); its people answer each criterion with evidence, as
drafts, and submit. The initiative's officers verify or challenge answers; the member
answers a challenge (revising its answer or not); an officer proposes the rating the
answers reach, and the member agrees to it or disputes it. The rating agreed holds the
levels themselves, so no later change to the scoring or the framework alters it. The
member then plans actions on the criteria it does not meet, each with an owner and a due
date; its timers remind it a week before and once the date has passed.

Criterion, step and level ids are the framework file's (`redress.assessment.frameworks`).
Answers and comments are about a company's mechanism, not about a worker: nobody is to
write a worker's name or contact into them (the pages and docs/assessment.md say so).
"""

from __future__ import annotations

from datetime import date
from enum import StrEnum
from typing import Annotated

from pydantic import Field, StringConstraints

from redress.events.catalogue import event
from redress.events.catalogue.grievance import Sealed
from redress.events.envelope import EventData

Id = Annotated[str, StringConstraints(pattern=r"^[a-z0-9][a-z0-9-]{0,39}$")]
Comment = Annotated[str, StringConstraints(max_length=4000)]


class AnswerValue(StrEnum):
    met = "met"
    partly = "partly"
    not_met = "not_met"
    not_applicable = "not_applicable"


class Evidence(EventData):
    """What supports an answer: a description, a link to a document, or both."""

    text: Comment = ""
    url: Annotated[str, StringConstraints(max_length=2000)] | None = None


@event
class AssessmentStarted(EventData):
    type = "AssessmentStarted"
    stream_type = "assessment"

    org: str = Field(max_length=200)
    """The member organisation whose mechanism is assessed."""
    framework: Id
    version: int = Field(ge=1)
    digest: str = Field(pattern=r"^[0-9a-f]{64}$")
    title: str = Field(default="", max_length=200)


@event
class AnswerRecorded(EventData):
    """A respondent (the event's actor) answered a criterion, as a draft or a revision."""

    type = "AnswerRecorded"
    stream_type = "assessment"

    criterion: Id
    answer: AnswerValue
    reason: Comment = ""
    """Why a criterion does not apply; a note for any other answer."""
    evidence: tuple[Evidence, ...] = Field(default=(), max_length=20)
    """Evidence as written before it was sealed; answers recorded since leave it empty."""
    sealed_evidence: Sealed | None = None
    """The evidence (its texts and links, as JSON) sealed under the assessment's data key,
    so that erasing the key (`EvidenceErased`) leaves it unreadable in the log."""


@event
class EvidenceFileAttached(EventData):
    """A file supporting the answer to a criterion; its content is sealed in assessment's
    own table under the assessment's data key, never in the log."""

    type = "EvidenceFileAttached"
    stream_type = "assessment"

    criterion: Id
    file_id: str = Field(pattern=r"^file-[0-9a-f]{32}$")
    name: str = Field(max_length=200)
    media_type: str = Field(max_length=100)
    size: int = Field(ge=1)


@event
class EvidenceErased(EventData):
    """The assessment's evidence was erased: its data key destroyed (the sealed texts, links
    and files in the log and in assessment's tables can no longer be read) and its files'
    content deleted. The answers, reviews and rating stand."""

    type = "EvidenceErased"
    stream_type = "assessment"

    key_id: str = Field(max_length=200)
    files: int = Field(ge=0)
    """How many files' content was deleted."""


@event
class AssessmentSubmitted(EventData):
    type = "AssessmentSubmitted"
    stream_type = "assessment"

    unanswered: tuple[Id, ...] = Field(default=(), max_length=500)
    """Criteria left without an answer: they count as not met."""


@event
class AnswerVerified(EventData):
    type = "AnswerVerified"
    stream_type = "assessment"

    criterion: Id
    comment: Comment = ""


@event
class AnswerChallenged(EventData):
    type = "AnswerChallenged"
    stream_type = "assessment"

    criterion: Id
    comment: Comment


@event
class ChallengeAnswered(EventData):
    """The member's reply to a challenge (an `AnswerRecorded` before it, if it revised)."""

    type = "ChallengeAnswered"
    stream_type = "assessment"

    criterion: Id
    comment: Comment


Levels = dict[Id, Id | None]
"""Per step, the highest level reached (None: not even the first)."""


@event
class RatingProposed(EventData):
    type = "RatingProposed"
    stream_type = "assessment"

    levels: Levels
    overall: Id | None
    comment: Comment = ""


@event
class RatingAgreed(EventData):
    """The final rating: the levels proposed, agreed by the member."""

    type = "RatingAgreed"
    stream_type = "assessment"

    levels: Levels
    overall: Id | None


@event
class RatingDisputed(EventData):
    type = "RatingDisputed"
    stream_type = "assessment"

    comment: Comment


# The action plan: what the member will do about criteria it does not meet yet.


@event
class ActionPlanned(EventData):
    """An action on an unmet criterion, with its owner and due date (planned again: changed)."""

    type = "ActionPlanned"
    stream_type = "assessment"

    criterion: Id
    owner: str = Field(max_length=200)
    """Who in the member organisation answers for it (a role or a name)."""
    due_on: date
    description: Comment = ""


@event
class ActionProgressed(EventData):
    type = "ActionProgressed"
    stream_type = "assessment"

    criterion: Id
    note: Comment
    done: bool = False


class Reminder(StrEnum):
    due_soon = "due_soon"  # a week before the due date
    overdue = "overdue"  # the due date has passed, the action is not done


@event
class ActionReminded(EventData):
    """The platform reminded the member of an action (fired by the assessment's timers)."""

    type = "ActionReminded"
    stream_type = "assessment"

    criterion: Id
    due_on: date
    reminder: Reminder
