"""What auditors and callback operators send, and what they get back."""

from __future__ import annotations

import re
from datetime import date
from typing import Annotated

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field, StrictBool, field_validator

from redress.events.catalogue.grievance import Category, Consent
from redress.intake.callbacks_domain import MAX_WORKERS
from redress.intake.commands import ContactDetails, Filed, Language, Narrative, answers_are_booleans
from redress.kit.dates import PastDate, PlausibleDate
from redress.kit.text import Line

_SEPARATORS = re.compile(r"[\s().\-/]")
_PHONE = re.compile(r"^\+?[0-9]{6,15}$")
_LANGUAGE_TAG = re.compile(r"^[a-z]{2,3}(-[A-Za-z0-9]{2,8})*$")
SITE_ID = r"^[a-z0-9][a-z0-9-]{0,99}$"


class WorkerToCall(BaseModel):
    """An interviewed worker: how to reach them, in which language, and when."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    phone: str = Field(
        min_length=6, max_length=40, pattern=r"^\+?[0-9 ().\-/]+$", description="E.164 preferred"
    )
    language: str = Field(
        max_length=20, pattern=_LANGUAGE_TAG.pattern, description="BCP 47 tag of the language"
    )
    good_time: Line | None = Field(None, max_length=100, description="when calling is safe")

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


class AuditInput(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    site_id: str = Field(pattern=SITE_ID)
    audit_date: PlausibleDate
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
    narrative: Narrative = Field(description="as the operator took it")
    since: PastDate | None = None
    language: Language | None = Field(None, description="default: the callback's language")
    contact: ContactDetails | None = None
    consent: Annotated[Consent, BeforeValidator(answers_are_booleans)] = Consent()


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
    retaliation_report_id: str | None = Field(
        None,
        description="the report retaliation told on the call opened: a case of its own, "
        "at high severity, and an alert to the officers",
    )


class DueCallback(BaseModel):
    callback_id: str
    audit_id: str
    site_id: str
    site_name: str | None
    country: str
    due_on: date
    language: str
    good_time: str | None = Field(description="null when not given or erased")
    phone: str | None = Field(description="null when the audit's personal data was erased")
    attempt: int = Field(
        description="which call this is: 1 for the first, 2 for the first "
        "call again after the worker was not reached, ..."
    )


class DueCallbacks(BaseModel):
    callbacks: list[DueCallback]
    next: str | None = Field(None, description="cursor of the next page")


class Figures(BaseModel):
    audits: int
    scheduled: int
    due: int = Field(description="fallen due by today, completed or not")
    outstanding: int = Field(description="due and not yet completed")
    completed: int = Field(
        description="callbacks done: the worker reached, or not reached "
        "by the last call the tenant allows"
    )
    reached: int = Field(description="callbacks that reached the worker")
    retaliation_reports: int
    grievances_raised: int
    unreached: int = Field(description="callbacks given up: no call reached the worker")
    retrying: int = Field(description="workers not reached yet, to be called again")
    calls: int = Field(description="calls made in all, each attempt counted")


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
