"""What the assessment API's read of one assessment answers, as its OpenAPI documents it.

`api.detail` builds the answer as a dict (`queries.assessment`, `reading.scored`,
`reading.compared`, `evidence.facts` or `evidence.initiative`); these models say what it
carries (`redress.kit.openapi.documented`), and tests/assessment/test_documented_answers.py
checks real answers against them.
"""

from __future__ import annotations

from pydantic import Field

from redress.assessment.read_answers import Assessment
from redress.assessment.state import Review
from redress.events.catalogue.assessment import AnswerValue
from redress.kit.openapi import Answer

_BEARS_ON = "per criterion, the figures beside it that bear on its answer"


class EvidenceFile(Answer):
    """A file attached to an answer (its content is read at its own address)."""

    file_id: str
    criterion: str = Field(description="the criterion whose answer it supports")
    name: str
    media_type: str
    size: int = Field(description="in bytes")
    added_by: str = Field(description="who attached it")
    added_at: str = Field(description="when (ISO 8601)")


class EvidenceGiven(Answer):
    """What supports an answer: a description, a link to a document, or both."""

    text: str
    url: str | None = Field(description="a link to a document; null if none")


class GivenAnswer(Answer):
    """The current answer to a criterion, and where its review stands."""

    answer: AnswerValue
    reason: str = Field(description="why the criterion does not apply; a note for any other")
    evidence: list[EvidenceGiven] = Field(
        description="the texts and links given with it; none once the evidence was erased"
    )
    answered_by: str = Field(description="who gave the answer standing")
    answered_at: str = Field(description="when (ISO 8601)")
    review: Review = Field(description="where the initiative's review of it stands")


class Said(Answer):
    """One thing said about the assessment: an answer, a review, a reply, a rating."""

    criterion: str | None = Field(description="the criterion it is about; null: the rating")
    type: str = Field(description="what was done: the event's type, e.g. AnswerChallenged")
    actor: str = Field(description="the role of who did it: member, officer, system, ...")
    actor_id: str = Field(description="who did it")
    comment: str = Field(description="what was said (a comment, a reply, a reason); may be empty")
    time: str = Field(description="when (ISO 8601)")


class StepScore(Answer):
    """A step's level (or a questionnaire section's count) on the answers as they stand."""

    group: str = Field(description="the step (or section)")
    level: str | None = Field(
        description="the highest level reached; null: not even the first, or a section"
    )
    met: int = Field(description="how many of its criteria are met")
    total: int = Field(description="how many criteria it has")
    next_level: str | None = Field(
        description="the level to reach next; null once the highest is reached, or in a"
        " questionnaire"
    )
    to_next_level: list[str] = Field(
        description="the criteria not met between it and its next level, lowest level first"
        " and in priority order (in a questionnaire, those not met)"
    )


class UngpCoverage(Answer):
    """How many of the criteria serving a UNGP Principle 31 criterion are met."""

    code: str
    letter: str = Field(description="its letter in Principle 31 (a-h)")
    name: str
    met: int
    total: int


class Score(Answer):
    overall: str | None = Field(
        description="the level every step reaches; null: not even the first, or a questionnaire"
    )
    groups: list[StepScore] = Field(description="per step (or section), in the framework's order")
    ungp: list[UngpCoverage] = Field(description="UNGP coverage, in Principle 31's order")


class Share(Answer):
    count: int
    of: int = Field(description="the cases it is counted over")
    value: float | None = Field(description="count of `of`, to 3 places; null over no case")


class Figures(Answer):
    """The figures the framework's rules check "met" answers against."""

    acknowledged_on_time: Share = Field(description="cases acknowledged by their due date")
    satisfaction_recorded: Share = Field(description="closed cases with the worker's satisfaction")
    lessons_recorded: Share = Field(description="closed cases with lessons learnt")


class Plans(Answer):
    cases_with_plan: int = Field(description="cases with a remediation plan")
    actions: int = Field(description="the actions those plans hold")


class Contradiction(Answer):
    """A "met" answer a figure of the platform contradicts."""

    criterion: str
    figure: str = Field(description="the figure, as named in `figures`")
    value: float = Field(description="the figure's value, to 3 places")
    count: int
    cases: int = Field(description="the cases it is counted over")
    below: float = Field(description="the value under which it contradicts a claim of met")


