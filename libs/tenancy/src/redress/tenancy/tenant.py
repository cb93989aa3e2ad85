"""A tenant as its events leave it (`fold`), and what it allows: who may act in it and file
a grievance about which site. Pure, as the rest of the tenant's domain (`domain` decides the
commands)."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field, replace
from types import MappingProxyType
from typing import Any

from redress.events.application import Refused
from redress.events.catalogue.tenant import (
    DEFAULT_WORKING_DAYS,
    MINIMUM_COUNT,
    AlertRecipientsSet,
    FollowUpSet,
    HotlineSet,
    MemberOrganisationJoined,
    MinimumCountSet,
    RetentionPeriodSet,
    SiteRegistered,
    TenantOffboarded,
    TenantRegistered,
    TenantSettingsChanged,
    TimeFramesSet,
)
from redress.events.envelope import EventData
from redress.kit.i18n import LANGUAGES


class TenantRefused(Refused):
    """A command the tenant's state does not allow; `kind` is stable, `detail` is for people."""

    statuses = {"unknown-tenant": 404, "tenant-exists": 409, "tenant-offboarded": 409,
                "duplicate-site": 409, "unknown-member": 409, "not-a-member": 403}  # fmt: skip
    default_status = 422


EVERY_LANGUAGE = tuple(LANGUAGES)


@dataclass(frozen=True)
class Settings:
    name: str
    time_zone: str = "UTC"
    working_days: tuple[int, ...] = DEFAULT_WORKING_DAYS
    languages: tuple[str, ...] = EVERY_LANGUAGE


@dataclass(frozen=True)
class Tenant:
    slug: str = ""
    settings: Settings | None = None
    members: Mapping[str, str] = field(default_factory=lambda: MappingProxyType({}))
    sites: Mapping[str, SiteRegistered] = field(default_factory=lambda: MappingProxyType({}))
    time_frames: TimeFramesSet = field(default_factory=TimeFramesSet)
    retention_days: int | None = None
    minimum_count: int = MINIMUM_COUNT
    follow_up: FollowUpSet = field(default_factory=FollowUpSet)
    alert_recipients: AlertRecipientsSet = field(default_factory=AlertRecipientsSet)
    hotline: str | None = None
    offboarded: bool = False

    @property
    def registered(self) -> bool:
        return self.settings is not None


def evolve(state: Tenant, event: EventData) -> Tenant:
    match event:
        case TenantRegistered() | TenantSettingsChanged():
            settings = Settings(event.name, event.time_zone, tuple(event.working_days),
                                tuple(event.languages))  # fmt: skip
            return replace(state, settings=settings)
        case MemberOrganisationJoined(org=org, name=name):
            return replace(state, members=MappingProxyType({**state.members, org: name}))
        case SiteRegistered(site_id=site_id):
            return replace(state, sites=MappingProxyType({**state.sites, site_id: event}))
        case TimeFramesSet():
            return replace(state, time_frames=event)
        case RetentionPeriodSet(days=days):
            return replace(state, retention_days=days)
        case MinimumCountSet(k=k):
            return replace(state, minimum_count=k)
        case FollowUpSet():
            return replace(state, follow_up=event)
        case AlertRecipientsSet():
            return replace(state, alert_recipients=event)
        case HotlineSet(number=number):
            return replace(state, hotline=number)
        case TenantOffboarded():
            return replace(state, offboarded=True)
    return state


def fold(slug: str, events: Iterable[EventData]) -> Tenant:
    state = Tenant(slug=slug)
    for event in events:
        state = evolve(state, event)
    return state


def admit(state: Tenant, member_org: str | None) -> None:
    """The initiative exists, and a member company acting in it is one it has admitted: a
    token naming another initiative or organisation writes nothing there."""
    if not state.registered:
        raise TenantRefused("unknown-tenant", f"there is no initiative {state.slug!r}")
    if member_org is not None and member_org not in state.members:
        raise TenantRefused("not-a-member", f"{member_org!r} is not a member of this initiative")


def may_file(
    state: Tenant, site_id: str | None, member_org: str | None, country: str | None = None
) -> str | None:
    """A grievance may be filed: the tenant takes filings, the site is one of its sites.

    `member_org` is set when a member company files: it must be a member of the initiative,
    and files about a site it shares in, or one that no member has claimed. A site and a
    country that contradict each other are refused: the figures by country would count the
    grievance in a country its workplace is not in. Returns the grievance's country: the one
    given, or the site's when none was given.
    """
    admit(state, member_org)
    if state.offboarded:
        raise TenantRefused("tenant-offboarded", "this initiative no longer takes grievances")
    if site_id is None:
        return country
    site = state.sites.get(site_id)
    if site is None:
        raise TenantRefused("unknown-site", f"there is no site {site_id!r} in this initiative")
    if member_org is not None and site.member_orgs and member_org not in site.member_orgs:
        raise TenantRefused(
            "site-of-another-member",
            f"the site {site_id!r} is in another member's supply chain; "
            "file only about your own sites, or leave site_id out and name it in site_text",
        )
    if country is not None and country != site.country:
        raise TenantRefused(
            "site-in-another-country",
            f"the site {site_id!r} is in {site.country}, not in {country}: leave country out "
            "to take the site's, or leave site_id out and name the workplace in site_text",
        )
    return site.country


def export(state: Tenant) -> dict[str, Any]:
    """The tenant's state as JSON: what it has told the platform about itself."""
    settings = state.settings
    return {
        "tenant": state.slug,
        "name": settings and settings.name,
        "time_zone": settings and settings.time_zone,
        "working_days": list(settings.working_days) if settings else [],
        "languages": list(settings.languages) if settings else [],
        "members": [{"org": o, "name": n} for o, n in sorted(state.members.items())],
        "sites": [s.model_dump(mode="json") for _, s in sorted(state.sites.items())],
        "time_frames": state.time_frames.model_dump(mode="json"),
        "retention_days": state.retention_days,
        "minimum_count": state.minimum_count,
        "follow_up": state.follow_up.model_dump(mode="json"),
        "alert_recipients": state.alert_recipients.model_dump(mode="json"),
        "hotline": state.hotline,
        "offboarded": state.offboarded,
    }
