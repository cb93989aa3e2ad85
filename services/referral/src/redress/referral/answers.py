"""What a partner answers to a referral sent to it, and the missed acknowledgement, pure.

A partner acknowledges (it has the referral), accepts or declines it (with a reason),
reports the services it provided and closes it (with an outcome). Accepting or declining
also acknowledges. A referral the partner was never sent does not exist for it; once the
worker withdrew their consent, or the officer the referral, the partner can do nothing more.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import datetime

from redress.events.catalogue.partner import Service
from redress.events.catalogue.referral import (
    DeclineReason,
    ReferralAccepted,
    ReferralAcknowledged,
    ReferralClosed,
    ReferralDeclined,
    ReferralOutcome,
    ReferralOverdue,
    ServicesProvided,
)
from redress.events.envelope import EventData
from redress.referral.state import Addressee, Referral, ReferralRefused, Status


@dataclass(frozen=True)
class Acknowledge:
    partner_id: str


@dataclass(frozen=True)
class Accept:
    partner_id: str


@dataclass(frozen=True)
class Decline:
    partner_id: str
    reason: DeclineReason


@dataclass(frozen=True)
class ProvideServices:
    partner_id: str
    services: tuple[Service, ...]


@dataclass(frozen=True)
class Close:
    partner_id: str
    outcome: ReferralOutcome


@dataclass(frozen=True)
class MissAcknowledgement:
    """The timer's: `acknowledge_by` says which sending it was set for."""

    partner_id: str
    acknowledge_by: datetime


Answer = Acknowledge | Accept | Decline | ProvideServices | Close


def sent_to(state: Referral, partner_id: str) -> Addressee:
    """The partner's part, if it was ever sent the referral; else as if there were none."""
    a = state.addressees.get(partner_id)
    if a is None or not a.sent:
        raise ReferralRefused("not-sent", "there is no such referral")
    return a


def _may_answer(a: Addressee, *statuses: Status) -> None:
    if a.status is Status.revoked:
        raise ReferralRefused("consent-revoked", "the worker withdrew their consent")
    if a.status is Status.withdrawn:
        raise ReferralRefused("withdrawn", "the referral was withdrawn")
    if a.status not in statuses:
        may = _MAY.get(a.status, "nothing more: your part of it has ended")
        raise ReferralRefused("wrong-state", f"the referral is {a.status.value}: you may {may}")


# What a partner may answer at each status, said when it answers something else.
_MAY = {
    Status.sent: "acknowledge, accept or decline it",
    Status.acknowledged: "accept or decline it",
    Status.accepted: "record the services provided, or close it with its outcome",
}


def decide(command: object, state: Referral) -> list[EventData]:
    if isinstance(command, MissAcknowledgement):
        a = state.addressees.get(command.partner_id)
        # Stale timers (acknowledged, ended, or sent again since) decide nothing.
        if (a is None or a.status is not Status.sent or a.overdue
                or a.acknowledge_by != command.acknowledge_by):  # fmt: skip
            return []
        return [ReferralOverdue(partner_id=a.partner_id, acknowledge_by=command.acknowledge_by)]
    if not isinstance(command, Answer):
        raise TypeError(f"not a referral command: {command!r}")  # pragma: no cover
    a = sent_to(state, command.partner_id)
    pid = a.partner_id
    match command:
        case Acknowledge():
            _may_answer(a, Status.sent)
            return [ReferralAcknowledged(partner_id=pid)]
        case Accept():
            _may_answer(a, Status.sent, Status.acknowledged)
            return [ReferralAccepted(partner_id=pid)]
        case Decline(reason=reason):
            _may_answer(a, Status.sent, Status.acknowledged)
            return [ReferralDeclined(partner_id=pid, reason=reason)]
        case ProvideServices(services=services):
            _may_answer(a, Status.accepted)
            return [ServicesProvided(partner_id=pid, services=tuple(dict.fromkeys(services)))]
        case Close(outcome=outcome):
            _may_answer(a, Status.accepted)
            return [ReferralClosed(partner_id=pid, outcome=outcome)]
    raise AssertionError("unreachable")  # pragma: no cover


def evolve(a: Addressee, event: EventData) -> Addressee:
    match event:
        case ReferralAcknowledged():
            return replace(a, status=Status.acknowledged)
        case ReferralAccepted():
            return replace(a, status=Status.accepted)
        case ReferralDeclined():
            return replace(a, status=Status.declined)
        case ReferralClosed():
            return replace(a, status=Status.closed)
        case ReferralOverdue():
            return replace(a, overdue=True)
    return a
