"""What admins see and do: deliveries and their attempts, dead letters, notices.

Every call names the tenant: another tenant's delivery reads as absent.
"""

from __future__ import annotations

import asyncpg

from redress.events.store import Conn
from redress.events.timers import Clock
from redress.kit.webhooks.model import Attempt, Delivery, EndpointAttempt, Notice, State


class Admin:
    schema: str
    clock: Clock
    channel: str

    async def deliveries(
        self,
        conn: Conn,
        tenant: str,
        *,
        ordering_key: str | None = None,
        endpoint_id: str | None = None,
        state: State | None = None,
        after: int | None = None,
        limit: int = 50,
    ) -> list[Delivery]:
        """Deliveries by id (oldest first), after the id `after`; filters are optional."""
        rows = await conn.fetch(
            f"""SELECT d.*, e.owner,
                       (SELECT count(*) FROM {self.schema}.webhook_deliveries l
                        WHERE d.state = 'dead' AND l.endpoint_id = d.endpoint_id
                          AND l.ordering_key = d.ordering_key AND l.sequence > d.sequence
                          AND l.state = 'pending') AS held_back
                FROM {self.schema}.webhook_deliveries d
                JOIN {self.schema}.webhook_endpoints e ON e.id = d.endpoint_id
                WHERE d.tenant = $1 AND ($2::text IS NULL OR d.ordering_key = $2)
                  AND ($3::text IS NULL OR d.endpoint_id = $3)
                  AND ($4::text IS NULL OR d.state = $4) AND d.id > $5
                ORDER BY d.id LIMIT $6""",
            tenant,
            ordering_key,
            endpoint_id,
            state,
            after or 0,
            limit,
        )
        return [_delivery(r) for r in rows]

    async def delivery(self, conn: Conn, tenant: str, delivery_id: int) -> Delivery | None:
        """One delivery (None when the tenant has none of that id)."""
        found = await self.deliveries(conn, tenant, state=None, after=delivery_id - 1, limit=1)
        return found[0] if found and found[0].id == delivery_id else None

    async def dead_letters(
        self,
        conn: Conn,
        tenant: str,
        *,
        endpoint_id: str | None = None,
        after: int | None = None,
        limit: int = 50,
    ) -> list[Delivery]:
        """Deliveries that gave up, each with how many later ones of its key it holds back."""
        return await self.deliveries(
            conn, tenant, endpoint_id=endpoint_id, state="dead", after=after, limit=limit
        )

    async def attempts(self, conn: Conn, tenant: str, delivery_id: int) -> list[Attempt]:
        rows = await conn.fetch(
            f"""SELECT a.attempt, a.at, a.status, a.latency_ms, a.error
                FROM {self.schema}.webhook_attempts a
                JOIN {self.schema}.webhook_deliveries d ON d.id = a.delivery_id
                WHERE d.tenant = $1 AND d.id = $2 ORDER BY a.id""",
            tenant,
            delivery_id,
        )
        return [Attempt(**dict(r)) for r in rows]

    async def recent_attempts(
        self, conn: Conn, tenant: str, endpoint_id: str, *, limit: int = 20
    ) -> list[EndpointAttempt]:
        """An endpoint's latest attempts, newest first: status and latency, never a body."""
        rows = await conn.fetch(
            f"""SELECT a.delivery_id, d.webhook_id, d.event_type, d.ordering_key, a.attempt,
                       a.at, a.status, a.latency_ms, a.error
                FROM {self.schema}.webhook_attempts a
                JOIN {self.schema}.webhook_deliveries d ON d.id = a.delivery_id
                WHERE d.tenant = $1 AND d.endpoint_id = $2
                ORDER BY a.id DESC LIMIT $3""",
            tenant,
            endpoint_id,
            limit,
        )
        return [EndpointAttempt(**dict(r)) for r in rows]

    async def redeliver(self, conn: Conn, tenant: str, delivery_id: int) -> bool:
        """Try a dead letter again now, with a fresh retry horizon and the same webhook-id.

        An open breaker lets it through at once, as the probe: an admin who asks for an
        attempt gets one.
        """
        now = self.clock.now()
        async with conn.transaction():
            endpoint = await conn.fetchval(
                f"""UPDATE {self.schema}.webhook_deliveries
                    SET state = 'pending', next_attempt_at = $3, retrying_since = NULL,
                        tries = 0, settled_at = NULL, lease = NULL, lease_until = NULL
                    WHERE tenant = $1 AND id = $2 AND state = 'dead'
                    RETURNING endpoint_id""",
                tenant,
                delivery_id,
                now,
            )
            if endpoint is None:
                return False
            await conn.execute(
                f"""UPDATE {self.schema}.webhook_endpoints SET circuit_open_until = $2
                    WHERE id = $1 AND circuit_open_until > $2""",
                endpoint,
                now,
            )
            await conn.execute("SELECT pg_notify($1, '')", self.channel)
        return True

    async def skip(self, conn: Conn, tenant: str, delivery_id: int) -> bool:
        """Give up on a dead letter for good: the later deliveries of its key go out."""
        done = await conn.execute(
            f"""UPDATE {self.schema}.webhook_deliveries SET state = 'skipped', settled_at = $3
                WHERE tenant = $1 AND id = $2 AND state = 'dead'""",
            tenant,
            delivery_id,
            self.clock.now(),
        )
        if done.endswith(" 1"):
            await conn.execute("SELECT pg_notify($1, '')", self.channel)
            return True
        return False

    async def notices(
        self, conn: Conn, tenant: str, *, after: int | None = None, limit: int = 50
    ) -> list[Notice]:
        rows = await conn.fetch(
            f"""SELECT * FROM {self.schema}.webhook_notices
                WHERE tenant = $1 AND id > $2 ORDER BY id LIMIT $3""",
            tenant,
            after or 0,
            limit,
        )
        return [Notice(**dict(r)) for r in rows]

    async def current_notices(self, conn: Conn, tenant: str) -> list[Notice]:
        """The latest notice of each endpoint still disabled: what admins must act on. An
        endpoint enabled again (or removed) has no current notice."""
        rows = await conn.fetch(
            f"""SELECT DISTINCT ON (n.endpoint_id) n.*
                FROM {self.schema}.webhook_notices n
                JOIN {self.schema}.webhook_endpoints e ON e.id = n.endpoint_id
                WHERE n.tenant = $1 AND e.tenant = $1 AND NOT e.enabled
                ORDER BY n.endpoint_id, n.id DESC""",
            tenant,
        )
        return sorted((Notice(**dict(r)) for r in rows), key=lambda n: n.id)


def _delivery(row: asyncpg.Record) -> Delivery:
    return Delivery(
        id=row["id"],
        webhook_id=row["webhook_id"],
        endpoint_id=row["endpoint_id"],
        owner=row["owner"],
        ordering_key=row["ordering_key"],
        sequence=row["sequence"],
        event_type=row["event_type"],
        state=row["state"],
        attempts=row["attempts"],
        created_at=row["created_at"],
        next_attempt_at=row["next_attempt_at"],
        last_status=row["last_status"],
        last_error=row["last_error"],
        settled_at=row["settled_at"],
        held_back=row["held_back"],
    )
