"""Claiming due deliveries: heads of their keys only, a lease each, a probe per tripped breaker.

A delivery is claimed when it is due, its endpoint is enabled and its breaker not open, and
no earlier delivery of its key to its endpoint is pending or dead (so order per key holds,
and a dead letter holds its key back). Rows are locked with SKIP LOCKED and leased, so any
number of workers share the work and a worker that dies leaves its claims to the next one
once their lease runs out. The HTTP request runs outside any transaction.
"""

from __future__ import annotations

import uuid
from collections import Counter
from dataclasses import dataclass
from datetime import datetime, timedelta

import asyncpg

from redress.events.store import Conn
from redress.kit.webhooks.secrets import SecretBox, secret_context

_CANDIDATES = """
WITH candidates AS (
    SELECT d.id, d.endpoint_id, d.next_attempt_at
    FROM {s}.webhook_deliveries d
    JOIN {s}.webhook_endpoints e ON e.id = d.endpoint_id
    WHERE d.state = 'pending' AND d.next_attempt_at <= $1
      AND (d.lease_until IS NULL OR d.lease_until <= $1)
      AND e.enabled AND (e.circuit_open_until IS NULL OR e.circuit_open_until <= $1)
      AND NOT EXISTS (
          SELECT 1 FROM {s}.webhook_deliveries p
          WHERE p.endpoint_id = d.endpoint_id AND p.ordering_key = d.ordering_key
            AND p.sequence < d.sequence AND p.state IN ('pending', 'dead'))
    ORDER BY d.next_attempt_at, d.id
    LIMIT $2
), ranked AS (
    SELECT id, row_number() OVER (PARTITION BY endpoint_id ORDER BY next_attempt_at, id) AS rank
    FROM candidates
)
SELECT d.id, d.endpoint_id, d.tenant, d.webhook_id, d.body, d.attempts, d.tries,
       d.retrying_since,
       e.url, e.owner, e.circuit_trips
FROM {s}.webhook_deliveries d
JOIN {s}.webhook_endpoints e ON e.id = d.endpoint_id
WHERE d.id IN (SELECT id FROM ranked WHERE rank <= $3)
  AND d.state = 'pending' AND (d.lease_until IS NULL OR d.lease_until <= $1)
ORDER BY d.next_attempt_at, d.id
FOR UPDATE OF d SKIP LOCKED
"""


@dataclass(frozen=True)
class Claim:
    """One delivery leased to this worker for one attempt."""

    id: int
    lease: uuid.UUID
    endpoint_id: str
    tenant: str
    owner: str
    url: str
    webhook_id: str
    body: str
    attempts: int  # before this one
    tries: int  # before this one, since the retry horizon began (redelivery starts it anew)
    retrying_since: datetime
    probe: bool  # the one attempt a half-open breaker lets through
    secrets: tuple[str, ...]


async def claim(
    conn: Conn,
    schema: str,
    box: SecretBox,
    now: datetime,
    *,
    room: int,
    per_endpoint: int,
    busy: Counter[str],
    lease: timedelta,
) -> list[Claim]:
    """Lease up to `room` due deliveries, at most `per_endpoint` in flight per endpoint."""
    if room <= 0:
        return []
    async with conn.transaction():
        rows = await conn.fetch(_CANDIDATES.format(s=schema), now, max(room * 4, 64), per_endpoint)
        kept: list[asyncpg.Record] = []
        probing: set[str] = set()
        taken: Counter[str] = Counter()
        for row in rows:
            endpoint = row["endpoint_id"]
            if len(kept) >= room or busy[endpoint] + taken[endpoint] >= per_endpoint:
                continue
            if row["circuit_trips"] > 0:
                if endpoint in probing or busy[endpoint]:
                    continue  # a half-open breaker lets one attempt through
                probing.add(endpoint)
            taken[endpoint] += 1
            kept.append(row)
        if probing:
            # Only one worker wins each probe: the others find the breaker open again.
            won = await conn.fetch(
                f"""UPDATE {schema}.webhook_endpoints SET circuit_open_until = $3
                    WHERE id = ANY($1::text[]) AND circuit_trips > 0
                      AND (circuit_open_until IS NULL OR circuit_open_until <= $2)
                    RETURNING id""",
                list(probing),
                now,
                now + lease,
            )
            lost = probing - {r["id"] for r in won}
            kept = [r for r in kept if r["endpoint_id"] not in lost]
        if not kept:
            return []
        token = uuid.uuid4()
        await conn.execute(
            f"""UPDATE {schema}.webhook_deliveries
                SET lease = $2, lease_until = $3, retrying_since = COALESCE(retrying_since, $4)
                WHERE id = ANY($1::bigint[])""",
            [r["id"] for r in kept],
            token,
            now + lease,
            now,
        )
        secrets = await open_secrets(conn, schema, box, {r["endpoint_id"] for r in kept}, now)
    return [
        Claim(
            id=r["id"],
            lease=token,
            endpoint_id=r["endpoint_id"],
            tenant=r["tenant"],
            owner=r["owner"],
            url=r["url"],
            webhook_id=r["webhook_id"],
            body=r["body"],
            attempts=r["attempts"],
            tries=r["tries"],
            retrying_since=r["retrying_since"] or now,
            probe=r["circuit_trips"] > 0,
            secrets=tuple(secrets.get(r["endpoint_id"], ())),
        )
        for r in kept
    ]


async def open_secrets(
    conn: Conn, schema: str, box: SecretBox, endpoints: set[str], now: datetime
) -> dict[str, list[str]]:
    """The secrets that sign now for each endpoint, newest first."""
    found: dict[str, list[str]] = {}
    for r in await conn.fetch(
        f"""SELECT id, endpoint_id, sealed FROM {schema}.webhook_secrets
            WHERE endpoint_id = ANY($1::text[]) AND valid_from <= $2
              AND (valid_until IS NULL OR valid_until > $2)
            ORDER BY valid_from DESC, id""",
        list(endpoints),
        now,
    ):
        context = secret_context(r["endpoint_id"], r["id"])
        found.setdefault(r["endpoint_id"], []).append(box.open(r["sealed"], context))
    return found
