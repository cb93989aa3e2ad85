"""What auditors and callback operators send, and what they get back."""

from __future__ import annotations

import re
from datetime import date
from typing import Annotated

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field, StrictBool, field_validator

from redress.events.catalogue.grievance import Category, Consent
from redress.intake.callbacks_domain import MAX_WORKERS
from redress.intake.commands import ContactDetails, Filed, answers_are_booleans
from redress.kit.i18n import LANGUAGES

_SEPARATORS = re.compile(r"[\s().\-/]")
_PHONE = re.compile(r"^\+?[0-9]{6,15}$")
_LANGUAGE_TAG = re.compile(r"^[a-z]{2,3}(-[A-Za-z0-9]{2,8})*$")
_CONTROL = re.compile(r"[\x00-\x1f\x7f]")
SITE_ID = r"^[a-z0-9][a-z0-9-]{0,99}$"


def plain_text(value: str | None) -> str | None:
    """Text kept in the clear in events: printable, and encodable as UTF-8."""
    if value is None:
        return None
    if _CONTROL.search(value):
        raise ValueError("control characters are not allowed")
    try:
        value.encode()
    except UnicodeEncodeError:
        raise ValueError("not valid Unicode text") from None
    return value


class WorkerToCall(BaseModel):
    """An interviewed worker: how to reach them, in which language, and when."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    phone: str = Field(
        min_length=6, max_length=40, pattern=r"^\+?[0-9 ().\-/]+$", description="E.164 preferred"
    )
    language: str = Field(
        max_length=20, pattern=_LANGUAGE_TAG.pattern, description="BCP 47 tag of the language"
    )
    good_time: str | None = Field(None, max_length=100, description="when calling is safe")

    @field_validator("phone")
    @classmethod
    def _phone_number(cls, value: str) -> str:
        # Kept only as the operator will dial it: digits, with a leading + if given.
        number = _SEPARATORS.sub("", value)
        if not _PHONE.match(number):
            raise ValueError("a phone number has 6 to 15 digits, optionally after a +")
        return number

    @field_validator("language")
    @classmethod
    def _language_tag(cls, value: str) -> str:
        if not _LANGUAGE_TAG.match(value):
            raise ValueError("language must be a language tag such as 'bn' or 'km'")
        return value

    @field_validator("good_time")
    @classmethod
    def _printable(cls, value: str | None) -> str | None:
        return plain_text(value)


class AuditInput(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    site_id: str = Field(pattern=SITE_ID)
    audit_date: date
    workers: list[WorkerToCall] = Field(min_length=1, max_length=MAX_WORKERS)


class AuditRegisteredAnswer(BaseModel):
    audit_id: str
    stream: str
    version: int
    callbacks: int
    due_on: date


class CallbackGrievance(BaseModel):
    """A grievance a worker raises on a callback; the site and country are the audit's."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    category: Category
    narrative: str = Field(min_length=1, max_length=5000, description="as the operator took it")
    since: date | None = None
    language: str | None = Field(
        None,
        description="default: the callback's language",
        json_schema_extra={"enum": [*LANGUAGES, None]},
    )
    contact: ContactDetails | None = None
    consent: Annotated[Consent, BeforeValidator(answers_are_booleans)] = Consent()

    @field_validator("language")
    @classmethod
    def _known_language(cls, value: str | None) -> str | None:
        if value is not None and value not in LANGUAGES:
            raise ValueError(f"language must be one of {', '.join(LANGUAGES)}")
        return value


class OutcomeInput(BaseModel):
    # The domain's rule, said in the schema too: a worker not reached reports nothing.
    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "if": {"properties": {"reached": {"const": False}}},
            "then": {
                "properties": {
                    "retaliation_reported": {"const": False},
                    "grievance": {"type": "null"},
                }
            },
        },
    )

    reached: StrictBool  # true or false: 0 and "no" are not answers
    retaliation_reported: StrictBool = False
    grievance: CallbackGrievance | None = None


class OutcomeAnswer(BaseModel):
    callback_id: str
    audit_id: str
    stream: str
    version: int
    grievance: Filed | None = Field(
        None, description="the receipt to read out to the worker: reference and secret, once"
    )


class DueCallback(BaseModel):
    callback_id: str
    audit_id: str
    site_id: str
    site_name: str | None
    country: str
    due_on: date
    language: str
    good_time: str | None
    phone: str | None = Field(description="null when the audit's personal data was erased")


class DueCallbacks(BaseModel):
    callbacks: list[DueCallback]
    next: str | None = Field(None, description="cursor of the next page")


class Figures(BaseModel):
    audits: int
    scheduled: int
    due: int = Field(description="fallen due by today, completed or not")
    outstanding: int = Field(description="due and not yet completed")
    completed: int = Field(description="callbacks made")
    reached: int
    retaliation_reports: int
    grievances_raised: int


class SiteFigures(Figures):
    site_id: str
    name: str | None
    country: str


class CountryFigures(Figures):
    country: str


class CampaignFigures(BaseModel):
    today: date
    sites: list[SiteFigures]
    countries: list[CountryFigures]
    total: Figures
