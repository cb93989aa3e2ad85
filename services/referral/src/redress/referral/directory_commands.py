"""What an admin asks of a tenant's directory of referral partners (`directory.decide`):
each command brings what deciding needs (ids, the time, what the outbox says), so that
deciding reads no clock and no table."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from redress.events.catalogue.partner import PartnerKind, Service


@dataclass(frozen=True)
class RegisterPartner:
    partner_id: str
    name: str
    kind: PartnerKind
    countries: tuple[str, ...]
    indicators: tuple[str, ...] = ()
    categories: tuple[str, ...] = ()
    languages: tuple[str, ...] = ()
    services: tuple[Service, ...] = ()
    contact: str = ""


@dataclass(frozen=True)
class RetirePartner:
    partner_id: str


@dataclass(frozen=True)
class AddEndpoint:
    partner_id: str
    endpoint_id: str
    url: str
    secret_id: str
    plain_http: bool = False
    """Whether `http://` is accepted (dev and test mode only)."""


@dataclass(frozen=True)
class RotateSecret:
    partner_id: str
    endpoint_id: str
    secret_id: str
    now: datetime
    overlap: timedelta


@dataclass(frozen=True)
class RemoveEndpoint:
    partner_id: str
    endpoint_id: str
    waiting: int = 0
    """Webhooks not yet delivered to it: they move to the partner's other endpoints."""


@dataclass(frozen=True)
class SetAcknowledgeHours:
    hours: int


@dataclass(frozen=True)
class EnableEndpoint:
    """Send to an endpoint the delivery disabled; `disabled` is what the outbox says of it
    now (the deciding reads no table: the handler looks and brings it)."""

    partner_id: str
    endpoint_id: str
    disabled: bool


@dataclass(frozen=True)
class Letter:
    """A dead letter as the outbox has it, brought by the handler."""

    delivery_id: int
    webhook_id: str
    event_type: str
    subject: str
    dead: bool


@dataclass(frozen=True)
class RedeliverDeadLetter:
    partner_id: str
    endpoint_id: str
    letter: Letter


@dataclass(frozen=True)
class SkipDeadLetter:
    partner_id: str
    endpoint_id: str
    letter: Letter


Command = (
    RegisterPartner | RetirePartner | AddEndpoint | RotateSecret | RemoveEndpoint
    | SetAcknowledgeHours | EnableEndpoint | RedeliverDeadLetter | SkipDeadLetter
)  # fmt: skip
