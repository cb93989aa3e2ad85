"""Legal holds, pure: a hold keeps a case's personal data past the retention period.

Kept beside the remediation process rather than in it: a hold changes nothing of what may
happen to the case, only what intake's retention may erase.
"""

from __future__ import annotations

from dataclasses import dataclass

from redress.cases.domain import CaseRefused
from redress.events.catalogue.case import CaseOpened
from redress.events.catalogue.case_oversight import HoldGrounds, LegalHoldPlaced, LegalHoldReleased
from redress.events.envelope import EventData


@dataclass(frozen=True)
class PlaceLegalHold:
    grounds: HoldGrounds


@dataclass(frozen=True)
class ReleaseLegalHold:
    pass


def held(events: list[EventData]) -> bool:
    on = False
    for event in events:
        if isinstance(event, LegalHoldPlaced | LegalHoldReleased):
            on = isinstance(event, LegalHoldPlaced)
    return on


def decide(command: PlaceLegalHold | ReleaseLegalHold, events: list[EventData]) -> list[EventData]:
    opened = events[0] if events else None
    if not isinstance(opened, CaseOpened):
        raise CaseRefused("unknown-case", "there is no such case")
    ids = {"case_id": opened.case_id, "grievance_id": opened.grievance_id}
    match command:
        case PlaceLegalHold(grounds=grounds):
            if held(events):
                raise CaseRefused("already-held", "the case is already under a legal hold")
            return [LegalHoldPlaced(**ids, grounds=grounds)]
        case ReleaseLegalHold():
            if not held(events):
                raise CaseRefused("not-held", "the case is not under a legal hold")
            return [LegalHoldReleased(**ids)]
    raise AssertionError(f"unhandled command {command!r}")
