"""Events of the `partner` stream: a tenant's directory of referral partners, written by referral.

One stream per tenant (`derived_stream("partner", slug)`): the State agencies and NGOs its
officers refer workers to, their webhook endpoints, and how long a partner has to
acknowledge a referral. Webhook signing secrets never appear here: an endpoint's secret is
derived from the platform's root secret and the public `secret_id` its event records
(docs/decisions/0015-referral-streams.md), and shown to the admin once.
"""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import Annotated

from pydantic import Field, StringConstraints

from redress.events.catalogue import event
from redress.events.envelope import EventData

PartnerId = Annotated[str, StringConstraints(pattern=r"^[a-z0-9][a-z0-9._-]{0,99}$")]
Code = Annotated[str, StringConstraints(max_length=50)]
DEFAULT_ACKNOWLEDGE_HOURS = 72


class PartnerKind(StrEnum):
    national_referral_mechanism = "national_referral_mechanism"
    labour_inspectorate = "labour_inspectorate"
    law_enforcement = "law_enforcement"
    shelter = "shelter"
    legal_aid = "legal_aid"
    medical_or_psychological_care = "medical_or_psychological_care"
    repatriation = "repatriation"
    trade_union = "trade_union"
    ngo = "ngo"


class Service(StrEnum):
    """What a worker may need from a partner, and what a partner says it provided."""

    shelter = "shelter"
    legal_aid = "legal_aid"
    medical_care = "medical_care"
    psychological_care = "psychological_care"
    repatriation = "repatriation"
    protection = "protection"
    victim_identification = "victim_identification"
    labour_inspection = "labour_inspection"
    investigation = "investigation"
    wage_recovery = "wage_recovery"
    documents = "documents"
    interpretation = "interpretation"
    livelihood = "livelihood"
    other = "other"


@event
class PartnerRegistered(EventData):
    """A partner joined the directory, or what is said of it changed (all given again).

    `indicators` are risk-indicator codes (`catalogue.indicators`), `categories` grievance
    categories: what the partner handles. `contact` is the organisation's, not a person's.
    """

    type = "PartnerRegistered"
    stream_type = "partner"

    partner_id: PartnerId
    name: str = Field(max_length=200)
    kind: PartnerKind
    countries: tuple[Annotated[str, StringConstraints(min_length=2, max_length=2)], ...] = Field(
        max_length=250
    )
    indicators: tuple[Code, ...] = Field(default=(), max_length=50)
    categories: tuple[Code, ...] = Field(default=(), max_length=50)
    languages: tuple[Code, ...] = Field(default=(), max_length=50)
    services: tuple[Service, ...] = Field(default=(), max_length=20)
    contact: str = Field(default="", max_length=500)


@event
class PartnerRetired(EventData):
    """The partner leaves the directory: not suggested, not chosen, and its API refused."""

    type = "PartnerRetired"
    stream_type = "partner"

    partner_id: PartnerId


@event
class WebhookEndpointAdded(EventData):
    """A URL the partner receives webhooks at; its secret is derived from `secret_id`."""

    type = "WebhookEndpointAdded"
    stream_type = "partner"

    partner_id: PartnerId
    endpoint_id: str = Field(max_length=100)
    url: str = Field(max_length=2000)
    secret_id: str = Field(max_length=100)


@event
class WebhookSecretRotated(EventData):
    """A new secret signs from now on; the one before still signs until `previous_until`.

    During the overlap every request carries both signatures (`v1,<a> v1,<b>`), so that a
    receiver holding either secret verifies it while it changes over.
    """

    type = "WebhookSecretRotated"
    stream_type = "partner"

    partner_id: PartnerId
    endpoint_id: str = Field(max_length=100)
    secret_id: str = Field(max_length=100)
    previous_secret_id: str = Field(max_length=100)
    previous_until: datetime


@event
class WebhookEndpointRemoved(EventData):
    type = "WebhookEndpointRemoved"
    stream_type = "partner"

    partner_id: PartnerId
    endpoint_id: str = Field(max_length=100)


@event
class WebhookEndpointEnabled(EventData):
    """An admin sends to the endpoint again, after it was disabled for sustained failure
    (or a 410): its breaker is reset and what waited for it is due now. The disabling itself
    is not an event: it is the outbox's notice, written with the attempt that caused it
    (docs/decisions/0027-delivery-console.md)."""

    type = "WebhookEndpointEnabled"
    stream_type = "partner"

    partner_id: PartnerId
    endpoint_id: str = Field(max_length=100)


class _DeadLetter(EventData):
    """A webhook that gave up after its retries, as the admin saw it: which endpoint, which
    `webhook_id`, what it told (`event_type`) and about which referral (`subject`)."""

    partner_id: PartnerId
    endpoint_id: str = Field(max_length=100)
    delivery_id: int = Field(ge=1)
    webhook_id: str = Field(max_length=110)
    event_type: str = Field(max_length=200)
    subject: str = Field(max_length=200)


@event
class DeadLetterRedelivered(_DeadLetter):
    """An admin had a dead letter tried again (same webhook-id, a fresh retry schedule)."""

    type = "DeadLetterRedelivered"
    stream_type = "partner"


@event
class DeadLetterSkipped(_DeadLetter):
    """An admin gave up on a dead letter for good: the partner will never receive it, and
    the later webhooks of its referral, held back behind it, go out."""

    type = "DeadLetterSkipped"
    stream_type = "partner"


@event
class ReferralTimeFrameSet(EventData):
    """How long a partner has to acknowledge a referral in this initiative (default 72 h)."""

    type = "ReferralTimeFrameSet"
    stream_type = "partner"

    acknowledge_hours: int = Field(default=DEFAULT_ACKNOWLEDGE_HOURS, ge=1, le=720)
