"""The outbox: endpoints and their secrets, and messages enqueued in the caller's transaction.

Every table lives in the schema of the service that sends (`Webhooks.schema`), created by
the migrations in `MIGRATIONS`, which the service lists in its `ServiceSpec.embedded`.
The endpoints' registration and changes are `redress.kit.webhooks.endpoints`'s, what admins
see of deliveries `redress.kit.webhooks.admin`'s: `Webhooks` is built on both.
"""

from __future__ import annotations

import re

from redress.events.store import Conn
from redress.events.timers import Clock, SystemClock
from redress.kit.webhooks.admin import Admin
from redress.kit.webhooks.endpoints import OVERLAP, Endpoints
from redress.kit.webhooks.guard import Guard
from redress.kit.webhooks.model import Message
from redress.kit.webhooks.secrets import SecretBox

__all__ = ["OVERLAP", "Webhooks"]

_SCHEMA = re.compile(r"[a-z_][a-z0-9_]{0,62}")


class Webhooks(Endpoints, Admin):
    """Webhooks sent by one service, kept in its schema.

    `guard` decides which URLs are accepted and reached (`Guard(allow_private=settings.dev)`);
    `clock` dates everything (a fixed clock in tests).
    """

    def __init__(
        self,
        schema: str,
        box: SecretBox,
        *,
        guard: Guard | None = None,
        clock: Clock | None = None,
    ) -> None:
        if not _SCHEMA.fullmatch(schema):
            raise ValueError(f"{schema!r} is not a schema name")
        self.schema = schema
        self.box = box
        self.guard = guard or Guard()
        self.clock = clock or SystemClock()
        self.channel = f"{schema}_webhooks"

    # Enqueueing.

    async def enqueue(
        self,
        conn: Conn,
        *,
        tenant: str,
        owner: str,
        message: Message,
        ordering_key: str,
        sequence: int,
    ) -> int:
        """Deliver `message` to every endpoint of `owner`, in the caller's transaction.

        Deliveries of one `ordering_key` to one endpoint go out in `sequence` order (for
        example a referral's id and the event's version in its stream); a dead letter holds
        back the later ones until it is redelivered or skipped. Returns how many deliveries
        were made: none when `owner` has no endpoint, or when the message was enqueued
        before (same id).
        """
        body = message.body()
        now = self.clock.now()
        rows = await conn.fetch(
            f"""INSERT INTO {self.schema}.webhook_deliveries
                    (endpoint_id, tenant, webhook_id, ordering_key, sequence, event_type, body,
                     created_at, next_attempt_at)
                SELECT e.id, e.tenant, $3, $4, $5, $6, $7, $8, $8
                FROM {self.schema}.webhook_endpoints e
                WHERE e.tenant = $1 AND e.owner = $2
                ON CONFLICT (endpoint_id, webhook_id) DO NOTHING
                RETURNING id""",
            tenant,
            owner,
            message.webhook_id,
            ordering_key,
            sequence,
            message.type,
            body,
            now,
        )
        if rows:
            # Sent at commit (one per transaction): a worker listening starts at once.
            await conn.execute("SELECT pg_notify($1, '')", self.channel)
        return len(rows)
