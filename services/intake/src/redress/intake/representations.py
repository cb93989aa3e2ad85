"""Read model of representatives beside workers, in the `intake` schema.

What a representative's list of grievances reads, and the requests a worker's status page
asks them to answer. A withdrawal or an erasure drops what is still asked: the worker is not
asked any more.
"""

from __future__ import annotations

from typing import Any

from redress.events.catalogue.grievance import PersonalDataErased, WithdrawalRequested
from redress.events.catalogue.representation import (
    RepresentationAnswered,
    RepresentationRequested,
    RepresentativeRecorded,
)
from redress.events.envelope import Event
from redress.events.projection import Projection, columns, of_kind, rounds
from redress.events.store import Conn


class Representations(Projection):
    name = "representations"
    schema = "intake"
    stream_types = ("grievance",)
    handles = (RepresentationRequested, RepresentationAnswered, RepresentativeRecorded,
               WithdrawalRequested, PersonalDataErased)  # fmt: skip
    tables = ("representations",)

    async def apply(self, conn: Conn, event: Event) -> None:
        await self.apply_batch(conn, [event])

    async def apply_batch(self, conn: Conn, events: list[Event]) -> None:
        """In rounds, one event per grievance, a statement per round."""
        # An answer that allows changes nothing: the request stands until recorded.
        allowing = {e.id for e, a in of_kind(events, RepresentationAnswered) if a.allowed}
        changes = [e for e in events if e.id not in allowing]
        for taken in rounds(changes, _grievance_of):
            match taken[0].data:
                case RepresentationRequested():
                    await conn.execute(
                        """INSERT INTO representations
                           SELECT v.g, v.tenant, v.org, NULL, v.asked_at
                           FROM unnest($1::text[], $2::text[], $3::text[], $4::timestamptz[])
                                AS v(g, tenant, org, asked_at)
                           ON CONFLICT DO NOTHING""",
                        *columns((r.grievance_id, e.tenant, r.org, e.time)
                                 for e, r in of_kind(taken, RepresentationRequested)),
                    )  # fmt: skip
                case RepresentationAnswered():
                    await conn.execute(
                        """DELETE FROM representations r USING unnest($1::text[], $2::text[])
                               AS v(g, org)
                           WHERE r.grievance_id = v.g AND r.org = v.org AND r.capacity IS NULL""",
                        *columns((a.grievance_id, a.org)
                                 for _, a in of_kind(taken, RepresentationAnswered)),
                    )  # fmt: skip
                case RepresentativeRecorded():
                    await conn.execute(
                        """INSERT INTO representations SELECT * FROM unnest($1::text[],
                               $2::text[], $3::text[], $4::text[], $5::timestamptz[])
                           ON CONFLICT (grievance_id, org)
                           DO UPDATE SET capacity = excluded.capacity""",
                        *columns((r.grievance_id, e.tenant, r.org, r.capacity.value, e.time)
                                 for e, r in of_kind(taken, RepresentativeRecorded)),
                    )  # fmt: skip
                case WithdrawalRequested() | PersonalDataErased():
                    await conn.execute(
                        """DELETE FROM representations
                           WHERE grievance_id = ANY($1::text[]) AND capacity IS NULL""",
                        [_grievance_of(e) for e in taken],
                    )


def _grievance_of(event: Event) -> str:
    grievance_id: str = getattr(event.data, "grievance_id")  # noqa: B009 - all it reads have one
    return grievance_id


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
