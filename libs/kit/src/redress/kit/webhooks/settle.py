"""Recording an attempt: the delivery's next state, and the endpoint's breaker and health.

All in one transaction, after the request (never during it). A delivery whose lease was
taken over meanwhile (its worker was presumed dead) keeps the state its new claimant gives
it; the attempt is recorded all the same.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from datetime import datetime, timedelta

from redress.events.store import Conn
from redress.kit.webhooks.claims import Claim
from redress.kit.webhooks.model import GivenUp, Notice
from redress.kit.webhooks.policy import BreakerPolicy, RetryPolicy
from redress.kit.webhooks.sender import Outcome

DISABLED = "endpoint-disabled"


async def settle(
    conn: Conn,
    schema: str,
    c: Claim,
    outcome: Outcome,
    now: datetime,
    retry: RetryPolicy,
    breaker: BreakerPolicy,
    on_notice: Callable[[Conn, Notice], Awaitable[None]] | None = None,
    on_given_up: Callable[[Conn, GivenUp], Awaitable[None]] | None = None,
) -> Notice | None:
    """Record `outcome` of the attempt `c`; the notice written if the endpoint was disabled.
    `on_notice` and `on_given_up` run in the same transaction."""
    if outcome.delivered:
        await _delivered(conn, schema, c, outcome, now)
        return None
    async with conn.transaction():
        await conn.execute(
            f"""INSERT INTO {schema}.webhook_attempts
                    (delivery_id, attempt, at, status, latency_ms, error)
                VALUES ($1, $2, $3, $4, $5, $6)""",
            c.id,
            c.attempts + 1,
            now,
            outcome.status,
            outcome.latency_ms,
            outcome.error,
        )
        dead = await _failed(conn, schema, c, outcome, now, retry)
        notice = await _endpoint_failed(conn, schema, c, outcome, now, breaker, on_notice)
        if dead and on_given_up is not None:
            given_up = GivenUp(c.id, c.tenant, c.endpoint_id, c.owner, c.webhook_id,
                               c.attempts + 1, now)  # fmt: skip
            await on_given_up(conn, given_up)
        return notice


async def _delivered(conn: Conn, schema: str, c: Claim, outcome: Outcome, now: datetime) -> None:
    """One statement (the common case, kept to one round trip): the attempt, the delivery,
    and the endpoint's breaker reset if it had failures (a healthy one is not even locked)."""
    tripped = await conn.fetchval(
        f"""WITH attempt AS (
                INSERT INTO {schema}.webhook_attempts
                    (delivery_id, attempt, at, status, latency_ms)
                VALUES ($1, $3, $4, $5, $6)
            ), delivery AS (
                UPDATE {schema}.webhook_deliveries
                SET state = 'delivered', attempts = attempts + 1, tries = tries + 1,
                    settled_at = $4,
                    last_status = $5, last_error = NULL, lease = NULL, lease_until = NULL
                WHERE id = $1 AND lease = $2 AND state = 'pending'
            ), healed AS (
                UPDATE {schema}.webhook_endpoints
                SET failures = 0, failing_since = NULL, circuit_trips = 0,
                    circuit_open_until = NULL
                WHERE id = $7 AND (failures > 0 OR circuit_trips > 0)
                -- A sub-select sees the row as the statement found it: was it tripped?
                RETURNING (SELECT o.circuit_trips > 0 FROM {schema}.webhook_endpoints o
                           WHERE o.id = $7) AS tripped
            )
            SELECT COALESCE((SELECT tripped FROM healed), false)""",
        c.id,
        c.lease,
        c.attempts + 1,
        now,
        outcome.status,
        outcome.latency_ms,
        c.endpoint_id,
    )
    if tripped:
        # The endpoint is back: what waited for it is due now, not at its backed-off time.
        await conn.execute(
            f"""UPDATE {schema}.webhook_deliveries SET next_attempt_at = $2
                WHERE endpoint_id = $1 AND state = 'pending' AND next_attempt_at > $2""",
            c.endpoint_id,
            now,
        )
        await conn.execute("SELECT pg_notify($1, '')", f"{schema}_webhooks")


async def _failed(
    conn: Conn, schema: str, c: Claim, outcome: Outcome, now: datetime, retry: RetryPolicy
) -> bool:
    """Whether the delivery was given up (it is dead now, at the end of its horizon)."""
    if now - c.retrying_since >= retry.horizon:
        state, due = "dead", now
    else:
        wait = retry.delay(c.tries + 1)
        if outcome.retry_after is not None:
            wait = max(wait, min(timedelta(seconds=outcome.retry_after), retry.cap))
        state, due = "pending", now + wait
    done = await conn.execute(
        f"""UPDATE {schema}.webhook_deliveries
            SET state = $3, attempts = attempts + 1, tries = tries + 1, next_attempt_at = $4,
                settled_at = CASE WHEN $3 = 'dead' THEN $5::timestamptz END,
                last_status = $6, last_error = $7, lease = NULL, lease_until = NULL
            WHERE id = $1 AND lease = $2 AND state = 'pending'""",
        c.id,
        c.lease,
        state,
        due,
        now,
        outcome.status,
        outcome.error,
    )
    # Not when the lease was taken over meanwhile: its new claimant settles it.
    return state == "dead" and done.endswith(" 1")


async def _endpoint_failed(
    conn: Conn,
    schema: str,
    c: Claim,
    outcome: Outcome,
    now: datetime,
    breaker: BreakerPolicy,
    on_notice: Callable[[Conn, Notice], Awaitable[None]] | None,
) -> Notice | None:
    row = await conn.fetchrow(
        f"""SELECT tenant, owner, enabled, failures, failing_since, circuit_trips,
                   circuit_open_until
            FROM {schema}.webhook_endpoints WHERE id = $1 FOR UPDATE""",
        c.endpoint_id,
    )
    if row is None:  # removed meanwhile
        return None
    failures = row["failures"] + 1
    failing_since = row["failing_since"] or now
    trips, open_until = row["circuit_trips"], row["circuit_open_until"]
    if c.probe:
        trips += 1
        open_until = now + breaker.open_for(trips)
    elif trips == 0 and failures >= breaker.threshold:
        trips = 1
        open_until = now + breaker.open_for(trips)
    await conn.execute(
        f"""UPDATE {schema}.webhook_endpoints
            SET failures = $2, failing_since = $3, circuit_trips = $4, circuit_open_until = $5
            WHERE id = $1""",
        c.endpoint_id,
        failures,
        failing_since,
        trips,
        open_until,
    )
    if not row["enabled"]:
        return None
    if outcome.gone:
        reason = "the endpoint answered 410 Gone: it wants no more webhooks"
    elif now - failing_since >= breaker.disable_after:
        reason = (
            f"no attempt succeeded since {failing_since.isoformat(timespec='seconds')}"
            f" ({failures} failed in a row; the last: {outcome.error})"
        )
    else:
        return None
    await conn.execute(
        f"""UPDATE {schema}.webhook_endpoints SET enabled = false, disabled_reason = $2
            WHERE id = $1""",
        c.endpoint_id,
        reason,
    )
    notice_row = await conn.fetchrow(
        f"""INSERT INTO {schema}.webhook_notices (tenant, endpoint_id, owner, kind, detail, at)
            VALUES ($1, $2, $3, $4, $5, $6) RETURNING *""",
        row["tenant"],
        c.endpoint_id,
        row["owner"],
        DISABLED,
        reason,
        now,
    )
    assert notice_row is not None
    notice = Notice(**dict(notice_row))
    if on_notice is not None:
        await on_notice(conn, notice)
    return notice
