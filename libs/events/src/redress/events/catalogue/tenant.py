"""Events of the `tenant` stream: an MSI's configuration, written by its admins."""

from __future__ import annotations

from pydantic import Field

from redress.events.catalogue import event
from redress.events.envelope import EventData


@event
class TenantRegistered(EventData):
    """An MSI joined the platform; `tenant` in the envelope is its slug."""

    type = "TenantRegistered"
    stream_type = "tenant"

    name: str = Field(max_length=200)


@event
class SiteRegistered(EventData):
    """A workplace in a member's supply chain, offered on the worker form."""

    type = "SiteRegistered"
    stream_type = "tenant"

    site_id: str = Field(max_length=100)
    name: str = Field(max_length=200)
    country: str = Field(min_length=2, max_length=2)
    member_org: str | None = Field(default=None, max_length=200)


@event
class TimeFramesSet(EventData):
    """How long each stage may take in this initiative (shown to workers)."""

    type = "TimeFramesSet"
    stream_type = "tenant"

    acknowledge_days: int = Field(default=7, ge=1, le=365)
    feedback_days: int = Field(default=90, ge=1, le=730)
    plan_days: int = Field(default=45, ge=1, le=730)


@event
class RetentionPeriodSet(EventData):
    """How long personal data is kept after a grievance's case is closed (or rejected).

    Past it the platform erases the grievance's personal data by itself, unless the case is
    under a legal hold; `days` None keeps it until the worker erases it.
    """

    type = "RetentionPeriodSet"
    stream_type = "tenant"

    days: int | None = Field(ge=1, le=3650)
