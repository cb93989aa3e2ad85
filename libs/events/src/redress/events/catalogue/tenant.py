"""Events of the `tenant` stream: an MSI's configuration, decided by the tenancy domain."""

from __future__ import annotations

from typing import Annotated, Any

from pydantic import Field

from redress.events.catalogue import event, upcaster
from redress.events.envelope import EventData

DEFAULT_WORKING_DAYS = (0, 1, 2, 3, 4)
"""Monday to Friday, as `date.weekday()` numbers them."""
EVERY_LANGUAGE_OF_VERSION_1 = (
    "en", "es", "fr", "ar", "bn", "hi", "ne", "my", "km", "th", "vi", "id", "zh",
)  # fmt: skip
"""What the form of a tenant registered before it chose its languages offers: every language
the platform spoke then (a fixed list: a language added later is not offered unasked)."""


@event
class TenantRegistered(EventData):
    """An MSI joined the platform; `tenant` in the envelope is its slug.

    Version 2 added the time zone, working days and the languages its form offers.
    """

    type = "TenantRegistered"
    stream_type = "tenant"
    schemaversion = 2

    name: str = Field(max_length=200)
    time_zone: str = Field(default="UTC", max_length=64)
    working_days: tuple[int, ...] = Field(default=DEFAULT_WORKING_DAYS, max_length=7)
    languages: tuple[str, ...] = Field(
        default=EVERY_LANGUAGE_OF_VERSION_1, min_length=1, max_length=32
    )


@upcaster("TenantRegistered", 1)
def _tenant_settings_defaulted(raw: dict[str, Any]) -> dict[str, Any]:
    # Tenants of version 1 knew only their name: they ran on UTC, Monday to Friday, and their
    # form offered every language.
    defaults = {"time_zone": "UTC", "working_days": list(DEFAULT_WORKING_DAYS)}
    return defaults | {"languages": list(EVERY_LANGUAGE_OF_VERSION_1)} | raw


@event
class TenantSettingsChanged(EventData):
    """The MSI's name, time zone, working days or form languages changed (all given)."""

    type = "TenantSettingsChanged"
    stream_type = "tenant"

    name: str = Field(max_length=200)
    time_zone: str = Field(max_length=64)
    working_days: tuple[int, ...] = Field(max_length=7)
    languages: tuple[str, ...] = Field(min_length=1, max_length=32)


@event
class MemberOrganisationJoined(EventData):
    """A member company (brand, retailer, buyer) joined the MSI."""

    type = "MemberOrganisationJoined"
    stream_type = "tenant"

    org: str = Field(max_length=200)
    name: str = Field(max_length=200)


@event
class SiteRegistered(EventData):
    """A workplace in members' supply chains, offered on the worker form.

    Version 2: a site may be shared by several member organisations (`member_orgs`; empty
    when no member has claimed it), and has a sector and a supply-chain tier (1 = the
    members' direct suppliers). A site registered again replaces what was said of it.
    """

    type = "SiteRegistered"
    stream_type = "tenant"
    schemaversion = 2

    site_id: str = Field(max_length=100)
    name: str = Field(max_length=200)
    country: str = Field(min_length=2, max_length=2)
    member_orgs: tuple[str, ...] = Field(default=(), max_length=100)
    sector: str | None = Field(default=None, max_length=100)
    tier: int | None = Field(default=None, ge=1, le=9)

    @property
    def sole_member(self) -> str | None:
        """The one member the site belongs to; None when shared or unclaimed."""
        return self.member_orgs[0] if len(self.member_orgs) == 1 else None


@upcaster("SiteRegistered", 1)
def _site_members_listed(raw: dict[str, Any]) -> dict[str, Any]:
    owner = raw.get("member_org")
    rest = {k: v for k, v in raw.items() if k != "member_org"}
    return rest | {"member_orgs": [owner] if owner else [], "sector": None, "tier": None}


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


MINIMUM_COUNT = 5
"""k, until an admin sets it: no figure or breakdown shows a count of fewer people."""
MINIMUM_COUNT_FLOOR = 3
"""Below it a count singles people out too easily: no tenant may set k lower."""


@event
class MinimumCountSet(EventData):
    """The smallest count of people the initiative's figures may show (its k).

    No published count, breakdown or comparison of organisations shows fewer, nor anything
    from which a smaller count could be recomputed.
    """

    type = "MinimumCountSet"
    stream_type = "tenant"

    k: int = Field(ge=MINIMUM_COUNT_FLOOR, le=1000)


@event
class TenantOffboarded(EventData):
    """The MSI left the platform: no new grievances are filed for it from now on."""

    type = "TenantOffboarded"
    stream_type = "tenant"

    reason: str | None = Field(default=None, max_length=500)


@event
class FollowUpSet(EventData):
    """How the initiative follows up by phone.

    An unreached worker is called again `callback_retry_days` after each try, up to
    `callback_attempts` calls in all; a worker who reported retaliation is called
    `check_in_days` after its case ends, and asked whether anything has happened since.
    """

    type = "FollowUpSet"
    stream_type = "tenant"

    callback_attempts: int = Field(default=3, ge=1, le=10)
    callback_retry_days: int = Field(default=1, ge=1, le=30)
    check_in_days: int = Field(default=30, ge=1, le=365)


@event
class HotlineSet(EventData):
    """The number the initiative's desk answers, which workers are given in texts and on
    their pages (null: none is given)."""

    type = "HotlineSet"
    stream_type = "tenant"

    number: str | None = Field(default=None, max_length=40)


@event
class AlertRecipientsSet(EventData):
    """Who is emailed of what needs someone's attention: the addresses of the initiative's
    officers and supervisors (a case missed a stage, a critical case arrived) and of its
    admins (a partner's webhook endpoint was disabled, a delivery to a partner given up).
    The platform knows staff by their tokens only, which carry no address.

    Version 2 added `admins`.
    """

    type = "AlertRecipientsSet"
    stream_type = "tenant"
    schemaversion = 2

    officers: tuple[Annotated[str, Field(max_length=254)], ...] = Field(default=(), max_length=50)
    supervisors: tuple[Annotated[str, Field(max_length=254)], ...] = Field(
        default=(), max_length=50
    )
    admins: tuple[Annotated[str, Field(max_length=254)], ...] = Field(default=(), max_length=50)


@upcaster("AlertRecipientsSet", 1)
def _no_admins_alerted(raw: dict[str, Any]) -> dict[str, Any]:
    # Before version 2 only cases emailed anyone: no admin was named.
    return {"admins": []} | raw
