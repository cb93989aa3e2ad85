"""What referral holds beside the kit's runtime: the keyring, a clock, the key webhook
secrets are derived from, the CSRF key of its console, and the scheduler of overdue
acknowledgements."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Annotated

import asyncpg
from fastapi import Depends, Request

from redress.events.store import EventStore
from redress.events.timers import Clock, SystemClock
from redress.kit.crypto import Keyring
from redress.kit.keyset import derive, keyset_file, root_secret
from redress.kit.runtime import Runtime
from redress.kit.settings import Settings
from redress.kit.webhooks import Guard, Webhooks
from redress.kit.webhooks.service import webhooks_for
from redress.referral.overdue import overdue_scheduler
from redress.referral.secrets import PURPOSE


@dataclass
class Referrals:
    keyring: Keyring
    clock: Clock
    webhook_key: bytes
    plain_http: bool
    """Whether webhook endpoints may be `http://` (dev and test mode)."""
    guard: Guard
    """What registration checks an endpoint URL with (private addresses in dev mode only)."""
    csrf_key: bytes
    """Of the console's forms; derived from the root secret, the same on every replica."""
    hooks: Webhooks
    """The outbox in the referral schema: admins' views of deliveries, and interventions."""

    def now(self) -> datetime:
        return self.clock.now()

    @classmethod
    def of(cls, settings: Settings, clock: Clock) -> Referrals:
        """What the service works with, from its settings: one place for every caller."""
        root = root_secret(settings)
        return cls(
            Keyring(keyset_file(settings)), clock, derive(root, PURPOSE), settings.dev,
            Guard(allow_private=settings.dev), derive(root, "referral-csrf"),
            webhooks_for("referral", settings),
        )  # fmt: skip


async def start(runtime: Runtime) -> None:
    runtime.extras["referral"] = Referrals.of(runtime.settings, SystemClock())


async def run_overdue(runtime: Runtime) -> None:
    """Fire missed acknowledgements, one scheduler leading across replicas.

    A background task of the service: the kit supervises it, so whatever stops it is shown
    on /health, logged and counted, and it starts again with backoff.
    """
    referrals: Referrals = runtime.extras["referral"]
    scheduler = overdue_scheduler(runtime.pool, runtime.store, referrals.clock)
    await scheduler.run(runtime.settings.require_database(), interval=5.0)


def check(settings: Settings) -> None:
    root_secret(settings)
    keyset_file(settings)


@dataclass(frozen=True)
class Desk:
    """What the referral handlers work with: the log, the service's pool and its context."""

    store: EventStore
    pool: asyncpg.Pool
    referrals: Referrals


async def get_desk(request: Request) -> Desk:
    runtime: Runtime = request.app.state.runtime
    return Desk(runtime.store, runtime.pool, runtime.extras["referral"])


ReferralDesk = Annotated[Desk, Depends(get_desk)]
