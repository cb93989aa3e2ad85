"""Events of texts sent to a worker by SMS, on the grievance's stream, written by intake.

None carries the phone number or the words sent: the number stays sealed in the grievance's
`personal`, and the words are the catalogues' (plus an officer's message, sealed on the case).
"""

from __future__ import annotations

from enum import StrEnum

from pydantic import Field

from redress.events.catalogue import event
from redress.events.envelope import EventData


class TextKind(StrEnum):
    acknowledged = "acknowledged"  # the case was opened
    stage = "stage"  # the case entered a new stage
    message = "message"  # an officer wrote to the worker
    rejected = "rejected"  # the report was not taken up
    outcome = "outcome"  # the case closed with an outcome
    satisfaction = "satisfaction"  # how satisfied is the worker? (reply 1 to 5)
    receipt = "receipt"  # a re-issued receipt
    question = "question"  # a support service was chosen for the worker: their consent is asked


class DeliveryStatus(StrEnum):
    delivered = "delivered"
    undelivered = "undelivered"  # the network could not deliver it
    failed = "failed"  # the provider could not send it


@event
class WorkerTexted(EventData):
    """The provider took a text for the worker (`segments` SMS in `encoding`)."""

    type = "WorkerTexted"
    stream_type = "grievance"

    grievance_id: str
    text_id: str = Field(max_length=100)
    kind: TextKind
    segments: int = Field(ge=1, le=20)
    encoding: str = Field(max_length=10)


@event
class TextNotSent(EventData):
    """A text was given up: the provider refused it, or kept failing until its deadline."""

    type = "TextNotSent"
    stream_type = "grievance"

    grievance_id: str
    text_id: str = Field(max_length=100)
    kind: TextKind
    reason: str = Field(max_length=200)


@event
class TextDeliveryReported(EventData):
    """The provider's delivery receipt for a text: delivered to the phone, or not."""

    type = "TextDeliveryReported"
    stream_type = "grievance"

    grievance_id: str
    text_id: str = Field(max_length=100)
    status: DeliveryStatus
    error_code: str | None = Field(default=None, max_length=20)


@event
class ReceiptReissued(EventData):
    """A new secret for the receipt, sent only to the number the worker gave and allowed
    contact on; the old secret no longer opens the report."""

    type = "ReceiptReissued"
    stream_type = "grievance"

    grievance_id: str
    receipt_hash: str = Field(max_length=200)
