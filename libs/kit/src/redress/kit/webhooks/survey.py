"""How the outbox's deliveries stand, for `/health` and `/metrics`: deliveries held up by an
endpoint that fails or is disabled, and those that gave up and wait for an operator.

A partner whose endpoint does not answer is outside the platform, yet a referral that does
not reach it is delivery that has stopped for the worker it concerns: `/health` says so
(degraded, never 503, which means the platform's own delivery). Counts only, across
tenants: who the partners are is no business of a probe.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from redress.events.store import Conn

_SURVEY = """
WITH held AS (
    SELECT d.endpoint_id, e.enabled, d.created_at
    FROM {s}.webhook_deliveries d
    JOIN {s}.webhook_endpoints e ON e.id = d.endpoint_id
    WHERE d.state = 'pending' AND (NOT e.enabled OR e.failures > 0)
)
SELECT
    (SELECT count(DISTINCT endpoint_id) FROM held WHERE enabled) AS failing,
    (SELECT count(DISTINCT endpoint_id) FROM held WHERE NOT enabled) AS disabled,
    (SELECT count(*) FROM held) AS held,
    (SELECT min(created_at) FROM held) AS oldest,
    (SELECT count(*) FROM {s}.webhook_deliveries WHERE state = 'dead') AS dead
"""


@dataclass(frozen=True)
class Survey:
    """`failing`: enabled endpoints whose last attempt failed and that have deliveries
    waiting; `disabled`: disabled endpoints with deliveries waiting; `held`: those
    deliveries, the `oldest` created then; `dead`: deliveries that gave up."""

    failing: int = 0
    disabled: int = 0
    held: int = 0
    oldest: datetime | None = None
    dead: int = 0

    def problem(self, now: datetime) -> str | None:
        """What an operator should hear, or None when every delivery flows."""
        parts = []
        if self.held:
            endpoints = [
                _many(n, f"{kind} endpoint")
                for n, kind in ((self.failing, "failing"), (self.disabled, "disabled"))
                if n
            ]
            oldest = "" if self.oldest is None else f", the oldest for {_age(now - self.oldest)}"
            parts.append(
                f"{_many(self.held, 'delivery')} waiting on {' and '.join(endpoints)}{oldest}"
            )
        if self.dead:
            parts.append(
                f"{_many(self.dead, 'delivery')} given up, waiting for an operator to redeliver "
                "or skip"
            )
        return "; ".join(parts) or None


async def survey(conn: Conn, schema: str) -> Survey:
    row = await conn.fetchrow(_SURVEY.format(s=schema))
    assert row is not None
    return Survey(**dict(row))


def _age(elapsed: timedelta) -> str:
    seconds = max(0, int(elapsed.total_seconds()))
    if seconds < 120:
        return f"{seconds} s"
    if seconds < 7200:
        return f"{seconds // 60} min"
    if seconds < 172800:
        return f"{seconds // 3600} h"
    return f"{seconds // 86400} days"


def _many(n: int, thing: str) -> str:
    plural = thing[:-1] + "ies" if thing.endswith("y") else thing + "s"
    return f"{n} {thing if n == 1 else plural}"
