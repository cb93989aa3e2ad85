"""Read model of representatives beside workers, in the `intake` schema.

What a representative's list of grievances reads, and the requests a worker's status page
asks them to answer. A withdrawal or an erasure drops what is still asked: the worker is not
asked any more.
"""

from __future__ import annotations

from typing import Any

from redress.events.catalogue.grievance import (
    PersonalDataErased,
    RepresentationAnswered,
    RepresentationRequested,
    RepresentativeRecorded,
    WithdrawalRequested,
)
from redress.events.envelope import Event
from redress.events.projection import Projection
from redress.events.store import Conn


class Representations(Projection):
    name = "representations"
    schema = "intake"
    stream_types = ("grievance",)
    handles = (RepresentationRequested, RepresentationAnswered, RepresentativeRecorded,
               WithdrawalRequested, PersonalDataErased)  # fmt: skip
    tables = ("representations",)

    async def apply(self, conn: Conn, event: Event) -> None:
        match event.data:
            case RepresentationRequested(grievance_id=gid, org=org):
                await conn.execute(
                    """INSERT INTO representations VALUES ($1, $2, $3, NULL, $4)
                       ON CONFLICT DO NOTHING""",
                    gid, event.tenant, org, event.time,
                )  # fmt: skip
            case RepresentationAnswered(grievance_id=gid, org=org, allowed=False):
                await conn.execute(
                    """DELETE FROM representations
                       WHERE grievance_id = $1 AND org = $2 AND capacity IS NULL""",
                    gid, org,
                )  # fmt: skip
            case RepresentativeRecorded(grievance_id=gid, org=org, capacity=capacity):
                await conn.execute(
                    """INSERT INTO representations VALUES ($1, $2, $3, $4, $5)
                       ON CONFLICT (grievance_id, org) DO UPDATE SET capacity = $4""",
                    gid, event.tenant, org, capacity.value, event.time,
                )  # fmt: skip
            case WithdrawalRequested(grievance_id=gid) | PersonalDataErased(grievance_id=gid):
                await conn.execute(
                    "DELETE FROM representations WHERE grievance_id = $1 AND capacity IS NULL",
                    gid,
                )


async def asking(conn: Conn, grievance_id: str) -> list[str]:
    """The organisations waiting for the worker's answer, first asked first."""
    rows = await conn.fetch(
        """SELECT org FROM intake.representations
           WHERE grievance_id = $1 AND capacity IS NULL ORDER BY asked_at, org""",
        grievance_id,
    )
    return [r["org"] for r in rows]


async def beside(conn: Conn, grievance_id: str) -> list[dict[str, Any]]:
    """The organisations beside the worker, and how."""
    rows = await conn.fetch(
        """SELECT org, capacity FROM intake.representations
           WHERE grievance_id = $1 AND capacity IS NOT NULL ORDER BY asked_at, org""",
        grievance_id,
    )
    return [dict(r) for r in rows]


async def shown(conn: Conn, grievance_id: str) -> dict[str, Any]:
    """What the worker's status page shows of representatives."""
    return {"asking": await asking(conn, grievance_id), "beside": await beside(conn, grievance_id)}
