"""Retention after closure, pure: when a grievance's personal data falls due for erasure.

The clock starts when the case is closed or rejected, stops when it is reopened, and does
not run out while the case is under a legal hold.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from functools import reduce

from redress.events.catalogue.case import CaseClosed, CaseRejected, CaseReopened
from redress.events.catalogue.case_oversight import LegalHoldPlaced, LegalHoldReleased
from redress.events.envelope import Event


@dataclass(frozen=True)
class CaseRetention:
    closed_at: datetime | None = None
    held: bool = False


def evolve(state: CaseRetention, event: Event) -> CaseRetention:
    match event.data:
        case CaseClosed() | CaseRejected():
            return replace(state, closed_at=event.time)
        case CaseReopened():
            return replace(state, closed_at=None)
        case LegalHoldPlaced():
            return replace(state, held=True)
        case LegalHoldReleased():
            return replace(state, held=False)
    return state


def fold(events: list[Event]) -> CaseRetention:
    return reduce(evolve, events, CaseRetention())


def due(state: CaseRetention, days: int | None, now: datetime) -> bool:
    """Whether the retention period after closure has run out, with no hold in the way."""
    if days is None or state.closed_at is None or state.held:
        return False
    return now >= state.closed_at + timedelta(days=days)
