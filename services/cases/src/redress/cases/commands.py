"""What callers send to cases: pydantic models at the edge."""

from __future__ import annotations

from datetime import date

from pydantic import BaseModel, ConfigDict, Field

from redress.cases.domain import Grounds, Outcome, Owner, Remedy, Severity, Stage
from redress.kit.text import Line, Prose


class Body(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)


class TriageBody(Body):
    indicators: list[Line] = Field(default_factory=list, max_length=40)
    severity: Severity
    override_reason: Prose | None = Field(None, max_length=2000)


class RejectBody(Body):
    grounds: Grounds
    explanation: Prose = Field("", max_length=2000)


class AdvanceBody(Body):
    to: Stage


class ActionBody(Body):
    remedy: Remedy
    owner: Owner
    due_on: date
    description: Prose = Field(min_length=1, max_length=2000)


class ActionUpdateBody(Body):
    progress: Prose = Field(min_length=1, max_length=2000)
    evidence: Line | None = Field(None, max_length=500)
    done: bool = False


class AssignBody(Body):
    officer: Line | None = Field(None, min_length=1, max_length=200)
    facilitator: Line | None = Field(None, min_length=1, max_length=200)


class TextBody(Body):
    text: Prose = Field(min_length=1, max_length=5000)


class CloseBody(Body):
    outcome: Outcome
    satisfaction: int | None = Field(None, ge=1, le=5, description="from a callback")


class SatisfactionBody(Body):
    score: int = Field(ge=1, le=5)
    source: str = Field("officer", pattern="^(officer|callback|status_page)$")


class LessonsBody(Body):
    text: Prose = Field(min_length=1, max_length=5000)
    tags: list[Line] = Field(default_factory=list, max_length=20)


class ReopenBody(Body):
    reason: Prose = Field(min_length=1, max_length=2000)


class Written(BaseModel):
    """Where the change is: read it back with `min_version` to see your own write."""

    case_id: str
    version: int
