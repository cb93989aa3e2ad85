"""Read model of the remedy delivered: what reached the workers, what was waived and why,
what the worker said of it, and the attestation on the worker's right to go to court."""

from __future__ import annotations

from typing import Any

from redress.cases.policies import case_stream
from redress.events.catalogue.grievance import RemedyConfirmed
from redress.events.catalogue.remedy import PlanActionWaived, RemedyDelivered, RightToCourtAttested
from redress.events.envelope import Event
from redress.events.projection import Projection
from redress.events.store import Conn


class CaseRemedies(Projection):
    name = "remedies"
    schema = "cases"
    stream_types = ("case", "grievance")
    handles = (RemedyDelivered, PlanActionWaived, RightToCourtAttested, RemedyConfirmed)
    tables = ("remedies", "waivers", "remedy_confirmations", "attestations")

    async def apply(self, conn: Conn, event: Event) -> None:
        match event.data:
            case RemedyDelivered() as r:
                await conn.execute(
                    "INSERT INTO remedies VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11,"
                    " $12) ON CONFLICT DO NOTHING",
                    r.case_id, r.remedy_id, r.remedy, r.action_id, r.amount, r.currency,
                    r.workers_covered, list(r.reinstated_on), r.description, r.delivered_on,
                    event.position, event.time,
                )  # fmt: skip
            case PlanActionWaived() as w:
                await conn.execute(
                    "INSERT INTO waivers VALUES ($1, $2, $3, $4, $5) ON CONFLICT DO NOTHING",
                    w.case_id, w.action_id, w.reason, event.actor.id, event.time,
                )  # fmt: skip
            case RightToCourtAttested() as a:
                await conn.execute(
                    "INSERT INTO attestations VALUES ($1, $2, $3, $4) ON CONFLICT DO NOTHING",
                    a.case_id, event.position, event.actor.id, event.time,
                )  # fmt: skip
            case RemedyConfirmed() as c:
                # The worker may change their answer: the latest counts.
                await conn.execute(
                    "INSERT INTO remedy_confirmations VALUES ($1, $2, $3, $4, $5)"
                    " ON CONFLICT (case_id, action_id) DO UPDATE SET delivered = $3,"
                    " position = $4, time = $5 WHERE remedy_confirmations.position < $4",
                    case_stream(c.grievance_id), c.action_id, c.delivered, event.position,
                    event.time,
                )  # fmt: skip


def _plain(row: Any) -> dict[str, Any]:
    out = dict(row)
    for k, v in out.items():
        if hasattr(v, "isoformat"):
            out[k] = v.isoformat()
        elif isinstance(v, list):
            out[k] = [x.isoformat() if hasattr(x, "isoformat") else x for x in v]
    if out.get("amount") is not None:
        out["amount"] = str(out["amount"])
    return out


async def delivered(conn: Conn, case_id: str) -> dict[str, Any]:
    """The case's remedies, each with the worker's word on its action; the waived actions;
    and when the right to go to court was last attested."""
    remedies = await conn.fetch(
        """SELECT r.remedy_id, r.remedy, r.action_id, r.amount, r.currency, r.workers_covered,
                  r.reinstated_on, r.description, r.delivered_on,
                  c.delivered AS worker_confirmed
           FROM cases.remedies r
           LEFT JOIN cases.remedy_confirmations c USING (case_id, action_id)
           WHERE r.case_id = $1 ORDER BY r.position""",
        case_id,
    )
    waived = await conn.fetch(
        "SELECT action_id, reason, actor_id, time FROM cases.waivers WHERE case_id = $1"
        " ORDER BY time, action_id",
        case_id,
    )
    attested = await conn.fetchval(
        "SELECT max(time) FROM cases.attestations WHERE case_id = $1", case_id
    )
    return {
        "remedies": [_plain(r) for r in remedies],
        "waived": [_plain(w) for w in waived],
        "right_to_court_attested_at": attested.isoformat() if attested else None,
    }
