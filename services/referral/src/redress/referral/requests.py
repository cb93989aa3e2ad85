"""What callers send to referral: pydantic models at the edge."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import UTC, datetime, timedelta
from typing import Annotated, Any, Literal

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, JsonValue, StrictBool

from redress.events.catalogue.grievance import Category as GrievanceCategory
from redress.events.catalogue.indicators import BY_CODE
from redress.events.catalogue.partner import PartnerKind, Service
from redress.events.catalogue.referral import (
    ConsentGiver,
    DeclineReason,
    EmergencyGrounds,
    Party,
    ReferralOutcome,
    SharedField,
)
from redress.kit.countries import Country
from redress.kit.i18n import LANGUAGES
from redress.kit.numbers import JSON_INTEGER
from redress.kit.text import FilledLine, FilledProse, Line

PARTNER_ID = r"^[a-z0-9][a-z0-9._-]{0,99}$"
ENDPOINT_ID = r"^ep_[A-Za-z0-9_-]{1,40}$"


def _aware(moment: datetime) -> datetime:
    if moment.tzinfo is None:
        raise ValueError("give the time with its offset from UTC (e.g. 2026-03-02T09:00:00Z)")
    return moment.astimezone(UTC)


Moment = Annotated[datetime, AfterValidator(_aware)]

# A worker's word recorded by an officer happened already; minutes of clock skew allowed.
SKEW = timedelta(minutes=5)


def _past(moment: datetime) -> datetime:
    if moment > datetime.now(UTC) + SKEW:
        raise ValueError("the worker's answer cannot be dated in the future")
    return moment


Said = Annotated[Moment, AfterValidator(_past)]


class Body(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)


def _unique(description: str) -> dict[str, JsonValue]:
    return {"uniqueItems": True, "description": description}


# The officer's.


class SafetyBody(Body):
    imminent_danger: StrictBool = Field(description="is the worker's life or safety at risk now?")
    must_not_learn: list[Party] = Field(
        default_factory=list, max_length=10, json_schema_extra=_unique("who must not learn of it")
    )


class SelectBody(Body):
    partner_id: str = Field(pattern=PARTNER_ID, max_length=100)
    fields: list[SharedField] = Field(
        default_factory=list, max_length=2,
        json_schema_extra=_unique("personal fields to share beyond the minimum (none: minimum)"),
    )  # fmt: skip
    services: list[Service] = Field(
        min_length=1, max_length=14, json_schema_extra=_unique("what the worker needs")
    )


class ConsentBody(Body):
    """Consent given or refused by the worker outside the status page, as it was recorded."""

    answer: Literal["given", "declined", "revoked"]
    fields: list[SharedField] = Field(
        default_factory=list, max_length=2,
        json_schema_extra=_unique("the personal fields the worker agreed to share"),
    )  # fmt: skip
    given_by: ConsentGiver = ConsentGiver.worker
    channel: Literal["phone", "in_person", "sms", "video"]
    given_at: Said = Field(description="when the worker said so; not in the future")


class EmergencyBody(Body):
    grounds: EmergencyGrounds
    explanation: FilledProse | None = Field(
        None, max_length=2000, description="sealed under the worker's data key"
    )


# The partner's.


class DeclineBody(Body):
    reason: DeclineReason


class ServicesBody(Body):
    services: list[Service] = Field(min_length=1, max_length=14, json_schema_extra=_unique(""))


class CloseBody(Body):
    outcome: ReferralOutcome


# The admin's.


def _codes(codes: Iterable[str]) -> Any:
    """A code of a fixed vocabulary, the vocabulary published in the schema."""
    return Annotated[
        str, Field(max_length=50, json_schema_extra={"enum": list[JsonValue](sorted(codes))})
    ]


Indicator = _codes(BY_CODE)
Category = _codes(c.value for c in GrievanceCategory)
Language = _codes(LANGUAGES)


class PartnerBody(Body):
    name: FilledLine = Field(min_length=1, max_length=200)
    kind: PartnerKind
    countries: list[Country] = Field(min_length=1, max_length=250)
    indicators: list[Indicator] = Field(default_factory=list, max_length=50)  # type: ignore[valid-type]
    categories: list[Category] = Field(default_factory=list, max_length=50)  # type: ignore[valid-type]
    languages: list[Language] = Field(default_factory=list, max_length=50)  # type: ignore[valid-type]
    services: list[Service] = Field(default_factory=list, max_length=14)
    contact: Line = Field("", max_length=500, description="the organisation's, not a person's")


# http(s), a host name or IPv4 address, a port, no fragment. A user and password pass the
# pattern so that the registration refuses them by name (422 `bad-url`, "must not carry
# credentials"), with https outside dev mode and the addresses a webhook may not reach.
_PORT = (r"(6553[0-5]|655[0-2][0-9]|65[0-4][0-9]{2}|6[0-4][0-9]{3}|[1-5][0-9]{4}"
         r"|[1-9][0-9]{0,3})")  # fmt: skip
URL = rf"^https?://([^@/?#\s]+@)?[A-Za-z0-9.-]+(:{_PORT})?([/?][^#\s]*)?$"


class EndpointBody(Body):
    url: str = Field(min_length=1, max_length=2000, pattern=URL)


class RotationBody(Body):
    overlap_hours: Annotated[int, Field(ge=0, le=168), JSON_INTEGER] = Field(
        24, description="how long the previous secret still signs"
    )


class SettingsBody(Body):
    acknowledge_hours: Annotated[int, Field(ge=1, le=720), JSON_INTEGER]


# Answers.


class Written(BaseModel):
    """Where the change is: read it back with `min_version` to see your own write."""

    referral_id: str
    version: int


class Directoried(BaseModel):
    stream: str
    version: int


class Secret(BaseModel):
    """A webhook endpoint's signing secret: shown this once, kept by the partner's receiver."""

    endpoint_id: str
    secret: str
    previous_until: datetime | None = None
    stream: str
    version: int
