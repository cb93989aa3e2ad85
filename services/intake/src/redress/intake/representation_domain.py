"""Representatives beside a worker, pure: who files for them, who accompanies them.

A union, an NGO or another representative may file a grievance for a worker (recorded as
`filed_for` with the filing), or ask to accompany a worker in one already filed; the worker
alone allows or refuses that, on their status page. A representative reads the grievance's
progress, never what the worker wrote; the receipt stays the worker's (decide, evolve over
the grievance's events, beside `intake.domain`).
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace

from redress.events.application import Refused
from redress.events.catalogue.grievance import (
    GrievanceSubmitted,
    PersonalDataErased,
    WithdrawalRequested,
)
from redress.events.catalogue.representation import (
    Capacity,
    RepresentationAnswered,
    RepresentationRequested,
    RepresentativeRecorded,
)
from redress.events.envelope import EventData


class RepresentationRefused(Refused):
    statuses = {"unknown-reference": 404, "not-open": 409, "no-request": 409}
    default_status = 422


@dataclass(frozen=True)
class Representation:
    grievance_id: str | None = None
    open: bool = False  # filed, neither withdrawn nor erased
    representatives: dict[str, Capacity] = field(default_factory=dict)
    pending: frozenset[str] = frozenset()


@dataclass(frozen=True)
class RecordFiler:
    org: str


@dataclass(frozen=True)
class RequestAccompaniment:
    org: str


@dataclass(frozen=True)
class AnswerRequest:
    org: str
    allowed: bool


Command = RecordFiler | RequestAccompaniment | AnswerRequest


def decide(command: Command, state: Representation) -> list[EventData]:
    gid = state.grievance_id
    if gid is None:
        raise RepresentationRefused("unknown-reference", "there is no such grievance")
    match command:
        case RecordFiler(org=org):
            return [RepresentativeRecorded(grievance_id=gid, org=org, capacity=Capacity.filed_for)]
        case RequestAccompaniment(org=org):
            if not state.open:
                raise RepresentationRefused("not-open", "the worker withdrew or erased it")
            if org in state.representatives or org in state.pending:
                return []  # already beside the worker, or asked: the worker answers once
            return [RepresentationRequested(grievance_id=gid, org=org)]
        case AnswerRequest(org=org, allowed=allowed):
            if org not in state.pending:
                raise RepresentationRefused("no-request", "this organisation asked nothing")
            answered = RepresentationAnswered(grievance_id=gid, org=org, allowed=allowed)
            if not allowed:
                return [answered]
            beside = RepresentativeRecorded(grievance_id=gid, org=org,
                                            capacity=Capacity.accompanies)  # fmt: skip
            return [answered, beside]
    raise AssertionError(f"unhandled command {command!r}")


def evolve(state: Representation, event: EventData) -> Representation:
    match event:
        case GrievanceSubmitted(grievance_id=gid):
            return replace(state, grievance_id=gid, open=True)
        case WithdrawalRequested() | PersonalDataErased():
            return replace(state, open=False, pending=frozenset())
        case RepresentationRequested(org=org):
            return replace(state, pending=state.pending | {org})
        case RepresentationAnswered(org=org):
            return replace(state, pending=state.pending - {org})
        case RepresentativeRecorded(org=org, capacity=capacity):
            return replace(state, representatives={**state.representatives, org: capacity})
    return state


def fold(events: list[EventData]) -> Representation:
    state = Representation()
    for event in events:
        state = evolve(state, event)
    return state
