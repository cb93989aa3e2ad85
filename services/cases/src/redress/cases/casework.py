"""Casework at any stage, pure: who handles the case, what is written to the worker and in
the file, and a stage's deadline missed."""

from __future__ import annotations

from dataclasses import dataclass

from redress.cases.case_state import Case, Decider, Stage, Status, no_contact, require_open
from redress.events.catalogue.case import (
    FacilitatorAssigned,
    InternalNoteAdded,
    MessageSentToWorker,
    OfficerAssigned,
    StageDeadlineMissed,
)
from redress.events.catalogue.grievance import Sealed
from redress.events.envelope import EventData


@dataclass(frozen=True)
class AssignOfficer:
    officer: str


@dataclass(frozen=True)
class AssignFacilitator:
    organisation: str


@dataclass(frozen=True)
class MessageWorker:
    message: Sealed


@dataclass(frozen=True)
class AddNote:
    note: Sealed


@dataclass(frozen=True)
class MissDeadline:
    stage: Stage


def _assign_officer(c: AssignOfficer, state: Case) -> list[EventData]:
    require_open(state)
    return [OfficerAssigned(case_id=state.case_id, officer=c.officer)]


def _assign_facilitator(c: AssignFacilitator, state: Case) -> list[EventData]:
    require_open(state)
    return [FacilitatorAssigned(case_id=state.case_id, organisation=c.organisation)]


def _message(c: MessageWorker, state: Case) -> list[EventData]:
    no_contact(state)
    return [MessageSentToWorker(case_id=state.case_id, grievance_id=state.grievance_id,
                                message=c.message)]  # fmt: skip


def _note(c: AddNote, state: Case) -> list[EventData]:
    return [InternalNoteAdded(case_id=state.case_id, note=c.note)]


def _miss(c: MissDeadline, state: Case) -> list[EventData]:
    # A deadline that no longer applies, or was already reported, is not missed again: nor
    # the response's, which is the worker's feedback date that verification missed before.
    if state.status is not Status.open or state.stage is not c.stage or c.stage in state.missed:
        return []
    if c.stage is Stage.response and state.due is not None and state.due == state.missed_due:
        return []
    return [StageDeadlineMissed(case_id=state.case_id, stage=c.stage)]


HANDLERS: dict[type, Decider] = {
    AssignOfficer: _assign_officer, AssignFacilitator: _assign_facilitator,
    MessageWorker: _message, AddNote: _note, MissDeadline: _miss,
}  # fmt: skip
