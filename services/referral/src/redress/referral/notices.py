"""What partners must be told of a referral event: the webhooks a delivery turns it into.

Pure: given the referral as it stood before the event, and the event, the notices to send,
one per partner concerned, in the referral's stream order. A notice's body follows
CloudEvents and carries no personal data: the partner reads the fields it may over its API
(`GET /v1/partner/referrals/{id}/personal`, each read recorded).
"""

from __future__ import annotations

import json
import uuid
from dataclasses import dataclass
from typing import Any

from redress.events.catalogue.referral import (
    ConsentGiven,
    ConsentRevoked,
    ReferralClosed,
    ReferralOverdue,
    ReferralSent,
    ReferralWithdrawn,
    SafetyChecked,
)
from redress.events.envelope import Event
from redress.kit.webhooks import Message
from redress.referral.domain import REFERRAL
from redress.referral.state import WITH_PARTNER, Referral

SOURCE = "/redress/referral"


@dataclass(frozen=True)
class Notice:
    partner_id: str
    type: str
    """`referral.sent`, `referral.updated`, `referral.revoked`, `referral.closed` or
    `referral.overdue`."""
    event: Event

    @property
    def message_id(self) -> str:
        """Stable for the event and the partner, so every retry and replay repeats it.

        Derived rather than joined: a partner id may hold a `.`, which a webhook-id may not
        (the signed text is `id.timestamp.body`).
        """
        return uuid.uuid5(self.event.id, self.partner_id).hex

    @property
    def webhook_id(self) -> str:
        """The `webhook-id` header, as the outbox makes it from the message id."""
        return f"msg_{self.message_id}"

    def message(self, after: Referral) -> Message:
        """The webhook: CloudEvents attributes, the referral and the partner's status, and
        the names of the personal fields it may read now (never their values)."""
        part = after.addressees[self.partner_id]
        return Message(
            id=self.message_id, type=self.type, source=SOURCE, time=self.event.time,
            subject=self.event.stream,
            data={"referral_id": self.event.stream, "status": part.status.value,
                  "personal_fields": [f.value for f in part.readable()]},
        )  # fmt: skip

    def body(self, after: Referral) -> dict[str, Any]:
        """The webhook's JSON, as sent."""
        parsed: dict[str, Any] = json.loads(self.message(after).body())
        return parsed


def notices(before: Referral, event: Event) -> list[Notice]:
    data = event.data
    match data:
        case ReferralSent(partner_id=pid):
            return [Notice(pid, "referral.sent", event)]
        case SafetyChecked():
            return [Notice(pid, "referral.updated", event)
                    for pid, a in sorted(before.addressees.items())
                    if a.status in WITH_PARTNER]  # fmt: skip
    concerned: str | None = getattr(data, "partner_id", None)
    part = before.addressees.get(concerned) if concerned else None
    if part is None or not part.sent:
        return []  # the partner was never sent the referral: it learns nothing of it
    match data:
        case ConsentGiven():
            return [Notice(part.partner_id, "referral.updated", event)]
        case ConsentRevoked():
            return [Notice(part.partner_id, "referral.revoked", event)]
        case ReferralWithdrawn():
            return [Notice(part.partner_id, "referral.revoked", event)]
        case ReferralClosed():
            return [Notice(part.partner_id, "referral.closed", event)]
        case ReferralOverdue():
            return [Notice(part.partner_id, "referral.overdue", event)]
    return []


def notices_of(events: list[Event]) -> list[tuple[Notice, dict[str, Any]]]:
    """Every notice of a referral's events, in order, each with its body."""
    out: list[tuple[Notice, dict[str, Any]]] = []
    state = Referral()
    for event in events:
        after = REFERRAL.evolve(state, event.data)
        out += [(n, n.body(after)) for n in notices(state, event)]
        state = after
    return out
