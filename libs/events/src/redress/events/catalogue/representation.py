"""Events of the representatives who stand by a worker (a union, an NGO), on the grievance's
stream, written by intake.
"""

from __future__ import annotations

from enum import StrEnum

from pydantic import Field

from redress.events.catalogue import event
from redress.events.envelope import EventData


class Capacity(StrEnum):
    """How a representative (a union, an NGO, another) stands by the worker."""

    filed_for = "filed_for"  # filed the grievance for the worker
    accompanies = "accompanies"  # the worker allowed them to follow it at their side


@event
class RepresentationRequested(EventData):
    """A representative organisation asked to accompany the worker in this grievance; the
    worker answers on the status page. `org` is the organisation's id in the tenant's tokens."""

    type = "RepresentationRequested"
    stream_type = "grievance"

    grievance_id: str
    org: str = Field(max_length=200)


@event
class RepresentationAnswered(EventData):
    """The worker allowed or refused a representative's request to accompany them."""

    type = "RepresentationAnswered"
    stream_type = "grievance"

    grievance_id: str
    org: str = Field(max_length=200)
    allowed: bool


@event
class RepresentativeRecorded(EventData):
    """A representative stands by the worker in this grievance: it filed it for them, or the
    worker allowed it to accompany them. It reads the grievance's progress, never what the
    worker wrote, and never acts in the worker's place with their receipt."""

    type = "RepresentativeRecorded"
    stream_type = "grievance"

    grievance_id: str
    org: str = Field(max_length=200)
    capacity: Capacity
