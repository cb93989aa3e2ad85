"""Read model of the remedy delivered: what reached the workers, what was waived and why,
what the worker said of it, and the attestation on the worker's right to go to court."""

from __future__ import annotations

import json
from typing import Any

import asyncpg

from redress.cases.policies import case_stream
from redress.events.catalogue.grievance_answers import RemedyConfirmed
from redress.events.catalogue.remedy import PlanActionWaived, RemedyDelivered, RightToCourtAttested
from redress.events.envelope import Event
from redress.events.projection import Projection, wait_for_version, write_rows
from redress.events.store import Conn

_REMEDIES = """
INSERT INTO remedies
SELECT v.case_id, v.remedy_id, v.remedy, v.action_id, v.amount, v.currency, v.workers,
    ARRAY(SELECT d::date FROM jsonb_array_elements_text(v.reinstated) WITH ORDINALITY AS r(d, n)
          ORDER BY n),
    v.description, v.delivered_on, v.position, v.time
FROM unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::numeric[], $6::text[],
            $7::int[], $8::jsonb[], $9::text[], $10::date[], $11::bigint[], $12::timestamptz[])
     AS v(case_id, remedy_id, remedy, action_id, amount, currency, workers, reinstated,
          description, delivered_on, position, time)
ON CONFLICT DO NOTHING
"""
_WAIVERS = """
INSERT INTO waivers SELECT * FROM unnest($1::text[], $2::text[], $3::text[], $4::text[],
                                         $5::timestamptz[])
ON CONFLICT DO NOTHING
"""
_ATTESTATIONS = """
INSERT INTO attestations SELECT * FROM unnest($1::text[], $2::bigint[], $3::text[],
                                              $4::timestamptz[])
ON CONFLICT DO NOTHING
"""
# The worker may change their answer: the latest counts.
_CONFIRMATIONS = """
INSERT INTO remedy_confirmations AS c
SELECT * FROM unnest($1::text[], $2::text[], $3::bool[], $4::bigint[], $5::timestamptz[])
ON CONFLICT (case_id, action_id) DO UPDATE SET delivered = excluded.delivered,
    position = excluded.position, time = excluded.time WHERE c.position < excluded.position
"""


class CaseRemedies(Projection):
    name = "remedies"
    schema = "cases"
    stream_types = ("case", "grievance")
    handles = (RemedyDelivered, PlanActionWaived, RightToCourtAttested, RemedyConfirmed)
    tables = ("remedies", "waivers", "remedy_confirmations", "attestations")

    async def apply(self, conn: Conn, event: Event) -> None:
        await self.apply_batch(conn, [event])

    async def apply_batch(self, conn: Conn, events: list[Event]) -> None:
        remedies: list[tuple[Any, ...]] = []
        waivers: list[tuple[Any, ...]] = []
        attestations: list[tuple[Any, ...]] = []
        # Each action's latest answer in the batch: the one that counts of them.
        confirmations: dict[tuple[str, str], tuple[Any, ...]] = {}
        for event in events:
            match event.data:
                case RemedyDelivered() as r:
                    remedies.append((r.case_id, r.remedy_id, r.remedy, r.action_id, r.amount,
                                     r.currency, r.workers_covered,
                                     json.dumps([d.isoformat() for d in r.reinstated_on]),
                                     r.description, r.delivered_on, event.position,
                                     event.time))  # fmt: skip
                case PlanActionWaived() as w:
                    waivers.append((w.case_id, w.action_id, w.reason, event.actor.id, event.time))
                case RightToCourtAttested() as a:
                    attestations.append((a.case_id, event.position, event.actor.id, event.time))
                case RemedyConfirmed() as c:
                    key = (case_stream(c.grievance_id), c.action_id)
                    if key not in confirmations or confirmations[key][3] < event.position:
                        confirmations[key] = (*key, c.delivered, event.position, event.time)
        for sql, rows in ((_REMEDIES, remedies), (_WAIVERS, waivers),
                          (_ATTESTATIONS, attestations),
                          (_CONFIRMATIONS, list(confirmations.values()))):  # fmt: skip
            await write_rows(conn, sql, rows)


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


REMEDIES = CaseRemedies()


async def shows(
    pool: asyncpg.Pool, events: list[Event], case_id: str, version: int, timeout: float
) -> bool:
    """Wait (bounded) until the remedies hold the case as it was at `version`.

    The projection reads only a few of the case's event types, so it knows the case up to the
    last of those: that one's version is the one to wait for (`events`: the case's, from the
    log), not the case's own.
    """
    last = max((e.version for e in events
                if e.version <= version and isinstance(e.data, CaseRemedies.handles)),
               default=0)  # fmt: skip
    return not last or await wait_for_version(pool, REMEDIES, case_id, last, timeout=timeout)
