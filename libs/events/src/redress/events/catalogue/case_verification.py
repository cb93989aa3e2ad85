"""Events of a case's verification and response, on the `case` stream, written by cases: what
was found and on what evidence, what was decided of the grievance, and how the response
answers it (the IOM steps).
"""

from __future__ import annotations

from enum import StrEnum

from pydantic import Field

from redress.events.catalogue import event
from redress.events.catalogue.grievance import Sealed
from redress.events.envelope import EventData


class FindingSource(StrEnum):
    """Where a verification finding comes from (IOM step 1)."""

    interview = "interview"
    document = "document"
    site_visit = "site_visit"


@event
class VerificationFindingRecorded(EventData):
    """What the officer found out while verifying, and from where.

    Sealed under the grievance's key like internal notes: an interview names people.
    """

    type = "VerificationFindingRecorded"
    stream_type = "case"

    case_id: str
    source: FindingSource
    finding: Sealed


@event
class VerificationEvidenceAttached(EventData):
    """A file that bears out a finding: a photo of the site, a recording of an interview, a
    payroll register.

    The file itself is sealed under the grievance's key in the keyring's sealed files, by
    `file_id` (ADR 0032), and its name and SHA-256 digest are sealed in `described`: a name
    may name a worker, and a digest would confirm a guess of the file. `finding_version` is
    the case stream's version of the `VerificationFindingRecorded` it supports.
    """

    type = "VerificationEvidenceAttached"
    stream_type = "case"

    case_id: str
    finding_version: int = Field(ge=1)
    file_id: str = Field(max_length=100)
    content_type: str = Field(max_length=100)
    size: int = Field(ge=1)
    described: Sealed


class Substantiation(StrEnum):
    substantiated = "substantiated"
    partly_substantiated = "partly_substantiated"
    not_substantiated = "not_substantiated"


@event
class VerificationDecided(EventData):
    """Whether the findings bear the grievance out; a later decision replaces it."""

    type = "VerificationDecided"
    stream_type = "case"

    case_id: str
    decision: Substantiation
    reasons: str = Field(max_length=2000)


class ResponseLevel(StrEnum):
    """Who has to act (IOM step 2): the site itself, the member company, the initiative
    with the company, or bodies outside it."""

    site = "site"
    company = "company"
    initiative = "initiative"
    external = "external"


class Involvement(StrEnum):
    """How the company is involved in the harm (UN Guiding Principles 13 and 19)."""

    caused = "caused"
    contributed = "contributed"
    linked = "linked"


@event
class ResponseDetermined(EventData):
    """How the case will be answered; a referral needed here recommends one (by event)."""

    type = "ResponseDetermined"
    stream_type = "case"

    case_id: str
    level: ResponseLevel
    involvement: Involvement
    state_needed: bool
    law_enforcement_needed: bool
    referral_needed: bool
    reasons: str = Field(max_length=2000)
