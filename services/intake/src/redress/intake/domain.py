"""The grievance, pure: decide(command, state) -> events, evolve(state, event) -> state.

Personal data reaches the domain already sealed; the domain only guards what may happen
to a grievance and in what order.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from datetime import date
from enum import StrEnum
from functools import reduce

from redress.events.application import Aggregate, Refused
from redress.events.catalogue.grievance import (
    AttachmentAdded,
    Category,
    Channel,
    Consent,
    ErasureReason,
    GrievanceSubmitted,
    GrievanceUpdated,
    PersonalDataErased,
    Sealed,
    WithdrawalRequested,
    WorkerMessagePosted,
)
from redress.events.catalogue.grievance_answers import (
    ConsentAnswer,
    ContactConsentChanged,
    PlanAnswer,
    PlanAnswered,
    ReferralConsentAnswered,
    RemedyConfirmed,
    ReviewRequested,
    WorkerSatisfactionGiven,
)
from redress.events.envelope import EventData

MAX_ATTACHMENTS = 5


class Status(StrEnum):
    none = "none"
    open = "open"
    withdrawn = "withdrawn"
    erased = "erased"


@dataclass(frozen=True)
class Grievance:
    status: Status = Status.none
    key_id: str | None = None
    attachments: int = 0
    contact_me: bool = False
    language: str | None = None  # as filed: what the worker is answered in
    # How many times the worker answered each consent request (referral, partner): a request
    # chosen again is asked anew, so the count, never the last answer, is what an answer was
    # checked against (`AnswerReferralConsent.seen`).
    consent_answers: Mapping[tuple[str, str], int] = field(default_factory=dict)


class GrievanceRefused(Refused):
    """A command the grievance's state does not allow; `kind` is stable for API errors."""


# Commands.


@dataclass(frozen=True)
class SubmitGrievance:
    grievance_id: str
    channel: Channel
    language: str
    country: str | None
    category: Category
    personal: Sealed
    receipt_reference: str
    receipt_hash: str
    filed_digest: str
    site_id: str | None = None
    since: date | None = None
    consent: Consent = field(default_factory=Consent)
    member_org: str | None = None
    audit_id: str | None = None


@dataclass(frozen=True)
class AddInformation:
    grievance_id: str
    addition: Sealed


@dataclass(frozen=True)
class AttachFile:
    grievance_id: str
    attachment_id: str
    content_type: str
    size: int


@dataclass(frozen=True)
class PostWorkerMessage:
    grievance_id: str
    message: Sealed
    channel: Channel = Channel.web


@dataclass(frozen=True)
class GiveSatisfaction:
    grievance_id: str
    score: int


@dataclass(frozen=True)
class RequestWithdrawal:
    grievance_id: str


@dataclass(frozen=True)
class RequestReview:
    """The worker asks that another officer review the decision their case ended on."""

    grievance_id: str


@dataclass(frozen=True)
class AnswerPlan:
    """The worker agrees to the plan, objects (with a comment, sealed), or asks for a call."""

    grievance_id: str
    answer: PlanAnswer
    comment: Sealed | None = None


@dataclass(frozen=True)
class ConfirmRemedy:
    grievance_id: str
    action_id: str
    delivered: bool


@dataclass(frozen=True)
class ErasePersonalData:
    grievance_id: str
    reason: ErasureReason = ErasureReason.worker_request


@dataclass(frozen=True)
class ChangeContactConsent:
    """The worker allows, or stops, contact by the grievance officer."""

    grievance_id: str
    contact_me: bool


@dataclass(frozen=True)
class AnswerReferralConsent:
    """The worker's answer, with their receipt, to a referral's consent request."""

    grievance_id: str
    referral_id: str
    partner_id: str
    answer: ConsentAnswer
    fields: tuple[str, ...] = ()
    channel: Channel = Channel.web  # `hotline`: told to an operator who read the receipt back
    # The worker's answers to this request that intake's record of it (`referral_requests`)
    # held when the answer was checked against it: another answer since (the worker on their
    # page while an operator records one on the phone) is not yet in that record, and this
    # one was checked against a request already answered.
    seen: int = 0


Command = (
    SubmitGrievance
    | AddInformation
    | AttachFile
    | PostWorkerMessage
    | RequestWithdrawal
    | ErasePersonalData
    | GiveSatisfaction
    | AnswerReferralConsent
    | ChangeContactConsent
    | RequestReview
    | AnswerPlan
    | ConfirmRemedy
)


