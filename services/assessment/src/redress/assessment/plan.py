"""The action plan of an assessment, pure: once a rating is agreed, the member plans actions
on the criteria it does not meet (the next level's first, in priority order), each with an
owner and a due date, and reports progress; the assessment's timers remind it a week before
each due date and once the date has passed, unless the action is done by then."""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import date
from types import MappingProxyType

from redress.assessment.scoring import counts_as_met, score
from redress.assessment.state import Action, Assessment, AssessmentRefused, Status
from redress.events.catalogue.assessment import (
    ActionPlanned,
    ActionProgressed,
    ActionReminded,
    Reminder,
)
from redress.events.envelope import EventData


@dataclass(frozen=True)
class PlanAction:
    criterion: str
    owner: str
    due_on: date
    description: str = ""
    today: date | None = None
    """The day it is planned: a due date before it is refused (none: not checked)."""


@dataclass(frozen=True)
class ReportProgress:
    criterion: str
    note: str
    done: bool = False


@dataclass(frozen=True)
class Remind:
    """A timer of the action fired: `due_on` is the date it was set for."""

    criterion: str
    due_on: date
    reminder: Reminder


COMMANDS = (PlanAction, ReportProgress, Remind)


def proposal(state: Assessment) -> list[str]:
    """The criteria to plan first: per step, those between it and its next level, in order."""
    assert state.framework is not None
    reached = score(state.framework, state.answers)
    return [c for g in reached.groups for c in g.to_do]


def decide(command: object, state: Assessment) -> list[EventData]:
    assert state.framework is not None
    match command:
        case PlanAction():
            if state.status is not Status.final:
                raise AssessmentRefused("not-final", "plan actions once a rating is agreed")
            if command.criterion not in state.framework.criteria():
                raise AssessmentRefused("unknown-criterion", "no such criterion in the framework")
            if counts_as_met(state.answers.get(command.criterion)):
                raise AssessmentRefused("already-met", "this criterion is met already")
            if not command.owner.strip():
                raise AssessmentRefused("owner-required", "say who answers for the action")
            if command.today is not None and command.due_on < command.today:
                raise AssessmentRefused("due-in-the-past", "the due date has passed already")
            c = command
            return [ActionPlanned(criterion=c.criterion, owner=c.owner, due_on=c.due_on,
                                  description=c.description)]  # fmt: skip
        case ReportProgress():
            if _action(state, command.criterion).done:
                raise AssessmentRefused("action-done", "this action is done")
            if not command.note.strip():
                raise AssessmentRefused("comment-required", "say what was done")
            return [ActionProgressed(criterion=command.criterion, note=command.note,
                                     done=command.done)]  # fmt: skip
        case Remind():
            # A timer set for a date since changed, or an action done meanwhile: nothing.
            found = state.actions.get(command.criterion)
            if found is None or found.done or found.due_on != command.due_on:
                return []
            if command.reminder in found.reminded:
                return []
            return [ActionReminded(criterion=command.criterion, due_on=command.due_on,
                                   reminder=command.reminder)]  # fmt: skip
    raise AssertionError(f"unknown command {command!r}")  # pragma: no cover


def _action(state: Assessment, criterion: str) -> Action:
    found = state.actions.get(criterion)
    if found is None:
        raise AssessmentRefused("no-action", "no action is planned on this criterion")
    return found


def evolve(state: Assessment, event: EventData) -> Assessment:
    actions = dict(state.actions)
    match event:
        case ActionPlanned():
            # Planned again for the same date (a new owner or description): its reminders
            # stay sent; a new date has reminders of its own.
            before = actions.get(event.criterion)
            kept = before.reminded if before and before.due_on == event.due_on else ()
            actions[event.criterion] = Action(event.owner, event.due_on, reminded=kept)
        case ActionProgressed(done=done):
            actions[event.criterion] = replace(actions[event.criterion], done=done)
        case ActionReminded():
            a = actions[event.criterion]
            actions[event.criterion] = replace(a, reminded=(*a.reminded, event.reminder))
        case _:
            return state
    return replace(state, actions=MappingProxyType(actions))
