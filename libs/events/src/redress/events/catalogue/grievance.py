"""Events of the `grievance` stream, written by intake.

Personal data (narrative, contact details, names) never appears here in plain text:
it travels as `Sealed`, ciphertext under the grievance's own data key.
"""

from __future__ import annotations

from datetime import date
from enum import StrEnum
from typing import Any

from pydantic import Field

from redress.events.catalogue import event, upcaster
from redress.events.envelope import EventData


class Category(StrEnum):
    wages_and_benefits = "wages_and_benefits"
    working_hours = "working_hours"
    health_and_safety = "health_and_safety"
    harassment_and_abuse = "harassment_and_abuse"
    gender_based_violence = "gender_based_violence"
    discrimination = "discrimination"
    freedom_of_association = "freedom_of_association"
    recruitment_and_fees = "recruitment_and_fees"
    identity_documents = "identity_documents"
    freedom_of_movement = "freedom_of_movement"
    child_labour = "child_labour"
    forced_labour = "forced_labour"
    contracts = "contracts"
    living_conditions = "living_conditions"
    retaliation = "retaliation"
    environment_and_community = "environment_and_community"
    other = "other"


class Channel(StrEnum):
    web = "web"
    member_api = "member_api"
    hotline = "hotline"
    sms = "sms"
    callback = "callback"


class Consent(EventData):
    """The worker's choices; everything is refused unless the worker says otherwise."""

    reveal_identity_to_company: bool = False
    contact_me: bool = False
    share_with_support_services: bool = False


class Sealed(EventData):
    """Ciphertext of personal data under the grievance's data key (AES-256-GCM)."""

    key_id: str = Field(max_length=100)
    ciphertext: str = Field(max_length=2_000_000)


@event
class GrievanceSubmitted(EventData):
    """A grievance was filed; what identifies the worker is inside `personal`.

    `personal` holds, as JSON, everything a person typed: the narrative, the contact
    details, the workplace as the worker named it (`site_text`) and a member company's own
    reference (`member_reference`). `country` is an ISO 3166-1 alpha-2 code, or None when
    it is not known (a text message says nothing of where it was sent from).

    Version 2 moved `site_text` and `member_reference` into `personal`, and made an unknown
    country None where version 1 wrote "ZZ".
    """

    type = "GrievanceSubmitted"
    stream_type = "grievance"
    schemaversion = 2

    grievance_id: str
    channel: Channel
    language: str = Field(max_length=20)
    country: str | None = Field(min_length=2, max_length=2)
    site_id: str | None = Field(default=None, max_length=100)
    category: Category
    since: date | None = None
    consent: Consent = Consent()
    personal: Sealed
    member_org: str | None = Field(default=None, max_length=200)
    receipt_reference: str = Field(max_length=40)
    receipt_hash: str = Field(max_length=200)
    filed_digest: str = Field(max_length=64)
    # Written by SMS filings before ADR 40 (a keyed hash of the worker's number, under a key
    # that never rotates); none is written now: the number is found through lookup keys.
    thread_key: str | None = Field(default=None, max_length=64)
    audit_id: str | None = Field(default=None, max_length=100)


@upcaster("GrievanceSubmitted", 1)
def _typed_text_sealed(raw: dict[str, Any]) -> dict[str, Any]:
    # Version 1 carried the typed workplace and the member's reference in plain text. They
    # cannot be sealed after the fact: readers of version 2 never see them.
    upcast = {k: v for k, v in raw.items() if k not in ("site_text", "member_reference")}
    return upcast | {"country": unknown_country(raw["country"])}


def unknown_country(code: str | None) -> str | None:
    """Codes written for "not known" before it was said explicitly."""
    return None if code in ("ZZ", "XX") else code


@event
class GrievanceUpdated(EventData):
    """The worker added information."""

    type = "GrievanceUpdated"
    stream_type = "grievance"

    grievance_id: str
    addition: Sealed


@event
class AttachmentAdded(EventData):
    """A file was attached; its content, sealed, is kept by intake beside the log."""

    type = "AttachmentAdded"
    stream_type = "grievance"

    grievance_id: str
    attachment_id: str
    content_type: str = Field(max_length=100)
    size: int = Field(ge=1)


@event
class WorkerMessagePosted(EventData):
    type = "WorkerMessagePosted"
    stream_type = "grievance"

    grievance_id: str
    message: Sealed
    channel: Channel = Channel.web


@event
class WithdrawalRequested(EventData):
    type = "WithdrawalRequested"
    stream_type = "grievance"

    grievance_id: str


class ErasureReason(StrEnum):
    worker_request = "worker_request"  # the worker asked, with their receipt
    retention = "retention"  # the tenant's retention period after closure ran out


@event
class PersonalDataErased(EventData):
    """The grievance's data key was deleted: its personal data can no longer be read."""

    type = "PersonalDataErased"
    stream_type = "grievance"
    schemaversion = 2

    grievance_id: str
    key_id: str
    reason: ErasureReason


@upcaster("PersonalDataErased", 1)
def _erased_v1(raw: dict[str, Any]) -> dict[str, Any]:
    # Before retention, only workers erased their data.
    return {**raw, "reason": ErasureReason.worker_request.value}
