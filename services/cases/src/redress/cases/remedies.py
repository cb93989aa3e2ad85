"""The remedy delivered, pure: quantified as delivered, plan actions waived with a reason.

IOM's step 4 ends in a remedy that reached the workers; an officer who has run remediation
for years records it as it was paid or done: the amount and its currency (ISO 4217), how
many workers it covered, the dates workers were reinstated, and the plan action it delivers
(so that the worker's own `RemedyConfirmed` of that action confirms it). An action that will
not be carried out is waived, with the reason, rather than left open or marked done: closing
as resolved asks every action to be one or the other (`closure`).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from redress.cases.case_state import (
    Case,
    CaseRefused,
    Decider,
    Remedy,
    Stage,
    require_open,
)
from redress.cases.currencies import CURRENCIES
from redress.events.catalogue.remedy import PlanActionWaived, RemedyDelivered
from redress.events.envelope import EventData

# Where remedies are delivered: the plan's stages (a plan may pay a first instalment early).
_DELIVERY = (Stage.remediation_plan, Stage.implementation)


@dataclass(frozen=True)
class RecordRemedy:
    remedy_id: str
    remedy: Remedy
    workers_covered: int
    description: str
    delivered_on: date
    today: date
    action_id: str | None = None
    amount: Decimal | None = None
    currency: str | None = None
    reinstated_on: tuple[date, ...] = ()


@dataclass(frozen=True)
class WaiveAction:
    action_id: str
    reason: str


def _record(c: RecordRemedy, state: Case) -> list[EventData]:
    require_open(state, *_DELIVERY)
    if c.remedy_id in state.remedies:
        raise CaseRefused("duplicate-remedy", "this remedy is already recorded")
    if c.action_id is not None and c.action_id not in state.actions:
        raise CaseRefused("unknown-action", "there is no such action in the plan")
    if (c.amount is None) != (c.currency is None):
        raise CaseRefused("amount-without-currency", "an amount needs its currency, and "
                          "a currency its amount")  # fmt: skip
    if c.currency is not None and c.currency not in CURRENCIES:
        raise CaseRefused("unknown-currency", "the currency is an ISO 4217 code, such as BDT")
    if c.amount is not None and c.amount <= 0:
        raise CaseRefused("bad-amount", "an amount is more than zero")
    if not c.workers_covered >= 1:
        raise CaseRefused("no-workers", "a remedy covers at least one worker")
    if c.reinstated_on and c.remedy is not Remedy.reinstatement:
        raise CaseRefused("not-reinstatement", "reinstatement dates are for a reinstatement")
    if c.remedy is Remedy.reinstatement and not c.reinstated_on:
        raise CaseRefused("no-reinstatement-date", "say when the workers were reinstated")
    if c.delivered_on > c.today or any(d > c.today for d in c.reinstated_on):
        raise CaseRefused("in-the-future", "a remedy is recorded once it was delivered")
    return [RemedyDelivered(
        case_id=state.case_id, remedy_id=c.remedy_id, remedy=c.remedy, action_id=c.action_id,
        amount=c.amount, currency=c.currency, workers_covered=c.workers_covered,
        reinstated_on=tuple(sorted(set(c.reinstated_on))), description=c.description,
        delivered_on=c.delivered_on,
    )]  # fmt: skip


def _waive(c: WaiveAction, state: Case) -> list[EventData]:
    require_open(state, *_DELIVERY)
    action = state.actions.get(c.action_id)
    if action is None:
        raise CaseRefused("unknown-action", "there is no such action in the plan")
    if action.done:
        raise CaseRefused("action-done", "this action is already done")
    if action.waived:
        raise CaseRefused("action-waived", "this action was waived already")
    if not c.reason.strip():
        raise CaseRefused("no-reason", "say why the action is waived")
    return [PlanActionWaived(case_id=state.case_id, action_id=c.action_id, reason=c.reason)]


HANDLERS: dict[type, Decider] = {RecordRemedy: _record, WaiveAction: _waive}
