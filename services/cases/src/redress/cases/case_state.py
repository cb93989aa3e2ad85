"""The case's state, pure: its vocabulary, what it remembers, and how events change it.

evolve(state, event) -> state; the guards here are the ones every step's decide checks.
Dates come in with the commands (today, the tenant's time frames), so that the domain never
reads a clock.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field, replace
from datetime import date, datetime, time, timedelta
from enum import StrEnum
from functools import reduce
from typing import Any, ClassVar
from zoneinfo import ZoneInfo

from redress.events.application import Refused
from redress.events.catalogue.case import (
    CaseClosed,
    CaseOpened,
    CaseRejected,
    CaseReopened,
    CaseTriaged,
    CaseWithdrawn,
    FacilitatorAssigned,
    GrievanceCorrected,
    PlanActionAdded,
    PlanActionUpdated,
    ReferralRecommended,
    StageDeadlineMissed,
    StageEntered,
)
from redress.events.catalogue.remedy import PlanActionWaived, RemedyDelivered
from redress.events.envelope import EventData


class Stage(StrEnum):
    admissibility = "admissibility"
    verification = "verification"
    response = "response"
    remediation_plan = "remediation_plan"
    implementation = "implementation"
    closure = "closure"
    lessons_learned = "lessons_learned"


ORDER = list(Stage)


class Status(StrEnum):
    none = "none"
    open = "open"
    rejected = "rejected"
    closed = "closed"


class Severity(StrEnum):
    low = "low"
    medium = "medium"
    high = "high"
    critical = "critical"


class Grounds(StrEnum):
    out_of_scope = "out_of_scope"
    insufficient_information = "insufficient_information"
    duplicate = "duplicate"
    withdrawn_by_worker = "withdrawn_by_worker"
    handled_elsewhere = "handled_elsewhere"


class Remedy(StrEnum):
    wage_restitution = "wage_restitution"
    reinstatement = "reinstatement"
    compensation = "compensation"
    apology = "apology"
    policy_change = "policy_change"
    training = "training"
    medical_or_psychological_support = "medical_or_psychological_support"
    other = "other"


class Owner(StrEnum):
    member_company = "member_company"
    supplier = "supplier"
    facilitator = "facilitator"
    msi = "msi"


class Outcome(StrEnum):
    resolved = "resolved"
    partly_resolved = "partly_resolved"
    unresolved = "unresolved"
    referred = "referred"


EVERY_DAY = (0, 1, 2, 3, 4, 5, 6)


@dataclass(frozen=True)
class TimeFrames:
    """The tenant's time frames: days that count only on its working days (0 Monday .. 6
    Sunday), each day as its time zone has it."""

    acknowledge_days: int = 7
    feedback_days: int = 90
    plan_days: int = 45
    working_days: tuple[int, ...] = EVERY_DAY
    time_zone: str = "UTC"

    def local_day(self, now: datetime) -> date:
        """The tenant's date at the instant `now`."""
        return now.astimezone(ZoneInfo(self.time_zone)).date()

    def end_of(self, day: date) -> datetime:
        """The last instant of `day` in the tenant's time zone."""
        return datetime.combine(day, time.max, tzinfo=ZoneInfo(self.time_zone))


@dataclass(frozen=True)
class Action:
    owner: str
    due_on: date
    done: bool = False
    waived: bool = False  # with a reason (`remedies.WaiveAction`): settled without being done
    # Which member company, supplier (site id) or facilitator owns it; None: the initiative.
    owner_org: str | None = None

    @property
    def settled(self) -> bool:
        return self.done or self.waived


@dataclass(frozen=True)
class Case:
    status: Status = Status.none
    stage: Stage | None = None
    case_id: str = ""
    grievance_id: str = ""
    category: str = ""
    opened_on: date | None = None
    # The day the time frames count from: the opening, or the latest reopening.
    counted_from: date | None = None
    severity: Severity | None = None
    referral_recommended: bool = False
    actions: dict[str, Action] = field(default_factory=dict)
    remedies: frozenset[str] = frozenset()  # the ids of the remedies recorded as delivered
    missed: frozenset[str] = frozenset()
    # The stage's due date, and the last due date reported missed: verification and response
    # share the worker's feedback date, and a date missed is reported once, not again when
    # the case moves on to the stage that has it too.
    due: date | None = None
    missed_due: date | None = None
    withdrawn: bool = False  # by the worker: nobody contacts them about it any more
    # Where the case stands in the supply chain, as last corrected, and who facilitates it:
    # the parties of its plan (`parties`).
    site_id: str | None = None
    member_org: str | None = None
    facilitator: str | None = None


class CaseRefused(Refused):
    """A command the process forbids in the case's state; `kind` is stable for the API."""

    # A rejection as a duplicate that names no case, or the wrong one: the command is wrong.
    statuses: ClassVar[dict[str, int]] = {
        "not-a-duplicate": 422, "duplicate-of-itself": 422, "duplicate-names-no-case": 422,
        "due-in-the-past": 422, "worker-withdraws": 422, "site-in-another-country": 422,
    }  # fmt: skip


# How a step decides one of its commands; each step's module lists its own in `HANDLERS`.
Decider = Callable[[Any, Case], list[EventData]]


