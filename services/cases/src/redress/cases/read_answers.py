"""What the cases API's lists and supply-chain reads answer, as its OpenAPI documents them.

The handlers build each answer as a dict, shaped by the reader's role; these models say what
comes back to whom (`redress.kit.openapi.documented`), and tests/cases/test_documented_answers.py
checks real answers against them.
"""

from __future__ import annotations

from typing import Any

from pydantic import Field
from pydantic.json_schema import SkipJsonSchema

from redress.cases.case_state import Grounds, Outcome, Owner, Remedy, Severity, Stage, Status
from redress.events.catalogue.grievance import Category
from redress.events.catalogue.supply_chain import Consequence
from redress.kit.openapi import Answer, some

_STAFF = "staff only: never a member company, a supplier or a facilitator"
_NOT_PARTY = "staff and member companies: never a supplier or a facilitator"
_MOMENT = (
    "for staff the moment (ISO 8601); for a member company, a supplier or a facilitator only the"
    " initiative's day (YYYY-MM-DD)"
)


class QueuedCase(Answer):
    """A case in the queue, with the columns the reader's role may see."""

    case_id: str
    category: Category = Field(description="what the grievance is about")
    country: str | None = Field(description="ISO 3166 code of the site's country; null unknown")
    site_id: str | None = Field(description="the supplier's site, when the worker named it")
    member_org: str | None = Field(description="the member company whose supply chain it is")
    status: Status
    stage: Stage
    stage_due: str | None = Field(description="the day the stage is due (YYYY-MM-DD)")
    deadline_missed: bool | SkipJsonSchema[None] = some(
        f"a stage deadline was missed and the stage has not moved on since ({_NOT_PARTY})"
    )
    outcome: Outcome | None = Field(description="how the case ended; null while open")
    satisfaction: int | None = some(f"the worker's satisfaction with the outcome ({_NOT_PARTY})")
    opened_at: str = Field(description=f"when the case was opened: {_MOMENT}")
    updated_at: str = Field(description=f"when the case last changed: {_MOMENT}")
    severity: Severity | None = some(f"the triage's severity; null before triage ({_STAFF})")
    referral_recommended: bool | SkipJsonSchema[None] = some(
        f"triage recommends a referral to a support service ({_STAFF})"
    )
    grievance_id: str | SkipJsonSchema[None] = some(f"the grievance the case handles ({_STAFF})")
    language: str | SkipJsonSchema[None] = some(f"the worker's language ({_STAFF})")
    officer: str | None = some(f"the officer who holds the case ({_STAFF})")
    facilitator: str | None = some(f"the facilitator assigned to the case ({_STAFF})")
    indicators: list[str] | SkipJsonSchema[None] = some(
        f"the risk indicators recorded at triage ({_STAFF})"
    )
    identity_shareable: bool | SkipJsonSchema[None] = some(
        f"the worker lets the member company know who they are ({_STAFF})"
    )
    contact_consented: bool | SkipJsonSchema[None] = some(f"the worker allows contact ({_STAFF})")
    grounds: Grounds | None = some(f"why the case was rejected or closed early ({_STAFF})")
    duplicate_of: str | None = some(f"the case this one duplicates ({_STAFF})")
    withdrawn: bool | SkipJsonSchema[None] = some(f"the worker withdrew the grievance ({_STAFF})")


class Queue(Answer):
    items: list[QueuedCase]
    next: str | None = Field(description="the cursor of the next page; null on the last")


class PlanAction(Answer):
    """An action of a case's plan, with where its case stands."""

    case_id: str
    action_id: str
    remedy: Remedy
    owner: Owner = Field(description="who is to carry it out")
    due_on: str = Field(description="the day it is due (YYYY-MM-DD)")
    description: str
    progress: str | None = Field(description="what its owner last reported of it")
    evidence: str | None = Field(description="what its owner said shows it done")
    done: bool
    waived: bool = Field(description="nothing more is asked of it")
    overdue: bool = Field(
        description="past its due date, neither done nor waived, while its case is open"
    )
    stage: Stage = Field(description="the stage of its case")
    status: Status = Field(description="the status of its case")
    category: Category = Field(description="what its case's grievance is about")
    country: str | None
    site_id: str | None
    owner_org: str | None = some(f"the organisation that owns it ({_STAFF})")


class PlanActions(Answer):
    items: list[PlanAction]
    next: str | None = Field(description="the cursor of the next page; null on the last")


class Read(Answer):
    """Someone was shown the worker's personal data."""

    reader: str = Field(description="who read it")
    role: str = Field(description="the reader's role")
    fields: list[str] = Field(description="the fields of personal data shown")
    channel: str = Field(description="where: the API or a console")
    time: str = Field(description="when (ISO 8601)")


class Reads(Answer):
    items: list[Read]
    next: str | None = Field(description="the cursor of the next page; null on the last")


