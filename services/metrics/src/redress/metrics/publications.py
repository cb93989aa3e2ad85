"""The publications asked for: each a job that ends in a release or a refusal (ADR 45).

Asking decides at once what the release stream alone decides (a period open or published
already, a correction of a release not in force, a spent budget, the same period being
published now), so that the admin hears it in the answer; what only disclosure control's
work decides is said by the job when it ends.
"""

from __future__ import annotations

import json
import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from redress.events.envelope import Metadata
from redress.events.store import Conn, read_stream_on
from redress.kit.errors import Problem
from redress.metrics.releases.domain import ReleaseRefused, closed_period, publishable
from redress.metrics.releases.handlers import RELEASES, release_stream
from redress.tenancy.handlers import read_tenant

COLUMNS = (
    "id, tenant, period, corrects, release_id, state, step, audited, to_audit, number, "
    "problem, attempts, requested_at, finished_at"
)


@dataclass(frozen=True)
class Job:
    """A publication as its row says it now."""

    id: uuid.UUID
    tenant: str
    period: str
    corrects: str | None
    release_id: str
    state: str
    step: str
    audited: int
    to_audit: int
    number: int | None
    problem: dict[str, Any] | None
    attempts: int
    requested_at: datetime
    finished_at: datetime | None

    @classmethod
    def of(cls, row: Any) -> Job:
        fields = {name: row[name] for name in COLUMNS.split(", ")}
        problem = fields["problem"]
        fields["problem"] = json.loads(problem) if isinstance(problem, str) else problem
        return cls(**fields)

    @property
    def under_way(self) -> bool:
        return self.state in ("queued", "working")


async def ask(
    conn: Conn, metadata: Metadata, period: str, corrects: str | None, now: datetime
) -> Job:
    """Record a job publishing `period` (a correction of `corrects`), or refuse it now with
    what the stream decides already (`ReleaseRefused`, or 409 `being-published`)."""
    tenant = metadata.tenant
    state = await read_tenant(conn, tenant)
    if state.settings is None:
        raise ReleaseRefused("unknown-tenant", f"there is no tenant {tenant!r}")
    label = closed_period(period, now.astimezone(ZoneInfo(state.settings.time_zone)).date())
    stream = release_stream(tenant)
    releases = RELEASES.fold(stream, await read_stream_on(conn, stream))
    publishable(releases, label, corrects)
    # One at a time per period: the second would be refused once computed, a minute later.
    busy = await conn.fetchval(
        """SELECT id FROM metrics.publications
           WHERE tenant = $1 AND period = $2 AND state IN ('queued', 'working') LIMIT 1""",
        tenant,
        label.label,
    )
    if busy is not None:
        raise Problem(
            409, "being-published", f"{label.label} is being published now: see how it goes "
            f"at /v1/figures/publications/{busy}", publication=str(busy),
        )  # fmt: skip
    row = await conn.fetchrow(
        f"""INSERT INTO metrics.publications
            (id, tenant, period, corrects, release_id, metadata, requested_at, heartbeat)
            VALUES ($1, $2, $3, $4, $5, $6::jsonb, $7, now()) RETURNING {COLUMNS}""",
        uuid.uuid4(), tenant, label.label, corrects, str(uuid.uuid4()),
        metadata.model_dump_json(), now,
    )  # fmt: skip
    return Job.of(row)


async def find(conn: Conn, tenant: str, job_id: uuid.UUID) -> Job | None:
    row = await conn.fetchrow(
        f"SELECT {COLUMNS} FROM metrics.publications WHERE tenant = $1 AND id = $2",
        tenant,
        job_id,
    )
    return None if row is None else Job.of(row)


def unknown(kept_days: float) -> str:
    """Why a publication is not found, said plainly: an admin following an old link learns
    that it was deleted, not that the address is wrong."""
    return (
        "there is no such publication of this initiative: it was never asked for, or it ended"
        f" more than {kept_days:g} days ago and was deleted (its release stays)"
    )


async def latest(conn: Conn, tenant: str, limit: int = 10) -> list[Job]:
    """The tenant's latest jobs, newest first."""
    rows = await conn.fetch(
        f"""SELECT {COLUMNS} FROM metrics.publications WHERE tenant = $1
            ORDER BY requested_at DESC LIMIT $2""",
        tenant,
        limit,
    )
    return [Job.of(r) for r in rows]


async def forget_ended(conn: Conn, kept: timedelta) -> int:
    """Delete the jobs that ended longer than `kept` ago; how many went. A job under way is
    kept however old it is: a process is working on it, or one will take it up."""
    done = await conn.execute(
        """DELETE FROM metrics.publications WHERE state IN ('published', 'refused', 'failed')
           AND finished_at < now() - $1::interval""",
        kept,
    )
    return int(done.split()[-1])
