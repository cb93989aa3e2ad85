"""Webhooks that are never lost: Standard Webhooks, signed, retried for days, in order per key.

A service keeps the outbox in its own schema (`MIGRATIONS` in its `ServiceSpec.embedded`),
enqueues messages in the transaction that decides them (`Webhooks.enqueue`), and runs a
`Deliverer` as background work. See docs/webhooks.md.
"""

from pathlib import Path

from redress.kit.webhooks.guard import Guard, UnsafeEndpoint, parse_url, public
from redress.kit.webhooks.model import (
    Attempt,
    BadMessage,
    Delivery,
    Endpoint,
    EndpointAttempt,
    GivenUp,
    Health,
    Message,
    NewEndpoint,
    Notice,
    SecretInfo,
)
from redress.kit.webhooks.outbox import OVERLAP, Webhooks
from redress.kit.webhooks.policy import BreakerPolicy, RetryPolicy
from redress.kit.webhooks.secrets import BadSecret, SecretBox, new_secret
from redress.kit.webhooks.sender import Outcome, Sender, Timeouts
from redress.kit.webhooks.worker import Deliverer, GivenUpHook, NoticeHook

MIGRATIONS = Path(__file__).parent / "migrations"

__all__ = [
    "MIGRATIONS",
    "OVERLAP",
    "Attempt",
    "BadMessage",
    "BadSecret",
    "BreakerPolicy",
    "Deliverer",
    "Delivery",
    "Endpoint",
    "EndpointAttempt",
    "GivenUp",
    "GivenUpHook",
    "Guard",
    "Health",
    "Message",
    "NewEndpoint",
    "Notice",
    "NoticeHook",
    "Outcome",
    "RetryPolicy",
    "SecretBox",
    "SecretInfo",
    "Sender",
    "Timeouts",
    "UnsafeEndpoint",
    "Webhooks",
    "new_secret",
    "parse_url",
    "public",
]
