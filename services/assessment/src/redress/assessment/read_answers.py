"""What the assessment API's reads answer, as its OpenAPI documents them.

The handlers build each answer as a dict; these models say what comes back to whom
(`redress.kit.openapi.documented`), and tests/assessment/test_documented_answers.py checks
real answers against them.
"""

from __future__ import annotations

from typing import Literal

from pydantic import Field
from pydantic.json_schema import SkipJsonSchema

from redress.assessment.state import Status
from redress.events.catalogue.assessment import Reminder
from redress.kit.openapi import Answer, some

_NEXT = "the cursor of the next page; null on the last"
_LEVELS = "per step, the highest level reached; null: not even the first"
_OVERALL = "the level every step reaches; null: not even the first"


class Rating(Answer):
    """Levels per step, and overall."""

    levels: dict[str, str | None] = Field(description=_LEVELS)
    overall: str | None = Field(description=_OVERALL)


class Assessment(Answer):
    """An assessment in the list: where it stands, and its rating once proposed or agreed."""

    assessment_id: str
    tenant: str
    org: str = Field(description="the organisation assessed; empty for the initiative's own")
    framework: str = Field(description="the framework's id")
    version: int = Field(description="the framework's version")
    title: str
    status: Status
    started_by: str = Field(description="who started it")
    started_at: str = Field(description="when it was started (ISO 8601)")
    submitted_at: str | None = Field(description="when it was submitted (ISO 8601); null before")
    proposed: Rating | None = Field(description="the rating proposed; null unless one is open")
    rated_at: str | None = Field(description="when its rating was agreed (ISO 8601); null before")
    levels: dict[str, str | None] | None = Field(description=f"agreed: {_LEVELS}; null before")
    overall: str | None = Field(description=f"agreed: {_OVERALL}")
    updated_at: str = Field(description="when it last changed (ISO 8601)")


class Assessments(Answer):
    items: list[Assessment]
    next: str | None = Field(description=_NEXT)


class ToPlan(Answer):
    """A criterion between a step and its next level, in order of priority."""

    criterion: str
    text: str
    group: str = Field(description="the step (or section) it belongs to")
    planned: bool = Field(description="an action is planned on it")


class PlannedAction(Answer):
    criterion: str = Field(description="the unmet criterion it acts on")
    owner: str = Field(description="who is to carry it out")
    due_on: str = Field(description="the day it is due (YYYY-MM-DD)")
    description: str
    done: bool
    reminded: list[Reminder] = Field(description="the reminders sent for its current due date")
    planned_at: str = Field(description="when it was first planned (ISO 8601)")
    updated_at: str = Field(description="when it last changed (ISO 8601)")


class ActionPlan(Answer):
    status: Status = Field(description="where the assessment stands")
    to_plan_first: list[ToPlan]
    actions: list[PlannedAction] = Field(description="the actions planned, by due date")


class FrameworkSummary(Answer):
    id: str
    version: int
    kind: Literal["journey", "questionnaire"] = Field(
        description="steps of cumulative levels, or chapters of questions"
    )
    audience: Literal["member", "msi"] = Field(
        description="who answers it: a member company, or the initiative about itself"
    )
    title: str
    summary: str
    published: str = Field(description="the day it was published (YYYY-MM-DD)")
    latest: bool = Field(description="the latest version of its framework")
    criteria: int = Field(description="how many criteria it has")


class Frameworks(Answer):
    items: list[FrameworkSummary]


class Source(Answer):
    seed: str = Field(description="the seed document it comes from")
    section: str = Field(description="the section of that document")


class UngpCriterion(Answer):
    code: str = Field(description="the UNGP Principle 31 criterion")
    letter: str = Field(description="its letter in Principle 31 (a-h)")


class Criterion(Answer):
    id: str
    text: str
    rank: int = Field(description="its place in its step and level: 1 is the first to work on")
    level: str | None = Field(description="the level it belongs to; null in a questionnaire")
    source: Source
    ungp: list[UngpCriterion] = Field(description="the UNGP criteria it serves")
    recommendations: list[int] = Field(description="the UN guidance's recommendations it serves")


class Step(Answer):
    id: str
    number: int
    title: str
    scope: str
    ungp: list[str] = Field(description="the UNGP criteria the step serves")
    criteria: list[Criterion]


class Section(Answer):
    id: str
    title: str
    recommendations: list[int] = Field(description="the UN guidance's recommendations it serves")
    questions: list[Criterion]


class Chapter(Answer):
    number: int
    title: str
    sections: list[Section]


class Framework(Answer):
    """A version of a framework, whole."""

    id: str
    version: int
    kind: Literal["journey", "questionnaire"]
    audience: Literal["member", "msi"]
    title: str
    summary: str
    published: str = Field(description="the day it was published (YYYY-MM-DD)")
    criteria: int = Field(description="how many criteria it has")
    levels: list[str] = Field(description="a journey's levels, lowest first; none otherwise")
    steps: list[Step] | SkipJsonSchema[None] = some("its steps (a journey's only)")
    chapters: list[Chapter] | SkipJsonSchema[None] = some("its chapters (a questionnaire's only)")


class AgreedRating(Answer):
    assessment_id: str
    framework: str
    version: int
    title: str
    rated_at: str = Field(description="when it was agreed (ISO 8601)")
    levels: dict[str, str | None] = Field(description=_LEVELS)
    overall: str | None = Field(description=_OVERALL)


class Ratings(Answer):
    items: list[AgreedRating] = Field(description="the agreed ratings, oldest first")


class Distribution(Answer):
    steps: dict[str, dict[str, int]] = Field(
        description="per step, how many organisations stand at each level (`none` below all)"
    )
    overall: dict[str, int] = Field(description="the same, overall")


class Benchmark(Answer):
    framework: str
    version: int
    minimum_count: int = Field(description="how many rated members it takes to be shown (k)")
    yours: Rating | None = Field(
        description="a member's own latest agreed rating; null for staff, or before one"
    )
    shown: bool = Field(description="at least k members have an agreed rating")
    members: int | None = Field(description="how many members have one; null unless shown")
    distribution: Distribution | None = Field(description="null unless shown")
