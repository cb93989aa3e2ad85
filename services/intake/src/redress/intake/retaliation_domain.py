"""Retaliation reports and the check-in after their case, pure: decide, evolve.

A worker who says they were punished for speaking up (on a callback, in a message on their
status page, or on an earlier check-in) starts a report of its own; cases opens a case for
it at once. Once that case ends, the worker is called `check_in_days` later (the tenant's
number) and asked whether anything has happened since; a worker not reached is called again
as callbacks are. Nobody is called who gave no number or did not allow contact.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import date, timedelta

from redress.events.application import Aggregate, Refused
from redress.events.catalogue.grievance import Channel, Sealed
from redress.events.catalogue.retaliation import CheckInMade, CheckInScheduled, RetaliationReported
from redress.events.envelope import EventData


def report_stream(report_id: str) -> str:
    return f"retaliation-{report_id}"


class ReportRefused(Refused):
    statuses = {"unknown-report": 404, "already-reported": 409, "no-check-in": 409}
    default_status = 422


@dataclass(frozen=True)
class Report:
    report_id: str | None = None
    callable: bool = False  # a number to call, given with leave to call it
    due_on: date | None = None  # of the check-in's next call; None: none pending
    attempts: int = 0  # calls of the pending check-in made so far


@dataclass(frozen=True)
class ReportRetaliation:
    report_id: str
    channel: Channel
    language: str
    country: str | None = None
    site_id: str | None = None
    grievance_id: str | None = None
    audit_id: str | None = None
    callback_id: str | None = None
    follows_report_id: str | None = None
    contact: Sealed | None = None


@dataclass(frozen=True)
class ScheduleCheckIn:
    """The report's case ended on `ended_on`: call the worker `days` later."""

    case_id: str
    ended_on: date
    days: int


@dataclass(frozen=True)
class RecordCheckIn:
    reached: bool
    anything_happened: bool
    today: date
    attempts_allowed: int = 1
    retry_days: int = 1


Command = ReportRetaliation | ScheduleCheckIn | RecordCheckIn


def decide(command: Command, state: Report) -> list[EventData]:
    if isinstance(command, ReportRetaliation):
        if state.report_id is not None:
            raise ReportRefused("already-reported", "this report was already recorded")
        return [RetaliationReported(**command.__dict__)]
    if state.report_id is None:
        raise ReportRefused("unknown-report", "there is no such report")
    match command:
        case ScheduleCheckIn():
            if not state.callable or state.due_on is not None:
                return []  # no number to call, or a check-in is already waiting
            due = command.ended_on + timedelta(days=command.days)
            return [CheckInScheduled(report_id=state.report_id, case_id=command.case_id,
                                     due_on=due)]  # fmt: skip
        case RecordCheckIn():
            return _check_in(command, state, state.report_id)
    raise AssertionError(f"unhandled command {command!r}")


def _check_in(command: RecordCheckIn, state: Report, report_id: str) -> list[EventData]:
    if state.due_on is None:
        raise ReportRefused("no-check-in", "no check-in is waiting for this report")
    if not command.reached and command.anything_happened:
        raise ReportRefused("not-reached", "a worker who was not reached told nothing")
    attempt = state.attempts + 1
    again = not command.reached and attempt < command.attempts_allowed
    next_due = command.today + timedelta(days=command.retry_days) if again else None
    return [CheckInMade(report_id=report_id, attempt=attempt, reached=command.reached,
                        anything_happened=command.anything_happened,
                        next_due_on=next_due)]  # fmt: skip


def evolve(state: Report, event: EventData) -> Report:
    match event:
        case RetaliationReported():
            return Report(report_id=event.report_id, callable=event.contact is not None)
        case CheckInScheduled(due_on=due_on):
            return replace(state, due_on=due_on, attempts=0)
        case CheckInMade(attempt=attempt, next_due_on=next_due):
            return replace(state, due_on=next_due, attempts=attempt if next_due else 0)
    return state


REPORT = Aggregate[Report, Command](lambda _: Report(), evolve, decide)
