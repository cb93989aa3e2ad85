"""Events of the `case` stream, written by cases."""

from __future__ import annotations

from pydantic import Field

from redress.events.catalogue import event
from redress.events.envelope import EventData


@event
class CaseOpened(EventData):
    type = "CaseOpened"
    stream_type = "case"

    case_id: str
    grievance_id: str
    category: str
    country: str = Field(min_length=2, max_length=2)


@event
class CaseTriaged(EventData):
    type = "CaseTriaged"
    stream_type = "case"

    case_id: str
    indicators: tuple[str, ...] = ()
    severity: str


@event
class ReferralRecommended(EventData):
    type = "ReferralRecommended"
    stream_type = "case"

    case_id: str
    reasons: tuple[str, ...]


@event
class StageDeadlineMissed(EventData):
    type = "StageDeadlineMissed"
    stream_type = "case"

    case_id: str
    stage: str
