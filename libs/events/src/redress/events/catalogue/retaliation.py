"""Events of the `retaliation` stream: a worker reported retaliation, written by intake.

A report comes from a callback (the operator hears it on the phone), from the worker's own
message on their status page, or from a check-in after an earlier report's case ended. Cases
opens a case for it at once. After that case ends, intake schedules a call to the worker
(`CheckInScheduled`) to ask whether anything has happened since.

`contact`, when there is one, is the phone number to call back, sealed under the data key of
the audit or the grievance it came from: erasing those erases it too.
"""

from __future__ import annotations

from datetime import date

from pydantic import Field

from redress.events.catalogue import event
from redress.events.catalogue.grievance import Channel, Sealed
from redress.events.envelope import EventData


@event
class RetaliationReported(EventData):
    """A worker said they were punished for speaking up.

    `grievance_id` is the grievance it is about, when the worker has one (its case is the
    original case); `audit_id` and `callback_id` the callback it was told on;
    `follows_report_id` the earlier report whose check-in heard it.
    """

    type = "RetaliationReported"
    stream_type = "retaliation"

    report_id: str
    channel: Channel
    language: str = Field(max_length=20)
    country: str | None = Field(default=None, min_length=2, max_length=2)
    site_id: str | None = Field(default=None, max_length=100)
    grievance_id: str | None = None
    audit_id: str | None = None
    callback_id: str | None = None
    follows_report_id: str | None = None
    contact: Sealed | None = None


@event
class CheckInScheduled(EventData):
    """The report's case ended: the worker is to be called on `due_on`."""

    type = "CheckInScheduled"
    stream_type = "retaliation"

    report_id: str
    case_id: str
    due_on: date


@event
class CheckInMade(EventData):
    """A check-in call: whether it reached the worker and whether anything happened since.

    A worker not reached is called again on `next_due_on` (None: the last call allowed).
    """

    type = "CheckInMade"
    stream_type = "retaliation"

    report_id: str
    attempt: int = Field(ge=1)
    reached: bool
    anything_happened: bool = False
    next_due_on: date | None = None
