"""Events of the `supplier` and `systemic` streams, written by cases: what an initiative does
about a supplier (a site) whose workers' grievances led to it, and the systemic issues that
group related cases under one plan."""

from __future__ import annotations

from datetime import date
from enum import StrEnum

from pydantic import Field

from redress.events.catalogue import event
from redress.events.envelope import EventData

Text = str
Steps = tuple[str, ...]


class Consequence(StrEnum):
    """What happens to a supplier, in the order of escalation."""

    corrective_action = "corrective_action"  # a corrective action plan with the supplier
    suspension = "suspension"  # orders paused, with steps that protect the workers meanwhile
    exit = "exit"  # the relationship ended responsibly, with steps for the workers
    reinstatement = "reinstatement"  # a suspension lifted: the plan was carried out


@event
class SupplierConsequenceDecided(EventData):
    """A consequence for a supplier, with its reasons and the cases that led to it.

    `steps` is the stepwise plan: the corrective actions, how workers are protected while
    orders are suspended, or how the exit is made responsibly (notice, wages and severance
    paid, help to find work).
    """

    type = "SupplierConsequenceDecided"
    stream_type = "supplier"

    site_id: str
    consequence: Consequence
    reasons: Text = Field(min_length=1, max_length=4000)
    case_ids: tuple[str, ...] = ()
    steps: Steps = ()
    decided_on: date


@event
class SystemicIssueOpened(EventData):
    """Related grievances (same site, same issue) grouped to be remedied together."""

    type = "SystemicIssueOpened"
    stream_type = "systemic"

    issue_id: str
    title: Text = Field(min_length=1, max_length=200)
    site_id: str | None = None
    category: str | None = None


@event
class CasesLinked(EventData):
    """Cases linked to a systemic issue; a case is linked once."""

    type = "CasesLinked"
    stream_type = "systemic"

    issue_id: str
    case_ids: tuple[str, ...]


@event
class SystemicActionAdded(EventData):
    """An action of the systemic issue's own plan."""

    type = "SystemicActionAdded"
    stream_type = "systemic"

    issue_id: str
    action_id: str
    description: Text = Field(min_length=1, max_length=2000)
    owner: str
    due_on: date | None = None
