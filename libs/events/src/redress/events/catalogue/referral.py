"""Events of the `referral` stream: one referral per case, written by referral.

A `ReferralRecommended` of cases opens the case's referral (`derived_stream("referral",
case_id)`), with the partners the directory suggests. An officer checks the worker's safety
and selects partners, each with the personal fields to share; the worker consents to each
partner and each field (or two different officers approve an emergency referral); the
partner is then sent the referral and answers it. Each event of a partner's part names
`partner_id`. No event holds personal data in plain text: the emergency's explanation is
sealed under the grievance's data key, and partners fetch the fields the worker consented to
over their API, each read recorded on the `disclosure` stream.
"""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from pydantic import Field

from redress.events.catalogue import event
from redress.events.catalogue.grievance import Sealed
from redress.events.catalogue.partner import PartnerId, PartnerKind, Service
from redress.events.envelope import EventData

Tags = tuple[str, ...]

MINIMUM = ("case_reference", "country", "indicators", "language", "services", "safety")
"""What every partner a referral is sent to reads: no personal data, nothing to consent to
field by field (the consent to the referral itself covers it)."""


class SharedField(StrEnum):
    """Personal data shared only when the officer names it and the worker consents to it."""

    narrative = "narrative"
    contact = "contact"


class Party(StrEnum):
    """Who must not learn of the referral: a partner must not contact the worker through them."""

    employer = "employer"
    supplier = "supplier"
    recruiter = "recruiter"
    member_company = "member_company"
    co_workers = "co_workers"
    family = "family"
    community = "community"
    local_authorities = "local_authorities"


class ConsentChannel(StrEnum):
    status_page = "status_page"  # the worker, with their receipt
    phone = "phone"
    in_person = "in_person"
    sms = "sms"
    video = "video"


class ConsentGiver(StrEnum):
    worker = "worker"
    guardian = "guardian"  # of a child
    representative = "representative"  # a trade union, a lawyer the worker named


class EmergencyGrounds(StrEnum):
    threat_to_life = "threat_to_life"
    serious_violence = "serious_violence"
    child_in_danger = "child_in_danger"
    medical_emergency = "medical_emergency"
    imminent_removal = "imminent_removal"  # the worker is about to be moved or hidden


class Basis(StrEnum):
    consent = "consent"
    emergency = "emergency"


class DeclineReason(StrEnum):
    outside_mandate = "outside_mandate"
    no_capacity = "no_capacity"
    not_in_area = "not_in_area"
    worker_unreachable = "worker_unreachable"
    duplicate = "duplicate"
    other = "other"


class ReferralOutcome(StrEnum):
    services_completed = "services_completed"
    worker_declined_services = "worker_declined_services"
    worker_unreachable = "worker_unreachable"
    transferred = "transferred"
    other = "other"


@event
class ReferralOpened(EventData):
    """A case needs a referral; `suggested` are partner ids, best first, as ranked then.

    `worker_indication` is what the worker ticked at filing ("share with support
    services"): a first indication only, never consent to a partner.
    """

    type = "ReferralOpened"
    stream_type = "referral"

    case_id: str = Field(max_length=100)
    grievance_id: str = Field(max_length=100)
    category: str = Field(max_length=50)
    country: str | None = Field(min_length=2, max_length=2)
    language: str = Field(max_length=20)
    reasons: Tags = Field(max_length=40)
    worker_indication: bool = False
    suggested: tuple[PartnerId, ...] = Field(default=(), max_length=200)


@event
class SafetyChecked(EventData):
    """Whether the worker is in imminent danger, and who must not learn of the referral."""

    type = "SafetyChecked"
    stream_type = "referral"

    imminent_danger: bool
    must_not_learn: tuple[Party, ...] = Field(default=(), max_length=10)


@event
class PartnerSelected(EventData):
    """The officer chose a partner and what to share; the worker is asked to consent.

    `fields` are the personal fields named beyond the minimum; `services` what the worker
    needs from the partner (the "why" of the consent request).
    """

    type = "PartnerSelected"
    stream_type = "referral"

    partner_id: PartnerId
    partner_name: str = Field(max_length=200)
    partner_kind: PartnerKind
    fields: tuple[SharedField, ...] = Field(default=(), max_length=2)
    services: tuple[Service, ...] = Field(min_length=1, max_length=20)


class _ConsentAnswer(EventData):
    partner_id: PartnerId
    given_by: ConsentGiver
    channel: ConsentChannel
    given_at: datetime


@event
class ConsentGiven(_ConsentAnswer):
    """The worker agreed to this partner, and to the personal `fields` named (a subset of
    those asked for). Recorded by an officer or operator, the envelope's actor is who wrote
    it down; on the status page, the system on the worker's behalf."""

    type = "ConsentGiven"
    stream_type = "referral"

    fields: tuple[SharedField, ...] = Field(default=(), max_length=2)


@event
class ConsentDeclined(_ConsentAnswer):
    type = "ConsentDeclined"
    stream_type = "referral"


@event
class ConsentRevoked(_ConsentAnswer):
    """The worker withdrew their consent: the partner is told, and reads no more."""

    type = "ConsentRevoked"
    stream_type = "referral"


@event
class EmergencyReferralProposed(EventData):
    """An officer asks to send without consent, for imminent risk to life; a second, other
    officer must approve. `explanation` is sealed under the grievance's data key."""

    type = "EmergencyReferralProposed"
    stream_type = "referral"

    partner_id: PartnerId
    officer: str = Field(max_length=200)
    grounds: EmergencyGrounds
    explanation: Sealed | None = None


@event
class EmergencyReferralApproved(EventData):
    type = "EmergencyReferralApproved"
    stream_type = "referral"

    partner_id: PartnerId
    officer: str = Field(max_length=200)
    proposed_by: str = Field(max_length=200)
    grounds: EmergencyGrounds


@event
class ReferralSent(EventData):
    """The partner may now read the referral: the minimum, and the personal `fields` the
    `basis` allows. It should acknowledge by `acknowledge_by`."""

    type = "ReferralSent"
    stream_type = "referral"

    partner_id: PartnerId
    fields: tuple[SharedField, ...] = Field(default=(), max_length=2)
    services: tuple[Service, ...] = Field(max_length=20)
    basis: Basis
    acknowledge_by: datetime


@event
class ReferralWithdrawn(EventData):
    """The officer took the referral back from this partner (told, if it was sent)."""

    type = "ReferralWithdrawn"
    stream_type = "referral"

    partner_id: PartnerId


@event
class ReferralAcknowledged(EventData):
    type = "ReferralAcknowledged"
    stream_type = "referral"

    partner_id: PartnerId


@event
class ReferralAccepted(EventData):
    type = "ReferralAccepted"
    stream_type = "referral"

    partner_id: PartnerId


@event
class ReferralDeclined(EventData):
    type = "ReferralDeclined"
    stream_type = "referral"

    partner_id: PartnerId
    reason: DeclineReason


@event
class ServicesProvided(EventData):
    type = "ServicesProvided"
    stream_type = "referral"

    partner_id: PartnerId
    services: tuple[Service, ...] = Field(min_length=1, max_length=20)


@event
class ReferralClosed(EventData):
    type = "ReferralClosed"
    stream_type = "referral"

    partner_id: PartnerId
    outcome: ReferralOutcome


@event
class ReferralOverdue(EventData):
    """The partner did not acknowledge the referral by `acknowledge_by`."""

    type = "ReferralOverdue"
    stream_type = "referral"

    partner_id: PartnerId
    acknowledge_by: datetime