class MemberEvidence(Answer):
    """What the platform's records say about a member's mechanism, over the 12 months before
    the assessment was submitted (before now, for a draft); no breakdown shows a count
    under the tenant's minimum count k."""

    since: str = Field(description="the window's start (ISO 8601)")
    as_of: str = Field(description="the window's end (ISO 8601)")
    minimum_count: int = Field(description="k: small cells are merged into `other` until k")
    received: int = Field(description="the member's cases opened in the window")
    first_received: str | None = Field(description="when the first was opened; null if none")
    last_received: str | None = Field(description="when the last was opened; null if none")
    by_channel: dict[str, int] = Field(description="cases per channel, none under k")
    by_language: dict[str, int] = Field(description="cases per language, none under k")
    plans: Plans
    figures: Figures
    bears_on: dict[str, list[str]] = Field(description=_BEARS_ON)
    contradicted: list[Contradiction] = Field(description="the answers of met a figure contradicts")


class TimeFrames(Answer):
    """How long each stage may take in the initiative, in days."""

    acknowledge_days: int
    feedback_days: int
    plan_days: int


class MembersAssessed(Answer):
    members: int = Field(description="the members the initiative has admitted")
    with_agreed_rating: int = Field(description="the organisations with an agreed rating")


class Release(Answer):
    number: int
    period: str = Field(description="the month it covers (YYYY-MM)")
    published_at: str = Field(description="when (ISO 8601)")


class FiguresPublished(Answer):
    releases: int = Field(description="how many releases of figures the initiative published")
    periods: list[str] = Field(description="the months they cover, in order")
    corrections: int = Field(description="how many corrected an earlier one")
    latest: Release | None = Field(description="the latest; null before the first")


class InitiativeEvidence(Answer):
    """What the platform holds on the initiative's own mechanism, beside its questions."""

    languages_offered: list[str] = Field(description="the languages its worker form offers")
    anonymous_channel: bool = Field(description="a report may come with no name or contact")
    time_frames: TimeFrames | None = Field(description="null until the initiative sets them")
    partners_by_country: dict[str, int] = Field(
        description="the referral partners not retired, per country they serve"
    )
    members_assessed: MembersAssessed
    figures_published: FiguresPublished
    time_zone: str = Field(description="the initiative's, days are counted in it")
    bears_on: dict[str, list[str]] = Field(description=_BEARS_ON)


class StepCompared(Answer):
    step: str
    before: str | None = Field(description="its level in the rating before")
    now: str | None = Field(description="its level in this one (agreed, or as answers stand)")


class Previous(Answer):
    """The organisation's agreed rating before this assessment, on the same framework."""

    assessment_id: str
    version: int = Field(description="the framework's version it was rated on")
    rated_at: str = Field(description="when it was agreed (ISO 8601)")
    overall: str | None = Field(description="its overall level; null: not even the first")
    steps: list[StepCompared] = Field(description="per step, in the framework's order")


class AssessmentDetail(Assessment):
    """An assessment: its answers with their evidence and review, what was said, its score
    on the answers as they stand, the platform's evidence beside it, and the rating before."""

    files: list[EvidenceFile] = Field(description="the files attached, oldest first")
    answers: dict[str, GivenAnswer] = Field(description="per criterion answered, its answer")
    thread: list[Said] = Field(description="what was said, in order")
    framework_title: str
    score: Score = Field(description="what the answers reach now, on its framework's version")
    unanswered: list[str] = Field(description="the criteria without an answer")
    not_applicable_without_reason: list[str] = Field(
        description="the criteria answered not applicable with no reason: they count as not met"
    )
    evidence: MemberEvidence | InitiativeEvidence = Field(
        description="the platform's records beside the answers: a member's mechanism's figures"
        " (with the answers they contradict) for a member's assessment; the initiative's own"
        " mechanism's facts for the initiative's"
    )
    previous: Previous | None = Field(
        description="the organisation's agreed rating before this one on the same framework,"
        " step by step beside this one's; null if none (always, for the initiative's)"
    )
