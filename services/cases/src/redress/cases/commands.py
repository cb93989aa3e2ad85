"""What callers send to cases: pydantic models at the edge."""

from __future__ import annotations

from datetime import date
from enum import StrEnum
from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field, StrictBool

from redress.cases.domain import (
    KNOWN_INDICATORS,
    Grounds,
    Outcome,
    Owner,
    Remedy,
    Severity,
    Stage,
)
from redress.events.catalogue.case_oversight import ReviewResult
from redress.events.catalogue.case_verification import (
    FindingSource,
    Involvement,
    ResponseLevel,
    Substantiation,
)
from redress.events.catalogue.grievance import Category
from redress.events.catalogue.indicators import ALIASES
from redress.kit.errors import Problem
from redress.kit.i18n import LANGUAGES
from redress.kit.numbers import JSON_INTEGER
from redress.kit.text import FilledLine, FilledProse, Line, Prose

Score = Annotated[int, Field(ge=1, le=5), JSON_INTEGER]


class Body(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)


# The vocabulary's codes (ILO forced-labour, trafficking and child-labour indicators), and the
# old codes still understood as theirs: one not among them is bad input, refused at the edge
# and listed in the API's schema.
IndicatorCode = StrEnum(  # type: ignore[misc]
    "IndicatorCode", {code: code for code in sorted(KNOWN_INDICATORS | set(ALIASES))}
)


class TriageBody(Body):
    indicators: list[IndicatorCode] = Field(default_factory=list, max_length=40)
    severity: Severity
    override_reason: Prose | None = Field(None, max_length=2000)


# The grounds an officer rejects on: a withdrawal is the worker's alone (on their status page,
# or through an operator who has their receipt), never an officer's decision in their name.
OfficerGrounds = StrEnum(  # type: ignore[misc]
    "OfficerGrounds", {g.name: g.value for g in Grounds if g is not Grounds.withdrawn_by_worker}
)


class RejectBody(Body):
    grounds: OfficerGrounds
    explanation: Prose = Field("", max_length=2000)
    duplicate_of: Line | None = Field(
        None, max_length=200, description="the case this one duplicates (grounds `duplicate`)"
    )


class AdvanceBody(Body):
    to: Stage


class ActionBody(Body):
    remedy: Remedy
    owner: Owner
    due_on: date
    description: FilledProse = Field(min_length=1, max_length=2000)


class ActionUpdateBody(Body):
    progress: FilledProse = Field(min_length=1, max_length=2000)
    evidence: Line | None = Field(None, max_length=500)
    done: StrictBool = False  # true or false, as the schema says: 0 is not an answer


class AssignOfficerBody(Body):
    officer: FilledLine = Field(min_length=1, max_length=200)


class AssignFacilitatorBody(Body):
    facilitator: FilledLine = Field(min_length=1, max_length=200)


# Either an officer or a facilitator: the schema says so, so that `{}` is invalid input.
AssignBody = AssignOfficerBody | AssignFacilitatorBody


def assign_body(officer: str | None, facilitator: str | None) -> AssignBody:
    """The body from a form's two fields, exactly one of which is filled."""
    if bool(officer) == bool(facilitator):
        raise Problem(422, "validation", "give either an officer or a facilitator")
    if officer:
        return AssignOfficerBody(officer=officer)
    return AssignFacilitatorBody(facilitator=facilitator or "")


class TextBody(Body):
    text: FilledProse = Field(min_length=1, max_length=5000)


class CloseBody(Body):
    outcome: Outcome
    satisfaction: Score | None = Field(None, description="from a callback")
    no_court_waiver_attested: StrictBool = Field(
        False,
        description="that no settlement includes a waiver of the worker's right to go to "
        "court; required once a remedy was recorded as delivered",
    )


class SatisfactionBody(Body):
    score: Score
    source: str = Field("officer", pattern="^(officer|callback|status_page)$")


class LessonsBody(Body):
    text: FilledProse = Field(min_length=1, max_length=5000)
    tags: list[Line] = Field(default_factory=list, max_length=20)


class ReopenBody(Body):
    reason: FilledProse = Field(min_length=1, max_length=2000)


class ReviewBody(Body):
    """The review's result, and its reasons in words the worker reads on their status page."""

    result: ReviewResult
    reasons: FilledProse = Field(min_length=1, max_length=2000)


class FindingBody(Body):
    source: FindingSource
    finding: FilledProse = Field(min_length=1, max_length=5000)


class VerificationBody(Body):
    decision: Substantiation
    reasons: FilledProse = Field(min_length=1, max_length=2000)


class ResponseBody(Body):
    level: ResponseLevel
    involvement: Involvement = Field(
        description="whether the company caused, contributed to or is linked to the harm"
    )
    state_needed: StrictBool = Field(description="the State must act (a labour inspection)")
    law_enforcement_needed: StrictBool
    referral_needed: StrictBool = Field(description="recommends a referral to support services")
    reasons: FilledProse = Field(min_length=1, max_length=2000)


class CorrectionBody(Body):
    """Only the fields given are corrected; at least one must differ from what is filed."""

    reason: FilledProse = Field(min_length=1, max_length=2000)
    category: Category | None = None
    country: str | None = Field(None, pattern="^[A-Z]{2}$", description="ISO 3166-1 alpha-2")
    site_id: FilledLine | None = Field(None, min_length=1, max_length=200)
    language: str | None = Field(None, pattern=f"^({'|'.join(LANGUAGES)})$")


class Written(BaseModel):
    """Where the change is: read it back with `min_version` to see your own write."""

    case_id: str
    version: int


class ActionAdded(Written):
    """The action added to the plan, and where: report on it at its own address."""

    action_id: str = Field(
        description="the new action's id: `POST /v1/cases/{case_id}/actions/{action_id}` "
        "reports progress on it"
    )
