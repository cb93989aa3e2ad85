"""The state of a referral, as its events leave it: one part per partner chosen."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum
from types import MappingProxyType

from redress.events.application import Refused
from redress.events.catalogue.partner import Service
from redress.events.catalogue.referral import (
    Basis,
    EmergencyReferralProposed,
    ReferralOpened,
    SafetyChecked,
    SharedField,
)


class ReferralRefused(Refused):
    """A command the referral's state forbids; `kind` is stable for clients."""

    statuses = {
        "unknown-referral": 404, "not-selected": 404, "not-sent": 404,
        "no-services": 422,
        "consent-revoked": 410, "withdrawn": 410,
    }  # fmt: skip
    default_status = 409


class Status(StrEnum):
    """Where the referral to one partner stands."""

    awaiting_consent = "awaiting_consent"
    consent_declined = "consent_declined"
    sent = "sent"
    acknowledged = "acknowledged"
    accepted = "accepted"
    declined = "declined"
    closed = "closed"
    revoked = "revoked"
    withdrawn = "withdrawn"


class Consent(StrEnum):
    pending = "pending"
    given = "given"
    declined = "declined"
    revoked = "revoked"


ENDED = frozenset({Status.consent_declined, Status.declined, Status.closed, Status.revoked,
                   Status.withdrawn})  # fmt: skip
WITH_PARTNER = frozenset({Status.sent, Status.acknowledged, Status.accepted})


@dataclass(frozen=True)
class Addressee:
    """The referral's part addressed to one partner."""

    partner_id: str
    name: str
    fields: tuple[SharedField, ...]
    services: tuple[Service, ...]
    status: Status = Status.awaiting_consent
    consent: Consent = Consent.pending
    consented: tuple[SharedField, ...] = ()
    basis: Basis | None = None
    proposal: EmergencyReferralProposed | None = None
    acknowledge_by: datetime | None = None
    overdue: bool = False
    # The worker's last answer to this partner was no (declined or revoked), in this part or
    # an earlier one: choosing the partner again asks the worker again, and until they say
    # yes no emergency may send it over their answer.
    refused: bool = False

    @property
    def sent(self) -> bool:
        """Whether the partner has been sent the referral (and may see it, whatever since)."""
        return self.basis is not None

    def readable(self) -> tuple[SharedField, ...]:
        """The personal fields the partner may read now: none before sending, after the
        worker withdrew their consent, or once the partner's part has ended (declined or
        closed: its work for the worker is over); with consent, those consented; in an
        emergency, those the officers named."""
        if not self.sent or self.status in ENDED:
            return ()
        if self.consent is Consent.given:
            return tuple(f for f in self.fields if f in self.consented)
        return self.fields if self.consent is Consent.pending else ()


@dataclass(frozen=True)
class Referral:
    opened: ReferralOpened | None = None
    safety: SafetyChecked | None = None
    addressees: Mapping[str, Addressee] = field(default_factory=lambda: MappingProxyType({}))

    def addressee(self, partner_id: str) -> Addressee:
        found = self.addressees.get(partner_id)
        if found is None:
            raise ReferralRefused("not-selected", "this partner was not chosen for the referral")
        return found
