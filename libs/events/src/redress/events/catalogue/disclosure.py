"""Events of the `disclosure` stream: personal data a referral partner was shown, written by
referral.

One stream per referral (`derived_stream("disclosure", referral_id)`): each read of the
personal fields the worker consented to share is recorded before the answer leaves, naming
the partner (the envelope's actor is the partner's principal) and the fields, never their
content. Kept apart from the referral's own stream, so that reads never hold up its writes.
"""

from __future__ import annotations

from typing import Annotated

from pydantic import Field, StringConstraints

from redress.events.catalogue import event
from redress.events.catalogue.partner import PartnerId
from redress.events.envelope import EventData

FieldName = Annotated[str, StringConstraints(max_length=50)]


@event
class PersonalDataDisclosed(EventData):
    type = "PersonalDataDisclosed"
    stream_type = "disclosure"

    referral_id: str = Field(max_length=100)
    case_id: str = Field(max_length=100)
    grievance_id: str = Field(max_length=100)
    partner_id: PartnerId
    fields: tuple[FieldName, ...] = Field(min_length=1, max_length=10)
