"""Corrections, pure: an officer corrects what a grievance was filed as, with a reason.

A grievance sent by SMS may be filed as `other` with no country; the case's read models, its
triage (the category's suggestions and escalation) and who of the members sees it follow
the correction. What the worker wrote is never changed: only how the case is classified.
"""

from __future__ import annotations

from dataclasses import dataclass

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
    changed = {
        k: v for k in now if (v := getattr(command, k)) is not None and v != now[k]
    }  # fmt: skip
    if not changed:
        raise CaseRefused("no-change", "the grievance is already filed so")
    member = {"member_org": command.member_org} if "site_id" in changed else {}
    return [GrievanceCorrected(case_id=opened.case_id, grievance_id=opened.grievance_id,
                               reason=command.reason, **changed, **member)]  # fmt: skip
