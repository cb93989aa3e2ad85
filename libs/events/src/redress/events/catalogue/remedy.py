"""Events of the `case` stream about the remedy delivered, written by cases.

A remedy is recorded as delivered, quantified: how much, in which currency (ISO 4217), to
how many workers, and on which dates workers were reinstated. A plan action may be waived
with a reason instead of done. Before a case closes as resolved with a remedy, an officer
attests that no settlement includes a waiver of the worker's right to go to court (UNGP 31:
a remedy must be rights-compatible).
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from pydantic import Field

from redress.events.catalogue import event
from redress.events.envelope import EventData


@event
class RemedyDelivered(EventData):
    """A remedy reached the workers it was for; `action_id` names the plan's action it
    delivers (the worker's `RemedyConfirmed` of that action confirms it)."""

    type = "RemedyDelivered"
    stream_type = "case"

    case_id: str
    remedy_id: str = Field(max_length=100)
    remedy: str = Field(max_length=100)
    action_id: str | None = Field(default=None, max_length=100)
    amount: Decimal | None = Field(default=None, gt=0, max_digits=15, decimal_places=2)
    currency: str | None = Field(default=None, pattern=r"^[A-Z]{3}$")
    workers_covered: int = Field(ge=1, le=1_000_000)
    reinstated_on: tuple[date, ...] = Field(default=(), max_length=1000)
    description: str = Field(max_length=2000)
    delivered_on: date


@event
class PlanActionWaived(EventData):
    """An action of the plan will not be carried out, for a reason the officer gave."""

    type = "PlanActionWaived"
    stream_type = "case"

    case_id: str
    action_id: str = Field(max_length=100)
    reason: str = Field(max_length=2000)


@event
class RightToCourtAttested(EventData):
    """An officer attested that no settlement of the case includes a waiver of the worker's
    right to go to court; recorded as the case closes as resolved with a remedy."""

    type = "RightToCourtAttested"
    stream_type = "case"

    case_id: str
