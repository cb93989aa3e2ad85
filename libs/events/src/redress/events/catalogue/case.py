"""Events of the `case` stream, written by cases."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from pydantic import Field

from redress.events.catalogue import event, upcaster
from redress.events.catalogue.grievance import Sealed, unknown_country
from redress.events.catalogue.indicators import canonical
from redress.events.envelope import EventData

Tags = tuple[str, ...]


@event
class CaseOpened(EventData):
    """A case was opened for a submitted grievance (one case per grievance).

    `country` is None when the worker's country is not known; version 1 wrote "ZZ".
    """

    type = "CaseOpened"
    stream_type = "case"
    schemaversion = 2

    case_id: str
    grievance_id: str
    category: str
    country: str | None = Field(min_length=2, max_length=2)
    site_id: str | None = None
    member_org: str | None = None
    language: str = "en"
    identity_shareable: bool = False
    opened_on: date | None = None


@upcaster("CaseOpened", 1)
def _unknown_country(raw: dict[str, Any]) -> dict[str, Any]:
    return raw | {"country": unknown_country(raw["country"])}


@event
class StageEntered(EventData):
    """The case moved to a stage of the process; `due_on` is when it should be done."""

    type = "StageEntered"
    stream_type = "case"

    case_id: str
    grievance_id: str
    stage: str
    due_on: date | None = None
    # When the stage is missed: the end of `due_on` in the tenant's time zone (absent before
    # it was recorded: the end of `due_on` in UTC).
    due_at: datetime | None = None


@event
class CaseTriaged(EventData):
    """Version 2: indicators in the one vocabulary (`catalogue.indicators`), no aliases."""

    type = "CaseTriaged"
    stream_type = "case"
    schemaversion = 2

    case_id: str
    indicators: Tags = ()
    severity: str
    override_reason: str | None = Field(default=None, max_length=2000)


@event
class ReferralRecommended(EventData):
    """Trafficking, forced or child labour indicated: the referral service should act."""

    type = "ReferralRecommended"
    stream_type = "case"
    schemaversion = 2  # reasons in the one vocabulary, as CaseTriaged's indicators

    case_id: str
    reasons: Tags


@upcaster("CaseTriaged", 1)
def _triaged_in_one_vocabulary(raw: dict[str, Any]) -> dict[str, Any]:
    return raw | {"indicators": list(canonical(raw.get("indicators", ())))}


@upcaster("ReferralRecommended", 1)
def _reasons_in_one_vocabulary(raw: dict[str, Any]) -> dict[str, Any]:
    return raw | {"reasons": list(canonical(raw.get("reasons", ())))}


@event
class CaseRejected(EventData):
    """`duplicate_of` (version 2): the case a grievance rejected as a duplicate duplicates."""

    type = "CaseRejected"
    stream_type = "case"
    schemaversion = 2

    case_id: str
    grievance_id: str
    grounds: str
    explanation: str = Field(default="", max_length=2000)
    duplicate_of: str | None = None


@upcaster("CaseRejected", 1)
def _no_duplicate_named(raw: dict[str, Any]) -> dict[str, Any]:
    return raw  # version 1 named no case, even for a duplicate


@event
class CaseWithdrawn(EventData):
    """The worker withdrew a grievance whose case had already ended (closed or rejected): the
    case keeps its ending, nobody contacts the worker about it, and no officer reopens it.
    An open case the worker withdraws ends as `CaseRejected` with `withdrawn_by_worker`."""

    type = "CaseWithdrawn"
    stream_type = "case"

    case_id: str
    grievance_id: str


@event
class CaseReopened(EventData):
    """`reopened_on` (absent before it was recorded): the day the stages' time frames count
    from again."""

    type = "CaseReopened"
    stream_type = "case"

    case_id: str
    grievance_id: str
    reason: str = Field(max_length=2000)
    reopened_on: date | None = None


@event
class OfficerAssigned(EventData):
    type = "OfficerAssigned"
    stream_type = "case"

    case_id: str
    officer: str = Field(max_length=200)


@event
class FacilitatorAssigned(EventData):
    """A remediation facilitator organisation leads the plan."""

    type = "FacilitatorAssigned"
    stream_type = "case"

    case_id: str
    organisation: str = Field(max_length=200)


@event
class PlanActionAdded(EventData):
    """An action of the remediation plan, owned by a kind of party.

    Version 2: `owner_org` names which one: the member company, the supplier (the case's
    site id) or the facilitator organisation; None for the initiative. Version 1 did not
    say: its action belongs to the party as the case stood when it was added.
    """

    type = "PlanActionAdded"
    stream_type = "case"
    schemaversion = 2

    case_id: str
    action_id: str
    remedy: str
    owner: str
    due_on: date
    description: str = Field(max_length=2000)
    owner_org: str | None = Field(default=None, max_length=200)


@upcaster("PlanActionAdded", 1)
def _owner_not_named(raw: dict[str, Any]) -> dict[str, Any]:
    return raw | {"owner_org": None}


@event
class PlanActionUpdated(EventData):
    type = "PlanActionUpdated"
    stream_type = "case"

    case_id: str
    action_id: str
    progress: str = Field(max_length=2000)
    evidence: str | None = Field(default=None, max_length=500)
    done: bool = False


@event
class MessageSentToWorker(EventData):
    """An officer's message to the worker, sealed under the grievance's data key."""

    type = "MessageSentToWorker"
    stream_type = "case"

    case_id: str
    grievance_id: str
    message: Sealed


@event
class InternalNoteAdded(EventData):
    """A note for staff only; never shown to the worker or a company."""

    type = "InternalNoteAdded"
    stream_type = "case"

    case_id: str
    note: Sealed


@event
class CaseClosed(EventData):
    type = "CaseClosed"
    stream_type = "case"

    case_id: str
    grievance_id: str
    outcome: str


@event
class SatisfactionRecorded(EventData):
    type = "SatisfactionRecorded"
    stream_type = "case"

    case_id: str
    score: int = Field(ge=1, le=5)
    source: str = "status_page"


@event
class LessonsLearned(EventData):
    type = "LessonsLearned"
    stream_type = "case"

    case_id: str
    grievance_id: str
    text: str = Field(max_length=5000)
    tags: Tags = ()


@event
class StageDeadlineMissed(EventData):
    type = "StageDeadlineMissed"
    stream_type = "case"

    case_id: str
    stage: str


@event
class GrievanceCorrected(EventData):
    """An officer corrected what the grievance was filed as (a miscategorised SMS, a country
    not given), with the reason. Only the corrected fields are set; `member_org` follows a
    corrected site (its sole member, or none)."""

    type = "GrievanceCorrected"
    stream_type = "case"

    case_id: str
    grievance_id: str
    category: str | None = None
    country: str | None = Field(default=None, min_length=2, max_length=2)
    site_id: str | None = None
    member_org: str | None = None
    language: str | None = None
    reason: str = Field(max_length=2000)


@event
class RetaliationAlertRaised(EventData):
    """A worker reported retaliation: this case was opened for it, at high severity, and the
    initiative's officers are alerted. `linked_case_id` is the case of the grievance it is
    about (or of the earlier report whose check-in heard it), when there is one."""

    type = "RetaliationAlertRaised"
    stream_type = "case"

    case_id: str
    report_id: str
    channel: str = Field(max_length=20)
    linked_case_id: str | None = None
    audit_id: str | None = None
