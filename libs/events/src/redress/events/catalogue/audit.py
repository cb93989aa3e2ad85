"""Events of the `audit` stream: post-audit callback campaigns, written by intake."""

from __future__ import annotations

from datetime import date

from pydantic import Field

from redress.events.catalogue import event
from redress.events.catalogue.grievance import Sealed
from redress.events.envelope import EventData


@event
class AuditRegistered(EventData):
    type = "AuditRegistered"
    stream_type = "audit"

    audit_id: str
    site_id: str = Field(max_length=100)
    country: str = Field(min_length=2, max_length=2)
    audit_date: date
    auditor_org: str | None = Field(default=None, max_length=200)
    workers: int = Field(ge=0)


@event
class CallbackScheduled(EventData):
    """One interviewed worker to call back; the phone number is sealed."""

    type = "CallbackScheduled"
    stream_type = "audit"

    audit_id: str
    callback_id: str
    due_on: date
    language: str = Field(max_length=20)
    good_time: str | None = Field(default=None, max_length=100)
    contact: Sealed


@event
class CallbackCompleted(EventData):
    type = "CallbackCompleted"
    stream_type = "audit"

    audit_id: str
    callback_id: str
    reached: bool
    retaliation_reported: bool = False
    grievance_id: str | None = None
