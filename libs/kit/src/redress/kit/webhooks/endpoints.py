"""A sending service's endpoints: registered with their secrets, rotated, changed, enabled,
disabled and removed, each call naming the tenant (another tenant's endpoint reads as absent).

`Webhooks` (`redress.kit.webhooks.outbox`) is built on these, beside its outbox.
"""

from __future__ import annotations

import uuid
from datetime import datetime, timedelta

import asyncpg

from redress.events.store import Conn
from redress.events.timers import Clock
from redress.kit.webhooks.claims import open_secrets
from redress.kit.webhooks.guard import Guard, parse_url
from redress.kit.webhooks.model import Endpoint, NewEndpoint, SecretInfo
from redress.kit.webhooks.secrets import SecretBox, check_secret, new_secret, secret_context

# How long a rotated secret goes on signing beside the new one, unless told.
OVERLAP = timedelta(hours=24)


class Endpoints:
    schema: str
    box: SecretBox
    guard: Guard
    clock: Clock
    channel: str

    async def add_endpoint(
        self,
        conn: Conn,
        *,
        tenant: str,
        owner: str,
        url: str,
        secret: str | None = None,
        endpoint_id: str | None = None,
        secret_id: str | None = None,
        at: datetime | None = None,
    ) -> NewEndpoint:
        """Register an endpoint with a new secret (or one given: the subscriber's own, or
        one the service derives), signing from `at` (now).

        A service that keeps its directory elsewhere (in events) mirrors it here with its own
        `endpoint_id` and `secret_id`: adding an endpoint that exists is then a no-op, so a
        replay of its events changes nothing.
        """
        parse_url(url, allow_private=self.guard.allow_private)
        endpoint_id = _id(endpoint_id)
        if secret is None:
            if await self._owns(conn, tenant, endpoint_id, lock=False):
                raise ValueError(f"the endpoint {endpoint_id} exists")
            secret = new_secret()
        secret = check_secret(secret)
        at = at or self.clock.now()
        async with conn.transaction():
            added = await conn.execute(
                f"""INSERT INTO {self.schema}.webhook_endpoints (id, tenant, owner, url, created_at)
                    VALUES ($1, $2, $3, $4, $5) ON CONFLICT (id) DO NOTHING""",
                endpoint_id,
                tenant,
                owner,
                url,
                at,
            )
            if added.endswith(" 1"):
                await self._add_secret(conn, endpoint_id, secret, secret_id, at)
        found = await self.endpoint(conn, tenant, endpoint_id)
        if found is None:
            raise ValueError(f"the endpoint {endpoint_id} belongs to another tenant")
        return NewEndpoint(found, secret)

    async def rotate_secret(
        self,
        conn: Conn,
        tenant: str,
        endpoint_id: str,
        *,
        overlap: timedelta = OVERLAP,
        until: datetime | None = None,
        secret: str | None = None,
        secret_id: str | None = None,
        at: datetime | None = None,
    ) -> str | None:
        """A new secret, signing from `at` (now) on; the old ones sign beside it until
        `until` (`at` + `overlap`). A `secret_id` already recorded makes it a no-op (a
        replayed rotation). None when the tenant has no such endpoint.
        """
        secret = check_secret(secret) if secret is not None else new_secret()
        at = at or self.clock.now()
        until = until or at + overlap
        async with conn.transaction():
            if not await self._owns(conn, tenant, endpoint_id, lock=True):
                return None
            if secret_id is not None and await conn.fetchval(
                f"SELECT 1 FROM {self.schema}.webhook_secrets WHERE id = $1", secret_id
            ):
                return secret
            await conn.execute(
                f"""DELETE FROM {self.schema}.webhook_secrets
                    WHERE endpoint_id = $1 AND valid_until <= $2""",
                endpoint_id,
                at,
            )
            await conn.execute(
                f"""UPDATE {self.schema}.webhook_secrets
                    SET valid_until = LEAST(COALESCE(valid_until, $2), $2)
                    WHERE endpoint_id = $1""",
                endpoint_id,
                until,
            )
            await self._add_secret(conn, endpoint_id, secret, secret_id, at)
        return secret

    async def _add_secret(
        self, conn: Conn, endpoint_id: str, secret: str, secret_id: str | None, at: datetime
    ) -> None:
        secret_id = _id(secret_id)
        await conn.execute(
            f"""INSERT INTO {self.schema}.webhook_secrets (id, endpoint_id, sealed, valid_from)
                VALUES ($1, $2, $3, $4)""",
            secret_id,
            endpoint_id,
            self.box.seal(secret, secret_context(endpoint_id, secret_id)),
            at,
        )

    async def signing_secrets(self, conn: Conn, endpoint_id: str) -> list[str]:
        """The secrets that sign now, newest first."""
        found = await open_secrets(conn, self.schema, self.box, {endpoint_id}, self.clock.now())
        return found.get(endpoint_id, [])

    async def endpoint(self, conn: Conn, tenant: str, endpoint_id: str) -> Endpoint | None:
        found = await self.endpoints(conn, tenant, endpoint_id=endpoint_id)
        return found[0] if found else None

    async def endpoints(
        self,
        conn: Conn,
        tenant: str,
        *,
        owner: str | None = None,
        endpoint_id: str | None = None,
    ) -> list[Endpoint]:
        rows = await conn.fetch(
            f"""SELECT * FROM {self.schema}.webhook_endpoints
                WHERE tenant = $1 AND ($2::text IS NULL OR owner = $2)
                  AND ($3::text IS NULL OR id = $3)
                ORDER BY created_at, id""",
            tenant,
            owner,
            endpoint_id,
        )
        secrets: dict[str, list[SecretInfo]] = {r["id"]: [] for r in rows}
        for s in await conn.fetch(
            f"""SELECT id, endpoint_id, valid_from, valid_until FROM {self.schema}.webhook_secrets
                WHERE endpoint_id = ANY($1::text[]) AND (valid_until IS NULL OR valid_until > $2)
                ORDER BY valid_from, valid_until IS NULL, valid_until, id""",
            list(secrets),
            self.clock.now(),
        ):
            secrets[s["endpoint_id"]].append(SecretInfo(s["id"], s["valid_from"], s["valid_until"]))
        return [_endpoint(r, secrets[r["id"]]) for r in rows]

    async def set_url(self, conn: Conn, tenant: str, endpoint_id: str, url: str) -> bool:
        parse_url(url, allow_private=self.guard.allow_private)
        done = await conn.execute(
            f"UPDATE {self.schema}.webhook_endpoints SET url = $3 WHERE tenant = $1 AND id = $2",
            tenant,
            endpoint_id,
            url,
        )
        return bool(done.endswith(" 1"))

    async def enable(
        self, conn: Conn, tenant: str, endpoint_id: str, *, if_disabled: bool = False
    ) -> bool:
        """Send again: the breaker is reset, and waiting deliveries are due now, each with a
        fresh retry horizon. With `if_disabled`, only an endpoint disabled when the row is
        locked (False otherwise: of two admins enabling at once, one does)."""
        now = self.clock.now()
        async with conn.transaction():
            done = await conn.execute(
                f"""UPDATE {self.schema}.webhook_endpoints
                    SET enabled = true, disabled_reason = NULL, failures = 0,
                        failing_since = NULL, circuit_trips = 0, circuit_open_until = NULL
                    WHERE tenant = $1 AND id = $2 AND (NOT $3 OR NOT enabled)""",
                tenant,
                endpoint_id,
                if_disabled,
            )
            if not done.endswith(" 1"):
                return False
            await conn.execute(
                f"""UPDATE {self.schema}.webhook_deliveries
                    SET next_attempt_at = LEAST(next_attempt_at, $2), retrying_since = NULL,
                        tries = 0
                    WHERE endpoint_id = $1 AND state = 'pending'""",
                endpoint_id,
                now,
            )
            await conn.execute("SELECT pg_notify($1, '')", self.channel)
        return True

    async def disable(
        self, conn: Conn, tenant: str, endpoint_id: str, reason: str = "disabled by an admin"
    ) -> bool:
        """Stop sending; deliveries wait (nothing is dropped) until the endpoint is enabled."""
        done = await conn.execute(
            f"""UPDATE {self.schema}.webhook_endpoints SET enabled = false, disabled_reason = $3
                WHERE tenant = $1 AND id = $2""",
            tenant,
            endpoint_id,
            reason,
        )
        return bool(done.endswith(" 1"))

    async def waiting(self, conn: Conn, tenant: str, endpoint_id: str) -> int:
        """How many deliveries to the endpoint are not delivered yet (pending or dead)."""
        found: int = await conn.fetchval(
            f"""SELECT count(*) FROM {self.schema}.webhook_deliveries
                WHERE tenant = $1 AND endpoint_id = $2 AND state IN ('pending', 'dead')""",
            tenant,
            endpoint_id,
        )
        return found

    async def remove(self, conn: Conn, tenant: str, endpoint_id: str) -> bool:
        """Forget the endpoint, its secrets, its deliveries and their attempts; what it had
        not delivered yet (pending or dead) goes to its owner's other endpoints first, due
        now, so that moving a receiver (adding the new endpoint, then removing the old) loses
        no message. The same webhook id goes with it: a receiver that had it already knows
        it for a repeat."""
        await conn.execute(
            f"""INSERT INTO {self.schema}.webhook_deliveries
                    (endpoint_id, tenant, webhook_id, ordering_key, sequence, event_type, body,
                     created_at, next_attempt_at)
                SELECT other.id, d.tenant, d.webhook_id, d.ordering_key, d.sequence,
                       d.event_type, d.body, d.created_at, $3
                FROM {self.schema}.webhook_deliveries d
                JOIN {self.schema}.webhook_endpoints e ON e.id = d.endpoint_id
                JOIN {self.schema}.webhook_endpoints other
                    ON other.tenant = e.tenant AND other.owner = e.owner AND other.id <> e.id
                WHERE e.tenant = $1 AND e.id = $2 AND d.state IN ('pending', 'dead')
                ON CONFLICT DO NOTHING""",
            tenant,
            endpoint_id,
            self.clock.now(),
        )
        done = await conn.execute(
            f"DELETE FROM {self.schema}.webhook_endpoints WHERE tenant = $1 AND id = $2",
            tenant,
            endpoint_id,
        )
        return bool(done.endswith(" 1"))

    async def _owns(self, conn: Conn, tenant: str, endpoint_id: str, *, lock: bool) -> bool:
        found = await conn.fetchval(
            f"""SELECT 1 FROM {self.schema}.webhook_endpoints WHERE tenant = $1 AND id = $2
                {"FOR UPDATE" if lock else ""}""",
            tenant,
            endpoint_id,
        )
        return found is not None


def _endpoint(row: asyncpg.Record, secrets: list[SecretInfo]) -> Endpoint:
    return Endpoint(
        id=row["id"],
        tenant=row["tenant"],
        owner=row["owner"],
        url=row["url"],
        enabled=row["enabled"],
        disabled_reason=row["disabled_reason"],
        created_at=row["created_at"],
        failures=row["failures"],
        failing_since=row["failing_since"],
        circuit_open_until=row["circuit_open_until"],
        secrets=tuple(secrets),
        circuit_trips=row["circuit_trips"],
    )


def _id(given: str | None) -> str:
    if given is None:
        return str(uuid.uuid4())
    if not 1 <= len(given) <= 100:
        raise ValueError("an id is 1 to 100 characters")
    return given
