"""Events of what stands over a case's ordinary course, on the `case` stream, written by cases:
a legal hold that keeps its personal data past retention, and another officer's review of
a decision the worker asked to be reviewed.
"""

from __future__ import annotations

from enum import StrEnum

from pydantic import Field

from redress.events.catalogue import event
from redress.events.envelope import EventData


class HoldGrounds(StrEnum):
    """Why personal data must outlive the retention period (no free text: no personal data)."""

    litigation = "litigation"
    criminal_investigation = "criminal_investigation"
    regulatory_request = "regulatory_request"
    referral_in_progress = "referral_in_progress"


@event
class LegalHoldPlaced(EventData):
    """Retention does not erase this case's personal data until the hold is released."""

    type = "LegalHoldPlaced"
    stream_type = "case"

    case_id: str
    grievance_id: str
    grounds: HoldGrounds


@event
class LegalHoldReleased(EventData):
    type = "LegalHoldReleased"
    stream_type = "case"

    case_id: str
    grievance_id: str


class ReviewResult(StrEnum):
    upheld = "upheld"  # the decision stands
    reversed = "reversed"  # the case is taken up again


@event
class ReviewOpened(EventData):
    """The worker's request for a review reached the case; `decision` is what is reviewed
    (`rejection` or `outcome`)."""

    type = "ReviewOpened"
    stream_type = "case"

    case_id: str
    grievance_id: str
    decision: str


@event
class ReviewDecided(EventData):
    """An officer other than the one who decided reviewed the decision. `reasons` are written
    for the worker, never shown to a company."""

    type = "ReviewDecided"
    stream_type = "case"

    case_id: str
    grievance_id: str
    result: ReviewResult
    reasons: str = Field(max_length=2000)