class Indicator(Answer):
    code: str
    benchmark: int | None = Field(description="the Recommendation 3 benchmark (1-17)")
    ilo: str | None = Field(description="the ILO indicator of forced labour it stands for")
    weight: str = Field(description="how much it weighs in triage (ADR 0020)")
    meaning: str


class Indicators(Answer):
    known: list[str] = Field(description="the codes an officer may record")
    suggested: list[str] = Field(description="those the category asked about suggests")
    vocabulary: list[Indicator]
    aliases: dict[str, str] = Field(description="older codes still accepted, to the code named")


class MissedDeadline(Answer):
    case_id: str
    stage: Stage
    stage_due: str | None = Field(description="the day the stage was due (YYYY-MM-DD)")
    officer: str | None = Field(description="the officer who holds the case")
    severity: Severity | None


class MissedDeadlines(Answer):
    items: list[MissedDeadline]


class Supplier(Answer):
    """A supplier with a consequence, where it stands now."""

    site_id: str
    consequence: Consequence = Field(description="its latest consequence")
    decided_on: str = Field(description="the day it was decided (YYYY-MM-DD)")


class Suppliers(Answer):
    items: list[Supplier] = Field(description="by site")
    by_consequence: dict[str, int] = Field(
        description="how many suppliers stand at each consequence (those at none left out)"
    )


class Decided(Answer):
    """A consequence decided for a supplier, with its reasons, cases and plan."""

    site_id: str
    consequence: Consequence
    reasons: str
    case_ids: list[str] = Field(description="the cases that led to it")
    steps: list[str] = Field(
        description="the stepwise plan: corrective actions, how workers are protected while"
        " orders are suspended, or how the exit is made responsibly"
    )
    decided_on: str = Field(description="the day it was decided (YYYY-MM-DD)")


class SupplierHistory(Answer):
    site_id: str
    standing: Consequence | None = Field(description="its latest consequence")
    consequences: list[Decided] = Field(description="in the order decided")


class IssueListed(Answer):
    issue_id: str
    title: str
    site_id: str | None = Field(description="the site its grievances are about, if one")
    category: str | None = Field(description="the grievance category it groups, if one")
    opened_at: str = Field(description="when it was opened (ISO 8601)")
    cases: int = Field(description="how many cases it groups")


class Issues(Answer):
    items: list[IssueListed] = Field(description="newest first")


class IssueAction(Answer):
    action_id: str
    description: str
    owner: str = Field(description="the kind of party that is to carry it out")
    due_on: str | None = Field(description="the day it is due (YYYY-MM-DD); null if none")


class Issue(Answer):
    """A systemic issue: related grievances grouped to be remedied together."""

    issue_id: str
    title: str
    site_id: str | None = Field(description="the site its grievances are about, if one")
    category: str | None = Field(description="the grievance category it groups, if one")
    cases: list[str] = Field(description="the cases it groups, in the order linked")
    actions: list[IssueAction] = Field(description="its own plan, in the order added")


class TimelineEntry(Answer):
    """One thing that happened to the case."""

    type: str = Field(description="what happened: the event's type, e.g. StageEntered")
    actor: str | None = Field(description="the kind of actor: staff, member, worker, system")
    actor_id: str | None = some(f"who did it ({_STAFF})")
    time: str = Field(description=f"when: {_MOMENT}")
    details: dict[str, Any] = Field(
        description="what the event says, by its type; a member company's leave out what only"
        " staff see (indicators, reasons, the officer, the worker's language, ...)"
    )


class Timeline(Answer):
    items: list[TimelineEntry] = Field(
        description="in order; a member company's leave out staff-only entries (notes, triage,"
        " the worker's messages, referral, verification, ...)"
    )


class DeliveredRemedy(Answer):
    remedy_id: str
    remedy: Remedy
    action_id: str | None = Field(description="the plan action it delivers, if one")
    amount: str | None = Field(description="a decimal amount paid, as a string; null if none")
    currency: str | None = Field(description="ISO 4217 code of the amount")
    workers_covered: int = Field(description="how many workers it reached")
    reinstated_on: list[str] = Field(description="days workers were reinstated (YYYY-MM-DD)")
    description: str
    delivered_on: str = Field(description="the day it was delivered (YYYY-MM-DD)")
    worker_confirmed: bool | None = Field(
        description="the worker's own word on its action: true it reached them, false it did"
        " not; null if they have not said"
    )


class WaivedAction(Answer):
    action_id: str
    reason: str = Field(description="why it will not be carried out")
    actor_id: str = Field(description="the officer who waived it")
    time: str = Field(description="when (ISO 8601)")


class Remedies(Answer):
    remedies: list[DeliveredRemedy] = Field(description="in the order recorded")
    waived: list[WaivedAction]
    right_to_court_attested_at: str | None = Field(
        description="when an officer last attested that no settlement waives the worker's"
        " right to go to court (ISO 8601); null if never"
    )
