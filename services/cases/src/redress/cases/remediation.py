"""The remediation plan, pure: the case moves on step by step, and the plan's actions are
added and carried out until implementation, each owned by a party (`parties`)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from redress.cases import parties
from redress.cases.case_state import (
    Case,
    CaseRefused,
    Decider,
    Owner,
    Remedy,
    Stage,
    TimeFrames,
    enter,
    org_of,
    require_open,
)
from redress.cases.parties import Party
from redress.events.catalogue.case import PlanActionAdded, PlanActionUpdated
from redress.events.envelope import EventData


@dataclass(frozen=True)
class Advance:
    """Move on to the next step: verification -> response -> plan -> implementation."""

    to: Stage
    today: date
    frames: TimeFrames = TimeFrames()


@dataclass(frozen=True)
class AddAction:
    action_id: str
    remedy: Remedy
    owner: Owner
    due_on: date
    description: str
    by: Party | None = None  # None: the initiative's staff
    today: date | None = None  # the tenant's; an action is not planned for a day gone


@dataclass(frozen=True)
class UpdateAction:
    action_id: str
    progress: str
    evidence: str | None = None
    done: bool = False
    by: Party | None = None


_NEXT = {
    Stage.verification: Stage.response,
    Stage.response: Stage.remediation_plan,
    Stage.remediation_plan: Stage.implementation,
}


def _advance(c: Advance, state: Case) -> list[EventData]:
    require_open(state)
    if state.stage not in _NEXT or _NEXT[state.stage] is not c.to:
        raise CaseRefused("wrong-stage", f"the case cannot move from {state.stage} to {c.to}")
    if c.to is Stage.implementation and not state.actions:
        raise CaseRefused("no-plan", "the remediation plan needs at least one action")
    return [enter(state, c.to, c.today, c.frames)]


def _add_action(c: AddAction, state: Case) -> list[EventData]:
    if c.by is not None:
        parties.may_add(c.by, c.owner)
    require_open(state, Stage.remediation_plan, Stage.implementation)
    if c.action_id in state.actions:
        raise CaseRefused("duplicate-action", "this action is already in the plan")
    if c.today is not None and c.due_on < c.today:
        raise CaseRefused("due-in-the-past", f"an action is due today ({c.today}) or later")
    return [PlanActionAdded(case_id=state.case_id, action_id=c.action_id, remedy=c.remedy,
                            owner=c.owner, due_on=c.due_on, description=c.description,
                            owner_org=org_of(c.owner, state))]  # fmt: skip


def _update_action(c: UpdateAction, state: Case) -> list[EventData]:
    require_open(state, Stage.remediation_plan, Stage.implementation)
    action = state.actions.get(c.action_id)
    if action is None:
        raise CaseRefused("unknown-action", "there is no such action in the plan")
    if c.by is not None:
        parties.may_update(c.by, action)
    if action.done:
        raise CaseRefused("action-done", "this action is already done")
    if action.waived:
        raise CaseRefused("action-waived", "this action was waived")
    return [PlanActionUpdated(case_id=state.case_id, action_id=c.action_id,
                              progress=c.progress, evidence=c.evidence, done=c.done)]  # fmt: skip


HANDLERS: dict[type, Decider] = {
    Advance: _advance, AddAction: _add_action, UpdateAction: _update_action,
}  # fmt: skip
