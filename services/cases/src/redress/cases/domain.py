"""The case, pure: admissibility, then the six steps of operational remediation.

decide(command, state) -> events; evolve(state, event) -> state. Dates come in with the
commands (today, the tenant's time frames), so that the domain never reads a clock.

This module is the case's one door: the state lives in `case_state`, and each step's
commands and decisions in its own module (`admissibility`, `remediation`, `closure`, and
`casework` for what is done at any stage); `decide` sends each command to its step.
"""

from __future__ import annotations

from redress.cases import admissibility, casework, closure, remediation, remedies
from redress.cases.admissibility import (
    CHILD_LABOUR,
    KNOWN_INDICATORS,
    SUGGESTED,
    TRAFFICKING_INDICATORS,
    Accept,
    OpenCase,
    Reject,
    Triage,
    Withdraw,
    open_case,
    triage_outcome,
)
from redress.cases.case_state import (
    ORDER,
    Action,
    Case,
    CaseRefused,
    Decider,
    Grounds,
    Outcome,
    Owner,
    Remedy,
    Severity,
    Stage,
    Status,
    TimeFrames,
    due_on,
    evolve,
    fold,
)
from redress.cases.casework import (
    AddNote,
    AssignFacilitator,
    AssignOfficer,
    MessageWorker,
    MissDeadline,
)
from redress.cases.closure import Close, RecordLessons, RecordSatisfaction, Reopen
from redress.cases.remediation import AddAction, Advance, UpdateAction
from redress.cases.remedies import RecordRemedy, WaiveAction
from redress.events.application import Aggregate
from redress.events.envelope import EventData

__all__ = [
    "CASE",
    "CHILD_LABOUR",
    "KNOWN_INDICATORS",
    "ORDER",
    "SUGGESTED",
    "TRAFFICKING_INDICATORS",
    "Accept",
    "Action",
    "AddAction",
    "AddNote",
    "Advance",
    "AssignFacilitator",
    "AssignOfficer",
    "Case",
    "CaseRefused",
    "Close",
    "Command",
    "Grounds",
    "MessageWorker",
    "MissDeadline",
    "OpenCase",
    "Outcome",
    "Owner",
    "RecordLessons",
    "RecordRemedy",
    "RecordSatisfaction",
    "Reject",
    "Remedy",
    "Reopen",
    "Severity",
    "Stage",
    "Status",
    "TimeFrames",
    "Triage",
    "UpdateAction",
    "WaiveAction",
    "Withdraw",
    "decide",
    "due_on",
    "evolve",
    "fold",
    "triage_outcome",
]  # fmt: skip

Command = (
    OpenCase | Triage | Accept | Reject | Advance | AddAction | UpdateAction | AssignOfficer
    | AssignFacilitator | MessageWorker | AddNote | Close | RecordSatisfaction | RecordLessons
    | Reopen | MissDeadline | Withdraw | RecordRemedy | WaiveAction
)  # fmt: skip


def decide(command: Command, state: Case) -> list[EventData]:
    if isinstance(command, OpenCase):
        return open_case(command, state)
    if state.status is Status.none:
        raise CaseRefused("unknown-case", "there is no such case")
    handler = _HANDLERS[type(command)]
    return handler(command, state)


_HANDLERS: dict[type, Decider] = {
    **admissibility.HANDLERS, **remediation.HANDLERS, **casework.HANDLERS, **closure.HANDLERS,
    **remedies.HANDLERS,
}  # fmt: skip


CASE = Aggregate[Case, Command](lambda _: Case(), evolve, decide)
