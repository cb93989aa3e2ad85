"""Events of the `audit` stream: post-audit callback campaigns, written by intake."""

from __future__ import annotations

from datetime import date
from typing import Any

from pydantic import Field

from redress.events.catalogue import event, upcaster
from redress.events.catalogue.grievance import ErasureReason, Sealed
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
    """One interviewed worker to call back.

    `contact` is sealed JSON: the phone number and, from version 2, when calling is safe
    (`good_time`, typed by the auditor and telling of the worker's life).
    """

    type = "CallbackScheduled"
    stream_type = "audit"
    schemaversion = 2

    audit_id: str
    callback_id: str
    due_on: date
    language: str = Field(max_length=20)
    contact: Sealed


@upcaster("CallbackScheduled", 1)
def _good_time_sealed(raw: dict[str, Any]) -> dict[str, Any]:
    # Version 1 carried `good_time` in plain text; it cannot be sealed after the fact.
    return {k: v for k, v in raw.items() if k != "good_time"}


@event
class CallbackAttemptMissed(EventData):
    """A call did not reach the worker; they are called again on `next_due_on`.

    `attempt` counts the calls made so far (1 for the first). The last call the tenant allows
    is not missed but completed, unreached.
    """

    type = "CallbackAttemptMissed"
    stream_type = "audit"

    audit_id: str
    callback_id: str
    attempt: int = Field(ge=1)
    next_due_on: date


@event
class CallbackCompleted(EventData):
    """The callback is done: the worker was reached, or the last call allowed did not reach
    them. Version 2 counts the calls made (`attempts`); version 1 knew of one call only."""

    type = "CallbackCompleted"
    stream_type = "audit"
    schemaversion = 2

    audit_id: str
    callback_id: str
    reached: bool
    retaliation_reported: bool = False
    grievance_id: str | None = None
    attempts: int = Field(ge=1)


@upcaster("CallbackCompleted", 1)
def _one_call(raw: dict[str, Any]) -> dict[str, Any]:
    return {"attempts": 1} | raw


@event
class AuditPersonalDataErased(EventData):
    """The audit's data key was deleted: the numbers of the workers interviewed, and when to
    call them, can no longer be read. Written once every callback of the audit has ended and
    none of its check-ins waits, after the tenant's retention period."""

    type = "AuditPersonalDataErased"
    stream_type = "audit"

    audit_id: str
    key_id: str
    reason: ErasureReason
