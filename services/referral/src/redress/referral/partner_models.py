"""What the partner API answers, as models: the NGO and State partners that read it find
every field, its codes and its meaning in the OpenAPI document, not only in prose.

Moments are strings in ISO 8601 with their offset, as the rest of the API writes them.
"""

from __future__ import annotations

from typing import Annotated, Any

from pydantic import BaseModel, Field

from redress.events.catalogue.partner import Service
from redress.events.catalogue.referral import Basis, Party, SharedField
from redress.referral.state import Status

Moment = Annotated[str, Field(json_schema_extra={"format": "date-time"})]


class Safety(BaseModel):
    imminent_danger: bool = Field(description="the officers found the worker in danger now")
    must_not_learn: list[Party] = Field(
        description="who must not learn of the referral: never contact the worker through them"
    )


class SentReferral(BaseModel):
    """A referral sent to your organisation, as listed."""

    referral_id: str
    status: Status = Field(description="where your organisation's part of it stands")
    services: list[Service] = Field(description="what the worker needs")
    acknowledge_by: Moment | None = Field(description="acknowledge it by then")
    overdue: bool = Field(description="the acknowledgement is late")
    sent_at: Moment
    country: str | None
    language: str = Field(description="the worker's language")


class SentReferrals(BaseModel):
    items: list[SentReferral]
    next: str | None = Field(description="the cursor of the next page; none after the last")


class PartnerReferral(BaseModel):
    """A referral as your organisation may read it: the minimum, with no personal data."""

    referral_id: str
    case_reference: str = Field(description="the reference to quote to the initiative")
    country: str | None
    indicators: list[str] = Field(description="the trafficking and forced-labour indicators")
    language: str = Field(description="the worker's language")
    services: list[Service] = Field(description="what the worker needs")
    safety: Safety
    shared: list[str] = Field(description="what every partner of the referral reads")
    personal_fields: list[SharedField] = Field(
        description="the personal fields you may fetch from `/personal` now"
    )
    personal_data_erased: bool = Field(
        description="the worker had their personal data erased: none can be fetched any more, "
        "and a copy you keep should be deleted as your agreement with the initiative says"
    )
    basis: Basis | None = Field(description="sent on the worker's consent or in an emergency")
    status: Status = Field(description="where your organisation's part of it stands")
    acknowledge_by: Moment | None
    overdue: bool


class PersonalData(BaseModel):
    """The personal fields the worker consented to share with you; each read is recorded."""

    referral_id: str
    fields: dict[SharedField, Any] = Field(
        description="each field you may read, by name: `narrative` the worker's account, "
        "`contact` how to reach them (their name, phone or email, language and good time)"
    )
