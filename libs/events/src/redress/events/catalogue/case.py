"""Events of the `case` stream, written by cases."""

from __future__ import annotations

from datetime import date

from pydantic import Field

from redress.events.catalogue import event
from redress.events.catalogue.grievance import Sealed
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


@event
class StageEntered(EventData):
    """The case moved to a stage of the process; `due_on` is when it should be done."""

    type = "StageEntered"
    stream_type = "case"

    case_id: str
    grievance_id: str
    stage: str
    due_on: date | None = None


@event
class MessageSentToWorker(EventData):
    """An officer's message to the worker, sealed under the grievance's data key."""

    type = "MessageSentToWorker"
    stream_type = "case"

    case_id: str
    grievance_id: str
    message: Sealed
