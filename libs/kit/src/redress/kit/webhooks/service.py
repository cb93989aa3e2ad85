"""Wiring for a service: its outbox from the deployment's settings, and a background task.

A service lists `MIGRATIONS` in its `ServiceSpec.embedded`, `delivery(schema)` in its
`background`, and builds its outbox with `webhooks_for(schema, settings)` (docs/webhooks.md).
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from datetime import timedelta
from typing import Any

from redress.kit.keyset import root_secret
from redress.kit.runtime import Runtime
from redress.kit.settings import Settings
from redress.kit.webhooks.guard import Guard
from redress.kit.webhooks.outbox import Webhooks
from redress.kit.webhooks.policy import BreakerPolicy, RetryPolicy
from redress.kit.webhooks.secrets import SecretBox
from redress.kit.webhooks.worker import Deliverer


def webhooks_for(schema: str, settings: Settings) -> Webhooks:
    """The outbox in `schema`: secrets sealed under the deployment's root secret, and
    loopback or private endpoints allowed in dev mode only."""
    box = SecretBox.from_root(root_secret(settings))
    return Webhooks(schema, box, guard=Guard(allow_private=settings.dev))


def delivery(schema: str, **options: Any) -> Callable[[Runtime], Awaitable[None]]:
    """A `ServiceSpec.background` task delivering the outbox in `schema`; `options` go to
    `Deliverer` (for example `on_notice`); the first retry's wait, the breaker's rest and the
    lease come from the settings unless given. Its state shows on `/health`."""

    async def webhook_delivery(runtime: Runtime) -> None:
        settings = runtime.settings
        hooks = webhooks_for(schema, settings)
        options.setdefault("io_timeout", settings.io_timeout)
        options.setdefault(
            "retry", RetryPolicy(first=timedelta(seconds=settings.webhook_first_retry))
        )
        options.setdefault(
            "breaker", BreakerPolicy(cooldown=timedelta(seconds=settings.webhook_breaker_cooldown))
        )
        options.setdefault("lease", timedelta(seconds=settings.webhook_lease))
        worker = Deliverer(runtime.pool, hooks, **options)
        runtime.background += [worker.trouble, worker.endpoints]
        deliverers: list[Deliverer] = runtime.extras.setdefault("deliverers", [])
        deliverers.append(worker)  # its attempts show on /metrics
        try:
            await worker.run()
        finally:
            runtime.background.remove(worker.trouble)
            runtime.background.remove(worker.endpoints)
            deliverers.remove(worker)
            await worker.close()

    return webhook_delivery
