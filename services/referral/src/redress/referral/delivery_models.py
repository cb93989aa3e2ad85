"""What the admin's delivery API answers: endpoints' health, attempts, dead letters, notices.

Built from the outbox's own records (`redress.kit.webhooks`): codes, ids, times, statuses and
latencies; never a webhook's body, never a secret.
"""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from pydantic import BaseModel

from redress.kit.webhooks import Delivery, Endpoint, EndpointAttempt, Notice


class AttemptOut(BaseModel):
    delivery_id: int
    webhook_id: str
    event_type: str
    referral_id: str
    attempt: int
    at: datetime
    status: int | None
    latency_ms: int
    error: str | None

    @classmethod
    def of(cls, a: EndpointAttempt) -> AttemptOut:
        return cls(delivery_id=a.delivery_id, webhook_id=a.webhook_id, event_type=a.event_type,
                   referral_id=a.ordering_key, attempt=a.attempt, at=a.at, status=a.status,
                   latency_ms=a.latency_ms, error=a.error)  # fmt: skip


class EndpointReport(BaseModel):
    """An endpoint's health and its latest attempts, newest first."""

    partner_id: str
    endpoint_id: str
    url: str
    health: Literal["healthy", "failing", "breaker-open", "disabled"]
    disabled_reason: str | None
    failures: int
    failing_since: datetime | None
    breaker_open_until: datetime | None
    dead_letters: int
    attempts: list[AttemptOut]

    @classmethod
    def of(
        cls, e: Endpoint, now: datetime, attempts: list[EndpointAttempt], dead: int
    ) -> EndpointReport:
        return cls(partner_id=e.owner, endpoint_id=e.id, url=e.url, health=e.health(now),
                   disabled_reason=e.disabled_reason, failures=e.failures,
                   failing_since=e.failing_since, breaker_open_until=e.circuit_open_until,
                   dead_letters=dead, attempts=[AttemptOut.of(a) for a in attempts])  # fmt: skip


class DeadLetterOut(BaseModel):
    delivery_id: int
    webhook_id: str
    partner_id: str
    endpoint_id: str
    referral_id: str
    event_type: str
    state: Literal["pending", "delivered", "dead", "skipped"]
    attempts: int
    created_at: datetime
    settled_at: datetime | None
    last_status: int | None
    last_error: str | None
    held_back: int
    """How many later webhooks of the same referral wait behind it."""

    @classmethod
    def of(cls, d: Delivery) -> DeadLetterOut:
        return cls(delivery_id=d.id, webhook_id=d.webhook_id, partner_id=d.owner,
                   endpoint_id=d.endpoint_id, referral_id=d.ordering_key,
                   event_type=d.event_type, state=d.state, attempts=d.attempts,
                   created_at=d.created_at, settled_at=d.settled_at, last_status=d.last_status,
                   last_error=d.last_error, held_back=d.held_back)  # fmt: skip


class DeadLetters(BaseModel):
    items: list[DeadLetterOut]
    next: str | None


class NoticeOut(BaseModel):
    """An endpoint the delivery disabled, still disabled: why and when."""

    partner_id: str
    endpoint_id: str
    kind: str
    detail: str
    at: datetime

    @classmethod
    def of(cls, n: Notice) -> NoticeOut:
        return cls(partner_id=n.owner, endpoint_id=n.endpoint_id, kind=n.kind, detail=n.detail,
                   at=n.at)  # fmt: skip


class Notices(BaseModel):
    items: list[NoticeOut]


class Intervened(BaseModel):
    """An admin's intervention, recorded in the directory's stream (read it back with
    `min_version`), and what the outbox holds now."""

    stream: str
    version: int
    state: str
    """For a dead letter: `pending` (redelivered) or `skipped`; for an endpoint: `enabled`."""
