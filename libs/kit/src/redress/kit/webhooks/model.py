"""What the webhook outbox holds: messages, endpoints, deliveries, attempts and notices."""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Literal

State = Literal["pending", "delivered", "dead", "skipped"]
Health = Literal["healthy", "failing", "breaker-open", "disabled"]

MAX_BODY = 65_536  # the specification advises well under 20 kB; this is the hard limit
_ID = re.compile(r"[A-Za-z0-9_-]{1,100}")


class BadMessage(ValueError):
    """A message the outbox cannot send as it stands (the text says why)."""


@dataclass(frozen=True)
class Message:
    """One webhook, as CloudEvents 1.0 in structured mode (the JSON body).

    `id` is the message's identity: the same id enqueued again for an endpoint is the same
    delivery (replays are harmless), and `webhook-id` is made from it, so every attempt and
    every redelivery carries the same `webhook-id`. Use the event's id; when one event makes
    several messages, derive one id per message from it. `data` must carry no personal data.
    """

    id: str
    type: str
    source: str
    time: datetime
    data: Mapping[str, Any]
    subject: str | None = None

    @property
    def webhook_id(self) -> str:
        return f"msg_{self.id}"

    def body(self) -> str:
        """The exact text that is signed and sent, on every attempt."""
        if not _ID.fullmatch(self.id):
            raise BadMessage("a message id is 1 to 100 letters, digits, '-' or '_'")
        if self.time.tzinfo is None:
            raise BadMessage("a message's time must carry its time zone")
        envelope: dict[str, Any] = {
            "specversion": "1.0",
            "id": self.id,
            "source": self.source,
            "type": self.type,
            "time": self.time.isoformat().replace("+00:00", "Z"),
            "datacontenttype": "application/json",
        }
        if self.subject is not None:
            envelope["subject"] = self.subject
        envelope["data"] = self.data
        try:
            text = json.dumps(envelope, separators=(",", ":"), ensure_ascii=False)
        except (TypeError, ValueError) as exc:
            raise BadMessage(f"the data is not JSON: {exc}") from None
        if len(text.encode()) > MAX_BODY:
            raise BadMessage(f"the body is over {MAX_BODY} bytes")
        return text


@dataclass(frozen=True)
class SecretInfo:
    """A signing secret as listed: when it signs, never what it is."""

    id: str
    valid_from: datetime
    valid_until: datetime | None


@dataclass(frozen=True)
class Endpoint:
    id: str
    tenant: str
    owner: str
    url: str
    enabled: bool
    disabled_reason: str | None
    created_at: datetime
    failures: int
    failing_since: datetime | None
    circuit_open_until: datetime | None
    secrets: tuple[SecretInfo, ...] = field(default=())
    circuit_trips: int = 0

    def health(self, now: datetime) -> Health:
        """What an admin is told: `disabled` (nothing is sent until it is enabled),
        `breaker-open` (resting after failures; a probe comes next), `failing` (the last
        attempts failed, retries go on) or `healthy`."""
        if not self.enabled:
            return "disabled"
        if self.circuit_open_until is not None and self.circuit_open_until > now:
            return "breaker-open"
        if self.failures > 0 or self.circuit_trips > 0:
            return "failing"
        return "healthy"


@dataclass(frozen=True)
class NewEndpoint:
    """An endpoint just registered, with its secret: shown this once, never again."""

    endpoint: Endpoint
    secret: str


@dataclass(frozen=True)
class Delivery:
    id: int
    webhook_id: str
    endpoint_id: str
    owner: str
    ordering_key: str
    sequence: int
    event_type: str
    state: State
    attempts: int
    created_at: datetime
    next_attempt_at: datetime
    last_status: int | None
    last_error: str | None
    settled_at: datetime | None
    held_back: int = 0  # later deliveries of the same key waiting behind this one


@dataclass(frozen=True)
class Attempt:
    attempt: int
    at: datetime
    status: int | None
    latency_ms: int
    error: str | None


@dataclass(frozen=True)
class EndpointAttempt:
    """An attempt as an endpoint's history lists it: which delivery, and how it went."""

    delivery_id: int
    webhook_id: str
    event_type: str
    ordering_key: str
    attempt: int
    at: datetime
    status: int | None
    latency_ms: int
    error: str | None

    @property
    def succeeded(self) -> bool:
        return self.status is not None and 200 <= self.status < 300


@dataclass(frozen=True)
class GivenUp:
    """A delivery that has just been given up (a dead letter): what `on_given_up` is told,
    in the transaction that records it, after its endpoint's row is locked (so two given up
    at once for one endpoint are told one after the other)."""

    delivery_id: int
    tenant: str
    endpoint_id: str
    owner: str
    webhook_id: str
    attempts: int
    at: datetime


@dataclass(frozen=True)
class Notice:
    id: int
    tenant: str
    endpoint_id: str
    owner: str
    kind: str
    detail: str
    at: datetime
