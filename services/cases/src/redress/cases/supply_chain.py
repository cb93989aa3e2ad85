"""Suppliers and systemic issues, pure: consequences for a supplier, and related cases grouped
under one plan (IOM's remediation guidance, the UN guidance's chapter 3; QIMA's "violations
acted on, suppliers exited").

Kept beside the six steps of a case, like legal holds: they change nothing of what may
happen to a case, and act on several cases at once.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from typing import ClassVar

from redress.cases.domain import Owner
from redress.events.application import Refused
from redress.events.catalogue.supply_chain import (
    CasesLinked,
    Consequence,
    SupplierConsequenceDecided,
    SystemicActionAdded,
    SystemicIssueOpened,
)
from redress.events.envelope import EventData

Decide = Callable[[list[EventData]], list[EventData]]


class SupplyChainRefused(Refused):
    statuses: ClassVar[dict[str, int]] = {"unknown-issue": 404, "no-cases": 422, "no-steps": 422}


# Consequences for a supplier.

# Which consequence may follow which: escalation, and a suspension lifted; an exit is final.
_MAY_FOLLOW: dict[Consequence | None, set[Consequence]] = {
    None: {Consequence.corrective_action, Consequence.suspension, Consequence.exit},
    Consequence.corrective_action: {
        Consequence.corrective_action, Consequence.suspension, Consequence.exit,
    },
    Consequence.suspension: {Consequence.reinstatement, Consequence.exit},
    Consequence.reinstatement: {
        Consequence.corrective_action, Consequence.suspension, Consequence.exit,
    },
    Consequence.exit: set(),
}  # fmt: skip
# Each needs its plan: the corrective actions, how workers are protected while orders are
# paused, how the exit is made responsibly. Only lifting a suspension needs none.
_NEEDS_STEPS = {Consequence.corrective_action, Consequence.suspension, Consequence.exit}


@dataclass(frozen=True)
class DecideConsequence:
    site_id: str
    consequence: Consequence
    reasons: str
    case_ids: tuple[str, ...]
    steps: tuple[str, ...]
    today: date


def standing(events: list[EventData]) -> Consequence | None:
    """The supplier's last consequence, or None when there has been none."""
    last = None
    for event in events:
        if isinstance(event, SupplierConsequenceDecided):
            last = event.consequence
    return last


def may_follow(now: Consequence | None) -> list[Consequence]:
    """The consequences that may be decided next, in the order of the catalogue."""
    return [c for c in Consequence if c in _MAY_FOLLOW[now]]


def needs_steps(consequence: Consequence) -> bool:
    return consequence in _NEEDS_STEPS


def decide_consequence(command: DecideConsequence, events: list[EventData]) -> list[EventData]:
    now = standing(events)
    if command.consequence not in _MAY_FOLLOW[now]:
        if now is Consequence.exit:
            raise SupplyChainRefused("supplier-exited", "the initiative has exited this supplier")
        raise SupplyChainRefused(
            "wrong-consequence",
            f"a {command.consequence.value} cannot follow "
            f"{'no consequence' if now is None else now.value}",
        )
    if command.consequence is not Consequence.reinstatement and not command.case_ids:
        raise SupplyChainRefused("no-cases", "name the cases that led to this consequence")
    if command.consequence in _NEEDS_STEPS and not command.steps:
        raise SupplyChainRefused(
            "no-steps", f"a {command.consequence.value} needs its plan, step by step"
        )
    return [
        SupplierConsequenceDecided(
            site_id=command.site_id,
            consequence=command.consequence,
            reasons=command.reasons,
            case_ids=command.case_ids,
            steps=command.steps,
            decided_on=command.today,
        )
    ]


# Systemic issues.


@dataclass(frozen=True)
class OpenIssue:
    issue_id: str
    title: str
    site_id: str | None
    category: str | None
    case_ids: tuple[str, ...]


@dataclass(frozen=True)
class LinkCases:
    case_ids: tuple[str, ...]


@dataclass(frozen=True)
class AddIssueAction:
    action_id: str
    description: str
    owner: Owner
    due_on: date | None


@dataclass(frozen=True)
class Issue:
    issue_id: str | None = None
    cases: tuple[str, ...] = ()


def fold_issue(events: list[EventData]) -> Issue:
    issue = Issue()
    for event in events:
        if isinstance(event, SystemicIssueOpened):
            issue = Issue(event.issue_id)
        elif isinstance(event, CasesLinked):
            issue = Issue(issue.issue_id, issue.cases + event.case_ids)
    return issue


def decide_issue(command: OpenIssue | LinkCases | AddIssueAction, issue: Issue) -> list[EventData]:
    match command:
        case OpenIssue():
            if issue.issue_id is not None:
                raise SupplyChainRefused("already-open", "the systemic issue is already open")
            if not command.case_ids:
                raise SupplyChainRefused("no-cases", "a systemic issue groups at least one case")
            opened = SystemicIssueOpened(
                issue_id=command.issue_id, title=command.title,
                site_id=command.site_id, category=command.category,
            )  # fmt: skip
            return [opened, *_link(command.issue_id, (), command.case_ids)]
        case LinkCases():
            return _link(_known(issue), issue.cases, command.case_ids)
        case AddIssueAction():
            return [
                SystemicActionAdded(
                    issue_id=_known(issue), action_id=command.action_id,
                    description=command.description, owner=command.owner.value,
                    due_on=command.due_on,
                )
            ]  # fmt: skip
    raise AssertionError(f"unhandled command {command!r}")


def _known(issue: Issue) -> str:
    if issue.issue_id is None:
        raise SupplyChainRefused("unknown-issue", "there is no such systemic issue")
    return issue.issue_id


def _link(issue_id: str, linked: tuple[str, ...], case_ids: tuple[str, ...]) -> list[EventData]:
    new = tuple(dict.fromkeys(c for c in case_ids if c not in linked))
    if not new:
        raise SupplyChainRefused("already-linked", "every case named is linked already")
    return [CasesLinked(issue_id=issue_id, case_ids=new)]
