"""What referral's lists and directory reads answer, as its OpenAPI documents them.

The handlers build each answer as a dict; these models say what comes back
(`redress.kit.openapi.documented`), and tests/referral/test_documented_answers.py checks real
answers against them.
"""

from __future__ import annotations

from typing import Any

from pydantic import Field
from pydantic.json_schema import SkipJsonSchema

from redress.events.catalogue.partner import PartnerKind
from redress.kit.openapi import Answer, some
from redress.referral.state import Consent, Status

_NEXT = "the cursor of the next page; null on the last"


class PartnerPart(Answer):
    """One partner's part in a referral, at a glance."""

    partner_id: str
    partner_name: str
    status: Status = Field(description="where the referral to this partner stands")
    consent: Consent = Field(description="the worker's consent to this partner")
    overdue: bool = Field(description="sent, and not acknowledged in the initiative's time")
    acknowledge_by: str | None = Field(description="when it is to be acknowledged by (ISO 8601)")


class _Referral(Answer):
    """What a referral's queue row and its whole read share."""

    referral_id: str
    tenant: str
    case_id: str = Field(description="the case that recommended the referral")
    grievance_id: str
    category: str = Field(description="what the grievance is about")
    country: str | None = Field(description="ISO 3166 code of the site's country; null unknown")
    language: str = Field(description="the worker's language")
    reasons: list[str] = Field(description="the risk indicators that recommended it")
    worker_indication: bool = Field(description="the worker asked for support themselves")
    suggested: list[str] = Field(description="the services suggested for it")
    imminent_danger: bool | None = Field(description="the safety check's answer; null before it")
    must_not_learn: list[str] = Field(description="who must not learn of the referral")
    opened_at: str = Field(description="when it was opened (ISO 8601)")
    updated_at: str = Field(description="when it last changed (ISO 8601)")


class QueuedReferral(_Referral):
    partners: list[PartnerPart]


class Part(Answer):
    """One partner's part in a referral, whole: what it is asked, and where it stands."""

    partner_id: str
    partner_name: str
    partner_kind: PartnerKind
    fields: list[str] = Field(description="the worker's personal data the partner is to read")
    services: list[str] = Field(description="the services asked of it")
    status: Status = Field(description="where the referral to this partner stands")
    consent: Consent = Field(description="the worker's consent to this partner")
    consented: list[str] = Field(description="the fields the worker agreed it may read")
    consent_channel: str | None = Field(
        description="where the worker last answered (web, sms, phone, ...); null before"
    )
    basis: str | None = Field(description="what it was sent on: consent or an emergency")
    emergency: dict[str, Any] | None = Field(
        description="an emergency referral: proposed_by, grounds, and approved_by once a second"
        " officer approved it; null if none"
    )
    acknowledge_by: str | None = Field(description="when it is to be acknowledged by (ISO 8601)")
    overdue: bool = Field(description="sent, and not acknowledged in the initiative's time")
    provided: list[str] = Field(description="the services the partner says it provided")
    decline_reason: str | None = Field(description="why the partner declined, if it did")
    outcome: str | None = Field(description="how the partner closed its part, if it did")
    sent_at: str | None = Field(description="when it was sent (ISO 8601); null before")
    updated_at: str = Field(description="when the part last changed (ISO 8601)")


class Ranked(Answer):
    """A partner of the directory, suggested for the referral."""

    partner_id: str
    name: str
    kind: PartnerKind
    why: list[str] = Field(description="what it matches: country, indicators, category, ...")


class ReferralRead(_Referral):
    partners: list[Part] = Field(description="each partner chosen, by id")
    ranking: list[Ranked] = Field(description="the directory's partners, best suited first")


class Referrals(Answer):
    items: list[QueuedReferral]
    next: str | None = Field(description=_NEXT)


class Entry(Answer):
    type: str = Field(description="what happened: the event's type")
    actor: str = Field(description="who did it: a role, or the partner")
    actor_id: str | None = Field(description="the staff member or partner who did it")
    details: dict[str, Any] = Field(description="codes and ids of what happened, no personal data")
    time: str = Field(description="when (ISO 8601)")


class Timeline(Answer):
    items: list[Entry]


class Disclosure(Answer):
    partner_id: str = Field(description="the partner that read the worker's personal data")
    reader: str = Field(description="who of the partner read it")
    fields: list[str] = Field(description="the worker's fields it read")
    time: str = Field(description="when (ISO 8601)")


class Disclosures(Answer):
    items: list[Disclosure]


class SecretKept(Answer):
    until: str | None = Field(description="when this secret stops signing; null while current")


class Endpoint(Answer):
    endpoint_id: str
    url: str = Field(description="where the partner receives webhooks")
    secrets: list[SecretKept] = Field(description="its signing secrets, never their value")


class Partner(Answer):
    partner_id: str
    name: str
    kind: PartnerKind
    countries: list[str] = Field(description="the countries it serves (ISO 3166)")
    indicators: list[str] = Field(description="the risk indicators it handles")
    categories: list[str] = Field(description="the grievance categories it handles")
    languages: list[str] = Field(description="the languages it works in")
    services: list[str] = Field(description="the services it provides")
    contact: str = Field(description="how staff reach it")
    retired: bool = Field(description="no longer suggested nor chosen")
    endpoints: list[Endpoint] | SkipJsonSchema[None] = some("its webhook endpoints (admins only)")


class Partners(Answer):
    items: list[Partner] = Field(description="the initiative's partners, by name")


class Settings(Answer):
    acknowledge_hours: int = Field(description="how many hours a partner has to acknowledge")
