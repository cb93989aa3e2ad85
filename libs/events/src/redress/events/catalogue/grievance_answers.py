"""Events of the worker's say on their grievance, each given with their receipt (on the
status page, or to an operator on the phone), on the grievance's stream, written by intake:
a review asked for, a plan answered, a remedy confirmed, a score, a consent.
"""

from __future__ import annotations

from enum import StrEnum
from typing import Annotated, Any

from pydantic import Field, StringConstraints

from redress.events.catalogue import event, upcaster
from redress.events.catalogue.grievance import Channel
from redress.events.envelope import EventData


@event
class ReviewRequested(EventData):
    """The worker asked, with their receipt, that another officer review the case's decision
    (a rejection or an outcome)."""

    type = "ReviewRequested"
    stream_type = "grievance"

    grievance_id: str


class PlanAnswer(StrEnum):
    agree = "agree"
    object = "object"  # the worker's comment follows as their message
    call = "call"  # the worker asks to talk it over


@event
class PlanAnswered(EventData):
    """The worker's say, with their receipt, on their case's remediation plan."""

    type = "PlanAnswered"
    stream_type = "grievance"

    grievance_id: str
    answer: PlanAnswer


@event
class RemedyConfirmed(EventData):
    """The worker said whether a remedy of the plan (`action_id`) reached them."""

    type = "RemedyConfirmed"
    stream_type = "grievance"

    grievance_id: str
    action_id: str = Field(max_length=100)
    delivered: bool


@event
class WorkerSatisfactionGiven(EventData):
    """The worker said, with their receipt, how satisfied they are with the outcome."""

    type = "WorkerSatisfactionGiven"
    stream_type = "grievance"

    grievance_id: str
    score: int = Field(ge=1, le=5)


class ConsentAnswer(StrEnum):
    given = "given"
    declined = "declined"
    revoked = "revoked"


@event
class ReferralConsentAnswered(EventData):
    """The worker answered a referral's consent request with their receipt: on the status
    page (`web`), or to an operator on the phone who read their receipt back (`hotline`).

    Written by intake on the grievance's stream; referral records it on the referral as the
    worker's consent (`fields`: the personal fields agreed to, of those asked for).
    Version 2: `channel` (version 1 was the status page only).
    """

    type = "ReferralConsentAnswered"
    stream_type = "grievance"
    schemaversion = 2

    grievance_id: str
    referral_id: str = Field(max_length=100)
    partner_id: str = Field(max_length=100)
    answer: ConsentAnswer
    fields: tuple[Annotated[str, StringConstraints(max_length=50)], ...] = Field(
        default=(), max_length=10
    )
    channel: Channel = Channel.web


@upcaster("ReferralConsentAnswered", 1)
def _answered_on_the_status_page(raw: dict[str, Any]) -> dict[str, Any]:
    return {"channel": Channel.web.value} | raw


@event
class ContactConsentChanged(EventData):
    """The worker said, with their receipt, whether the grievance officer may contact them.

    The details themselves stay sealed in `GrievanceSubmitted.personal`; officers are shown
    them only while `contact_me` holds.
    """

    type = "ContactConsentChanged"
    stream_type = "grievance"

    grievance_id: str
    contact_me: bool
