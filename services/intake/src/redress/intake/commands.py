"""What callers send: pydantic models at the edge, with size limits."""

from __future__ import annotations

from datetime import date
from typing import Annotated, Any, Literal

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field, field_validator

from redress.events.catalogue.grievance import Category, Consent
from redress.kit.i18n import LANGUAGES

Text = Field(max_length=200)


class ContactDetails(BaseModel):
    model_config = ConfigDict(extra="forbid")

    name: str | None = Field(None, max_length=200)
    phone_or_email: str | None = Field(None, max_length=200)
    language: str | None = Field(None, max_length=20)
    time: str | None = Field(None, max_length=100)


def answers_are_booleans(value: Any) -> Any:
    """Consent is given with `true`, as the schema says, never with 1 or "yes"."""
    if isinstance(value, dict) and not all(isinstance(v, bool) for v in value.values()):
        raise ValueError("each consent is true or false")
    return value


class GrievanceInput(BaseModel):
    """A grievance as any channel files it."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    country: str = Field(pattern=r"^[A-Z]{2}$", description="ISO 3166-1 alpha-2")
    site_id: str | None = Field(None, max_length=100)
    site_text: str | None = Field(None, max_length=200)
    category: Category
    narrative: str = Field(min_length=1, max_length=5000)
    since: date | None = None
    language: str = Field(
        "en", description="the worker's language", json_schema_extra={"enum": list(LANGUAGES)}
    )
    contact: ContactDetails | None = None
    consent: Annotated[Consent, BeforeValidator(answers_are_booleans)] = Consent()

    @field_validator("language")
    @classmethod
    def _known_language(cls, value: str) -> str:
        if value not in LANGUAGES:
            raise ValueError(f"language must be one of {', '.join(LANGUAGES)}")
        return value

    @field_validator("since")
    @classmethod
    def _not_in_future(cls, value: date | None) -> date | None:
        if value is not None and value > date.today():
            raise ValueError("since cannot be in the future")
        return value


class MemberGrievance(GrievanceInput):
    member_reference: str | None = Field(None, max_length=200)


class OperatorGrievance(GrievanceInput):
    channel: Literal["hotline", "sms"] = "hotline"


class Filed(BaseModel):
    """The answer to a filing: the receipt, and where to read it back."""

    grievance_id: str
    reference: str
    secret: str | None = Field(None, description="shown once; absent for member filings")
    proof: str
    stream: str
    version: int
