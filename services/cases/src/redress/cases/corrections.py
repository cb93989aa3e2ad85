"""Corrections, pure: an officer corrects what a grievance was filed as, with a reason.

A grievance sent by SMS may be filed as `other` with no country; the case's read models, its
triage (the category's suggestions and escalation) and who of the members sees it follow
the correction. What the worker wrote is never changed: only how the case is classified.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from types import MappingProxyType

from redress.cases.domain import CaseRefused
from redress.events.catalogue.case import CaseOpened, GrievanceCorrected
from redress.events.envelope import EventData


@dataclass(frozen=True)
class Correct:
    reason: str
    category: str | None = None
    country: str | None = None
    site_id: str | None = None
    member_org: str | None = None  # the corrected site's sole member, found by the handler
    language: str | None = None
    # The country of each of the tenant's sites, as the handler read them.
    site_countries: Mapping[str, str] = field(default_factory=lambda: MappingProxyType({}))


def as_filed(events: list[EventData]) -> dict[str, str | None]:
    """The grievance's classification now: as opened, then as corrected."""
    opened = events[0]
    assert isinstance(opened, CaseOpened)
    now: dict[str, str | None] = {
        "category": opened.category, "country": opened.country, "site_id": opened.site_id,
        "language": opened.language,
    }  # fmt: skip
    for event in events:
        if isinstance(event, GrievanceCorrected):
            now |= {k: getattr(event, k) for k in now if getattr(event, k) is not None}
    return now


def member_of(events: list[EventData]) -> str | None:
    """The member company whose supply chain the case is in: the site's, as last corrected."""
    opened = events[0]
    assert isinstance(opened, CaseOpened)
    member = opened.member_org
    for event in events:
        if isinstance(event, GrievanceCorrected) and event.site_id is not None:
            member = event.member_org
    return member


def decide(command: Correct, events: list[EventData]) -> list[EventData]:
    opened = events[0] if events else None
    if not isinstance(opened, CaseOpened):
        raise CaseRefused("unknown-case", "there is no such case")
    now = as_filed(events)
    country = _country_of_the_site(command, now)
    if country != command.country:
        command = replace(command, country=country)
    changed = {
        k: v for k in now if (v := getattr(command, k)) is not None and v != now[k]
    }  # fmt: skip
    if not changed:
        raise CaseRefused("no-change", "the grievance is already filed so")
    member = {"member_org": command.member_org} if "site_id" in changed else {}
    return [GrievanceCorrected(case_id=opened.case_id, grievance_id=opened.grievance_id,
                               reason=command.reason, **changed, **member)]  # fmt: skip


def _country_of_the_site(command: Correct, now: dict[str, str | None]) -> str | None:
    """The country the correction leaves the grievance in: the one given, which may not
    contradict the site the grievance is (or is corrected to be) at; a site corrected without
    a country brings its own. Figures by country would otherwise count it where its
    workplace is not."""
    site_id = command.site_id or now["site_id"]
    site_country = command.site_countries.get(site_id) if site_id else None
    if command.country is not None and site_country and command.country != site_country:
        raise CaseRefused(
            "site-in-another-country",
            f"the site {site_id!r} is in {site_country}, not in {command.country}: correct "
            "the site too, or leave the country as the site's",
        )
    if command.site_id is not None and command.country is None:
        return site_country
    return command.country