def after_working_days(start: date, days: int, working: tuple[int, ...]) -> date:
    """The day `days` working days after `start`: a frame opened on a Friday by a tenant
    working Monday to Friday has its first day on Monday."""
    if not working:  # the tenancy domain refuses it; count every day rather than never end
        working = EVERY_DAY
    day, counted = start, 0
    while counted < days:
        day += timedelta(days=1)
        counted += day.weekday() in working
    return day


def due_on(stage: Stage, counted_from: date, today: date, frames: TimeFrames) -> date | None:
    """The indicative date by which a stage should be done, in the tenant's working days."""
    if stage is Stage.admissibility:
        days, start = frames.acknowledge_days, counted_from
    elif stage in (Stage.verification, Stage.response):
        days, start = frames.feedback_days, counted_from
    elif stage is Stage.remediation_plan:
        days, start = frames.plan_days, today
    else:
        return None
    return after_working_days(start, days, frames.working_days)


def require_open(state: Case, *stages: Stage) -> None:
    if state.status is not Status.open:
        raise CaseRefused("not-open", f"the case is {state.status.value}")
    if stages and state.stage not in stages:
        names = ", ".join(s.value for s in stages)
        raise CaseRefused("wrong-stage", f"this can be done at {names}, not at {state.stage}")


def enter(state: Case, stage: Stage, today: date, frames: TimeFrames) -> StageEntered:
    due = due_on(stage, state.counted_from or today, today, frames)
    return StageEntered(
        case_id=state.case_id, grievance_id=state.grievance_id, stage=stage, due_on=due,
        due_at=frames.end_of(due) if due else None,
    )  # fmt: skip


def no_contact(state: Case) -> None:
    if state.withdrawn:
        raise CaseRefused("withdrawn", "the worker withdrew the grievance: do not contact them")


def evolve(state: Case, event: EventData) -> Case:
    match event:
        case CaseOpened():
            return Case(Status.open, None, event.case_id, event.grievance_id, event.category,
                        opened_on=event.opened_on, counted_from=event.opened_on,
                        site_id=event.site_id, member_org=event.member_org)  # fmt: skip
        case StageEntered(stage=stage, due_on=due):
            return replace(state, stage=Stage(stage), missed=frozenset(), due=due)
        case CaseTriaged(severity=severity):
            return replace(state, severity=Severity(severity))
        case ReferralRecommended():
            return replace(state, referral_recommended=True)
        case CaseRejected(grounds=grounds):
            withdrawn = grounds == Grounds.withdrawn_by_worker
            return replace(state, status=Status.rejected, withdrawn=withdrawn)
        case CaseWithdrawn():
            return replace(state, withdrawn=True)
        case CaseReopened(reopened_on=reopened_on):
            return replace(state, status=Status.open,
                           counted_from=reopened_on or state.counted_from)  # fmt: skip
        case PlanActionAdded(action_id=aid, owner=owner, due_on=due):
            action = Action(owner, due, owner_org=owner_org(event, state))
            return replace(state, actions={**state.actions, aid: action})
        case PlanActionUpdated(action_id=aid, done=done):
            action = replace(state.actions[aid], done=done)
            return replace(state, actions={**state.actions, aid: action})
        case PlanActionWaived(action_id=aid):
            action = replace(state.actions[aid], waived=True)
            return replace(state, actions={**state.actions, aid: action})
        case RemedyDelivered(remedy_id=rid):
            return replace(state, remedies=state.remedies | {rid})
        case CaseClosed():
            return replace(state, status=Status.closed)
        case StageDeadlineMissed(stage=stage):
            return replace(state, missed=state.missed | {stage}, missed_due=state.due)
        case FacilitatorAssigned(organisation=organisation):
            return adopt(replace(state, facilitator=organisation), Owner.facilitator)
        case GrievanceCorrected():  # triage weighs the corrected category
            state = replace(state, category=event.category or state.category)
            if event.site_id is not None:  # a corrected site brings its member (or none)
                state = replace(state, site_id=event.site_id, member_org=event.member_org)
                return adopt(state, Owner.supplier, Owner.member_company)
            return state
    return state


def adopt(state: Case, *kinds: Owner) -> Case:
    """Actions given to a kind of party the case had none of (no site, no facilitator yet)
    go to the one it now has."""
    actions = {
        aid: replace(a, owner_org=org_of(a.owner, state))
        if a.owner in kinds and a.owner_org is None else a
        for aid, a in state.actions.items()
    }  # fmt: skip
    return replace(state, actions=actions)


def org_of(owner: str, state: Case) -> str | None:
    """The case's party of that kind: its member company, its supplier (the site), its
    facilitator; None for the initiative (there is one) or a party the case has not."""
    parties: dict[str, str | None] = {
        Owner.member_company: state.member_org, Owner.supplier: state.site_id,
        Owner.facilitator: state.facilitator,
    }  # fmt: skip
    return parties.get(owner)


def owner_org(added: PlanActionAdded, state: Case) -> str | None:
    """The organisation owning an action: as the event names it, or (version 1 did not, nor
    does version 2 where the case had no such party) the case's party of the owner's kind."""
    return added.owner_org if added.owner_org is not None else org_of(added.owner, state)


def fold(events: list[EventData]) -> Case:
    return reduce(evolve, events, Case())
