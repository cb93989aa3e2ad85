"""What callers send: pydantic models at the edge, with size limits."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from pydantic import (
    AfterValidator,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    model_validator,
)
from pydantic_core import PydanticCustomError

from redress.events.catalogue.grievance import Category, Consent
from redress.intake.phones import reachable
from redress.kit.countries import Country
from redress.kit.dates import PastDate
from redress.kit.i18n import LANGUAGES
from redress.kit.text import Line, Prose, visible


def _known_language(value: str) -> str:
    if value not in LANGUAGES:
        raise ValueError(f"language must be one of {', '.join(LANGUAGES)}")
    return value


BLANK_NARRATIVE = "left blank: it needs words saying what happened"


def _told(value: str) -> str:
    # Also what spaces alone come to once stripped (""): "at least 1 character" would say a
    # space is missing, not that nothing was told.
    if not visible(value):
        raise PydanticCustomError("blank", BLANK_NARRATIVE)
    return value


Language = Annotated[
    str,
    Field(max_length=20, json_schema_extra={"enum": list(LANGUAGES)}),
    AfterValidator(_known_language),
]
"""One of the languages the platform speaks with workers."""

# The length is checked on the string itself, before Prose's own check: put after it, it is
# checked "after validation" and refused as a count of "items" (too_long), which says
# nothing to an API caller. Blank is refused by `_told`, in words, with `minLength` kept in
# the schema.
Narrative = Annotated[
    str,
    Field(max_length=5000, json_schema_extra={"minLength": 1}),
    *Prose.__metadata__,
    AfterValidator(_told),
]
"""What happened, in the worker's words: something must show."""


def _reachable(contact: str) -> str:
    if not reachable(contact):
        raise ValueError("a phone number (7 to 15 digits) or an e-mail address")
    return contact


class ContactDetails(BaseModel):
    model_config = ConfigDict(extra="forbid")

    name: Line | None = Field(None, max_length=200)
    # As the web form: a contact nobody could use to reach the worker is refused, not kept.
    phone_or_email: Annotated[Line, AfterValidator(_reachable)] | None = Field(None, max_length=200)
    language: Language | None = None
    time: Line | None = Field(None, max_length=100)


def answers_are_booleans(value: Any) -> Any:
    """Consent is given with `true`, as the schema says, never with 1 or "yes"."""
    if isinstance(value, dict) and not all(isinstance(v, bool) for v in value.values()):
        raise ValueError("each consent is true or false")
    return value


def _country_optional_with_a_site(schema: dict[str, Any]) -> None:
    # Validation asks for `country` only where no site is given (below): the schema says so.
    schema["required"] = [name for name in schema.get("required", []) if name != "country"]


class GrievanceInput(BaseModel):
    """A grievance as any channel files it."""

    model_config = ConfigDict(
        extra="forbid",
        str_strip_whitespace=True,
        json_schema_extra=_country_optional_with_a_site,
    )

    country: Country | None = Field(
        description="ISO 3166-1 alpha-2; null when not known. Required unless `site_id` is "
        "given: then it may be left out (or null) and the site's country is taken, and one "
        "that is not the site's is refused (422 `site-in-another-country`)"
    )
    site_id: Line | None = Field(None, max_length=100)
    site_text: Line | None = Field(None, max_length=200)
    category: Category
    narrative: Narrative
    since: PastDate | None = Field(None, description="since when; from 1950, not in the future")
    language: Language = Field("en", description="the worker's language")
    contact: ContactDetails | None = None
    consent: Annotated[Consent, BeforeValidator(answers_are_booleans)] = Consent()
    keep_original_metadata: bool = Field(
        False,
        description="keep attached photos and recordings as sent; by default their metadata "
        "(EXIF and GPS position, XMP, the device, audio tags) is removed before sealing",
    )

    @model_validator(mode="before")
    @classmethod
    def _country_of_the_site(cls, data: Any) -> Any:
        """A site says its country: `country` may be left out where `site_id` is given (the
        filing takes the site's); without a site it is still asked for, null if not known."""
        if isinstance(data, dict) and "country" not in data and data.get("site_id") is not None:
            return {**data, "country": None}
        return data


class MemberGrievance(GrievanceInput):
    member_reference: Line | None = Field(None, max_length=200)


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
