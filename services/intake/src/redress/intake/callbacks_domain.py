"""The post-audit callback campaign, pure: decide(command, state) -> events, evolve.

An audit registers the workers interviewed on site; each is called back five days after
the audit (retaliation for speaking to the auditors shows by then, and the worker is no
longer on the factory floor beside them). Phone numbers reach the domain already sealed
under the audit's data key; the domain only guards what may happen and in what order.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from datetime import date, timedelta
from functools import reduce

from redress.events.application import Aggregate, Refused
from redress.events.catalogue.audit import (
    AuditPersonalDataErased,
    AuditRegistered,
    CallbackAttemptMissed,
    CallbackCompleted,
    CallbackScheduled,
)
from redress.events.catalogue.grievance import ErasureReason, Sealed
from redress.events.envelope import EventData

CALLBACK_DELAY = timedelta(days=5)
MAX_WORKERS = 500


def audit_stream(audit_id: str) -> str:
    return f"audit-{audit_id}"


def audit_key_id(audit_id: str) -> str:
    """The data key that seals the phone numbers of one audit."""
    return f"audit-{audit_id}"


class AuditRefused(Refused):
    """A command the audit's state does not allow; `kind` is stable for API errors."""

    statuses = {"unknown-audit": 404, "unknown-callback": 404, "already-registered": 409,
                "already-completed": 409, "erased": 409, "callbacks-open": 409}  # fmt: skip
    default_status = 422


# State.


@dataclass(frozen=True)
class Callback:
    due_on: date
    completed: bool = False
    reached: bool = False
    grievance_id: str | None = None
    attempts: int = 0  # calls made so far


@dataclass(frozen=True)
class Audit:
    registered: bool = False
    site_id: str | None = None
    country: str | None = None
    audit_date: date | None = None
    callbacks: dict[str, Callback] = field(default_factory=dict)
    erased: bool = False


# Commands.


@dataclass(frozen=True)
class Interviewee:
    """A worker interviewed on site, to be called back."""

    callback_id: str
    language: str
    contact: Sealed


@dataclass(frozen=True)
class RegisterAudit:
    audit_id: str
    site_id: str
    country: str
    audit_date: date
    workers: tuple[Interviewee, ...]
    auditor_org: str | None = None


@dataclass(frozen=True)
class CompleteCallback:
    audit_id: str
    callback_id: str
    reached: bool
    retaliation_reported: bool = False
    grievance_id: str | None = None
    # The tenant's follow-up, read at the call: an unreached worker is called again
    # `retry_days` after `today`, up to `attempts_allowed` calls in all.
    today: date | None = None
    attempts_allowed: int = 1
    retry_days: int = 1


@dataclass(frozen=True)
class EraseAuditData:
    audit_id: str
    reason: ErasureReason


Command = RegisterAudit | CompleteCallback | EraseAuditData


def due_on(audit_date: date) -> date:
    return audit_date + CALLBACK_DELAY


def decide(command: Command, state: Audit) -> list[EventData]:
    match command:
        case RegisterAudit():
            return _register(command, state)
        case CompleteCallback():
            return _complete(command, state)
        case EraseAuditData():
            return _erase(command, state)
    raise AssertionError(f"unhandled command {command!r}")


def _register(command: RegisterAudit, state: Audit) -> list[EventData]:
    if state.registered:
        raise AuditRefused("already-registered", "this audit was already registered")
    if not command.workers:
        raise AuditRefused("no-workers", "an audit needs at least one worker to call back")
    if len(command.workers) > MAX_WORKERS:
        raise AuditRefused("too-many-workers", f"an audit takes at most {MAX_WORKERS} workers")
    if len({w.callback_id for w in command.workers}) != len(command.workers):
        raise AuditRefused("duplicate-callback", "each worker needs a callback of their own")
    due = due_on(command.audit_date)
    events: list[EventData] = [
        AuditRegistered(
            audit_id=command.audit_id,
            site_id=command.site_id,
            country=command.country,
            audit_date=command.audit_date,
            auditor_org=command.auditor_org,
            workers=len(command.workers),
        )
    ]
    events += [
        CallbackScheduled(
            audit_id=command.audit_id,
            callback_id=w.callback_id,
            due_on=due,
            language=w.language,
            contact=w.contact,
        )
        for w in command.workers
    ]
    return events


def _complete(command: CompleteCallback, state: Audit) -> list[EventData]:
    if not state.registered:
        raise AuditRefused("unknown-audit", "there is no such audit")
    callback = state.callbacks.get(command.callback_id)
    if callback is None:
        raise AuditRefused("unknown-callback", "there is no such callback in this audit")
    if callback.completed:
        raise AuditRefused("already-completed", "the outcome of this callback was already recorded")
    if not command.reached and (command.retaliation_reported or command.grievance_id):
        raise AuditRefused(
            "not-reached", "a worker who was not reached cannot report retaliation or a grievance"
        )
    attempt = callback.attempts + 1
    if not command.reached and attempt < command.attempts_allowed:
        if command.today is None:
            raise AssertionError("a call tried again needs the day it was made")
        return [
            CallbackAttemptMissed(
                audit_id=command.audit_id,
                callback_id=command.callback_id,
                attempt=attempt,
                next_due_on=command.today + timedelta(days=command.retry_days),
            )
        ]
    return [
        CallbackCompleted(
            audit_id=command.audit_id,
            callback_id=command.callback_id,
            reached=command.reached,
            retaliation_reported=command.retaliation_reported,
            grievance_id=command.grievance_id,
            attempts=attempt,
        )
    ]


def _erase(command: EraseAuditData, state: Audit) -> list[EventData]:
    if not state.registered:
        raise AuditRefused("unknown-audit", "there is no such audit")
    if state.erased:
        raise AuditRefused("erased", "the personal data of this audit was already erased")
    if not all(c.completed for c in state.callbacks.values()):
        raise AuditRefused("callbacks-open", "a callback of this audit still needs its number")
    return [AuditPersonalDataErased(audit_id=command.audit_id,
                                    key_id=audit_key_id(command.audit_id),
                                    reason=command.reason)]  # fmt: skip


def evolve(state: Audit, event: EventData) -> Audit:
    match event:
        case AuditRegistered():
            return Audit(
                registered=True,
                site_id=event.site_id,
                country=event.country,
                audit_date=event.audit_date,
            )
        case CallbackScheduled():
            return replace(
                state, callbacks={**state.callbacks, event.callback_id: Callback(event.due_on)}
            )
        case CallbackAttemptMissed():
            tried = replace(
                state.callbacks[event.callback_id], due_on=event.next_due_on, attempts=event.attempt
            )
            return replace(state, callbacks={**state.callbacks, event.callback_id: tried})
        case CallbackCompleted():
            done = replace(
                state.callbacks[event.callback_id],
                completed=True,
                reached=event.reached,
                grievance_id=event.grievance_id,
                attempts=event.attempts,
            )
            return replace(state, callbacks={**state.callbacks, event.callback_id: done})
        case AuditPersonalDataErased():
            return replace(state, erased=True)
    return state


def fold(events: list[EventData]) -> Audit:
    return reduce(evolve, events, Audit())


AUDIT = Aggregate[Audit, Command](lambda _: Audit(), evolve, decide)