def decide(command: Command, state: Grievance) -> list[EventData]:
    match command:
        case SubmitGrievance():
            if state.status is not Status.none:
                raise GrievanceRefused("already-filed", "this grievance was already filed")
            return [GrievanceSubmitted(**command.__dict__)]
        case _ if state.status is Status.none:
            raise GrievanceRefused("unknown-grievance", "there is no such grievance")
        case ErasePersonalData():
            if state.status is Status.erased:
                raise GrievanceRefused("erased", "the personal data was already erased")
            assert state.key_id is not None
            return [PersonalDataErased(**command.__dict__, key_id=state.key_id)]
        case _ if state.status is Status.erased:
            raise GrievanceRefused("erased", "the personal data of this grievance was erased")
        case RequestWithdrawal():
            if state.status is Status.withdrawn:
                raise GrievanceRefused("withdrawn", "the grievance was already withdrawn")
            return [WithdrawalRequested(grievance_id=command.grievance_id)]
        case PostWorkerMessage():
            return [WorkerMessagePosted(**command.__dict__)]
        case GiveSatisfaction():
            if not 1 <= command.score <= 5:
                raise GrievanceRefused("bad-score", "satisfaction is a score from 1 to 5")
            return [WorkerSatisfactionGiven(**command.__dict__)]
        case AnswerReferralConsent(seen=seen):  # a withdrawn grievance may still need support
            request = (command.referral_id, command.partner_id)
            if state.consent_answers.get(request, 0) != seen:
                raise GrievanceRefused(
                    "consent-answered",
                    "the worker's answer to this request was recorded a moment ago; "
                    "read the request again to see what they may answer now",
                )
            answer = {k: v for k, v in command.__dict__.items() if k != "seen"}
            return [ReferralConsentAnswered(**answer)]
        case ChangeContactConsent():
            # A withdrawn report may still be contacted about (or stopped): the worker's say.
            if command.contact_me is state.contact_me:
                return []  # nothing changes: a resent form records nothing
            return [ContactConsentChanged(**command.__dict__)]
        case _ if state.status is Status.withdrawn:
            raise GrievanceRefused("withdrawn", "the grievance was withdrawn")
        case RequestReview():
            # Whether there is a decision to review is the case's to say: cases records the
            # request on the case only then, and once per decision (`cases.appeals`).
            return [ReviewRequested(grievance_id=command.grievance_id)]
        case AnswerPlan(answer=answer, comment=comment):
            # Which plan and which actions there are is the case's: the status page offers
            # only what it shows. An objection says why, in the worker's own words.
            if answer is PlanAnswer.object and comment is None:
                raise GrievanceRefused("comment-needed", "an objection says why")
            answered = PlanAnswered(grievance_id=command.grievance_id, answer=answer)
            said = [] if comment is None else [PostWorkerMessage(command.grievance_id, comment)]
            return [answered, *(WorkerMessagePosted(**m.__dict__) for m in said)]
        case ConfirmRemedy():
            return [RemedyConfirmed(**command.__dict__)]
        case AddInformation():
            return [GrievanceUpdated(**command.__dict__)]
        case AttachFile():
            if state.attachments >= MAX_ATTACHMENTS:
                raise GrievanceRefused(
                    "too-many-attachments", f"a grievance takes at most {MAX_ATTACHMENTS} files"
                )
            return [AttachmentAdded(**command.__dict__)]
    raise AssertionError(f"unhandled command {command!r}")


def evolve(state: Grievance, event: EventData) -> Grievance:
    match event:
        case GrievanceSubmitted():
            return Grievance(
                Status.open,
                key_id=event.personal.key_id,
                contact_me=event.consent.contact_me,
                language=event.language,
            )
        case ContactConsentChanged(contact_me=contact_me):
            return replace(state, contact_me=contact_me)
        case AttachmentAdded():
            return replace(state, attachments=state.attachments + 1)
        case WithdrawalRequested():
            return replace(state, status=Status.withdrawn)
        case PersonalDataErased():
            return replace(state, status=Status.erased)
        case ReferralConsentAnswered(referral_id=referral, partner_id=partner):
            answers = dict(state.consent_answers)
            answers[referral, partner] = answers.get((referral, partner), 0) + 1
            return replace(state, consent_answers=answers)
    return state


def fold(events: list[EventData]) -> Grievance:
    return reduce(evolve, events, Grievance())


GRIEVANCE = Aggregate[Grievance, Command](lambda _: Grievance(), evolve, decide)
