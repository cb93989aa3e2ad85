"""Given a tenant's events, when a command, then events or a refusal: an MSI's setup, pure.
The tenant the events leave, and what it allows, are `tenant`'s."""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from functools import cache
from zoneinfo import available_timezones

from redress.events.catalogue.tenant import (
    DEFAULT_WORKING_DAYS,
    MINIMUM_COUNT_FLOOR,
    AlertRecipientsSet,
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
from redress.tenancy.follow_up import SetFollowUp, decide_follow_up
from redress.tenancy.hotline import SetHotline, decide_hotline
from redress.tenancy.recipients import ROLES, SetAlertRecipients, addresses, kept
from redress.tenancy.tenant import EVERY_LANGUAGE, Settings, Tenant, TenantRefused

SLUG = re.compile(r"^[a-z0-9][a-z0-9-]{1,62}$")
"""A tenant's slug names it in URLs (`/t/acme-msi/report`) and in every event's envelope."""
ORG = re.compile(r"^[a-z0-9][a-z0-9._-]{0,199}$")
SITE = re.compile(r"^[a-z0-9][a-z0-9-]{0,99}$")


# Commands: what an admin (or the platform's operator) asks for.


@dataclass(frozen=True)
class RegisterTenant:
    slug: str
    name: str
    time_zone: str = "UTC"
    working_days: tuple[int, ...] = DEFAULT_WORKING_DAYS
    languages: tuple[str, ...] = EVERY_LANGUAGE


@dataclass(frozen=True)
class ChangeSettings:
    name: str
    time_zone: str
    working_days: tuple[int, ...]
    languages: tuple[str, ...]


@dataclass(frozen=True)
class AdmitMember:
    org: str
    name: str


@dataclass(frozen=True)
class RegisterSite:
    site_id: str
    name: str
    country: str
    member_orgs: tuple[str, ...] = ()
    sector: str | None = None
    tier: int | None = None


@dataclass(frozen=True)
class SetTimeFrames:
    acknowledge_days: int
    feedback_days: int
    plan_days: int


@dataclass(frozen=True)
class SetRetention:
    days: int | None


@dataclass(frozen=True)
class SetMinimumCount:
    k: int


MINIMUM_COUNT_CEILING = 1000


@dataclass(frozen=True)
class Offboard:
    reason: str | None = None


Command = (
    RegisterTenant | ChangeSettings | AdmitMember | RegisterSite | SetTimeFrames | SetRetention
    | SetMinimumCount | SetFollowUp | SetAlertRecipients | SetHotline | Offboard
)  # fmt: skip


def decide(command: Command, state: Tenant) -> list[EventData]:
    """The events a command records; [] when it changes nothing (a repeated PUT)."""
    if isinstance(command, RegisterTenant):
        if state.registered:
            raise TenantRefused("tenant-exists", f"there is already a tenant {command.slug!r}")
        if not SLUG.match(command.slug):
            raise TenantRefused(
                "bad-slug",
                "a tenant's slug is 2 to 63 lower-case letters, digits or hyphens",
            )
        _check_settings(command.name, command.time_zone, command.working_days, command.languages)
        return [
            TenantRegistered(
                name=command.name.strip(),
                time_zone=command.time_zone,
                working_days=_days(command.working_days),
                languages=tuple(dict.fromkeys(command.languages)),
            )
        ]
    if not state.registered:
        raise TenantRefused("unknown-tenant", f"there is no tenant {state.slug!r}")
    if state.offboarded:
        raise TenantRefused("tenant-offboarded", "this tenant has left the platform")
    match command:
        case ChangeSettings():
            _check_settings(command.name, command.time_zone, command.working_days,
                            command.languages)  # fmt: skip
            changed = TenantSettingsChanged(
                name=command.name.strip(),
                time_zone=command.time_zone,
                working_days=_days(command.working_days),
                languages=tuple(dict.fromkeys(command.languages)),
            )
            now = state.settings
            same = now == Settings(changed.name, changed.time_zone, changed.working_days,
                                   changed.languages)  # fmt: skip
            return [] if same else [changed]
        case AdmitMember(org=org, name=name):
            if not ORG.match(org):
                raise TenantRefused("bad-org", "an organisation id is lower-case letters, "
                                    "digits, dots, hyphens or underscores")  # fmt: skip
            _named(name)
            if state.members.get(org) == name.strip():
                return []
            return [MemberOrganisationJoined(org=org, name=name.strip())]
        case RegisterSite():
            return _register_site(command, state)
        case SetTimeFrames():
            frames = TimeFramesSet(**command.__dict__)
            return [] if frames == state.time_frames else [frames]
        case SetRetention(days=days):
            return [] if days == state.retention_days else [RetentionPeriodSet(days=days)]
        case SetMinimumCount(k=k):
            _check_minimum_count(k)
            return [] if k == state.minimum_count else [MinimumCountSet(k=k)]
        case SetFollowUp():
            return decide_follow_up(command, state.follow_up, TenantRefused)
        case SetAlertRecipients():
            chosen = AlertRecipientsSet(**{
                role: addresses(role, kept(command, state.alert_recipients, role), TenantRefused)
                for role in ROLES
            })  # fmt: skip
            return [] if chosen == state.alert_recipients else [chosen]
        case SetHotline():
            return decide_hotline(command, state.hotline, TenantRefused)
        case Offboard(reason=reason):
            return [TenantOffboarded(reason=reason)]
    raise TypeError(f"not a tenant command: {command!r}")  # pragma: no cover


def _register_site(command: RegisterSite, state: Tenant) -> list[EventData]:
    if not SITE.match(command.site_id):
        raise TenantRefused("bad-site-id", "a site id is lower-case letters, digits or hyphens")
    _named(command.name)
    if len(set(command.member_orgs)) != len(command.member_orgs):
        raise TenantRefused("duplicate-member", "a member organisation is named twice")
    if unknown := [o for o in command.member_orgs if o not in state.members]:
        raise TenantRefused(
            "unknown-member",
            f"no member organisation {', '.join(unknown)} in this tenant: admit it first",
        )
    taken = [s.site_id for s in state.sites.values()
             if s.name.casefold() == command.name.strip().casefold()
             and s.site_id != command.site_id]  # fmt: skip
    if taken:
        raise TenantRefused("duplicate-site", f"the site {taken[0]!r} already has this name")
    site = SiteRegistered(
        site_id=command.site_id,
        name=command.name.strip(),
        country=command.country,
        member_orgs=tuple(command.member_orgs),
        sector=command.sector,
        tier=command.tier,
    )
    return [] if state.sites.get(command.site_id) == site else [site]


def _check_minimum_count(k: int) -> None:
    if k < MINIMUM_COUNT_FLOOR:
        raise TenantRefused(
            "k-too-low",
            f"the minimum count is at least {MINIMUM_COUNT_FLOOR}: fewer singles people out",
        )
    if k > MINIMUM_COUNT_CEILING:
        raise TenantRefused("k-too-high", f"the minimum count is at most {MINIMUM_COUNT_CEILING}")


def _named(name: str) -> None:
    if not name.strip():
        raise TenantRefused("blank-name", "a name may not be blank")


def _days(days: Iterable[int]) -> tuple[int, ...]:
    return tuple(sorted(set(days)))


@cache
def time_zones() -> frozenset[str]:
    # The IANA names zoneinfo can load; read once, since the set only changes on an upgrade.
    return frozenset(available_timezones())


def _check_settings(
    name: str, time_zone: str, working_days: tuple[int, ...], languages: tuple[str, ...]
) -> None:
    _named(name)
    if time_zone not in time_zones():
        raise TenantRefused(
            "unknown-time-zone", f"{time_zone!r} is not a time zone (e.g. Asia/Dhaka)"
        )
    if not working_days or any(not 0 <= d <= 6 for d in working_days):
        raise TenantRefused(
            "bad-working-days", "working days are 0 (Monday) to 6 (Sunday), at least one"
        )
    if not languages:
        raise TenantRefused("no-languages", "the worker form offers at least one language")
    if unknown := [lang for lang in languages if lang not in LANGUAGES]:
        raise TenantRefused(
            "unknown-language",
            f"the platform has no {', '.join(unknown)}; it speaks {', '.join(LANGUAGES)}",
        )
