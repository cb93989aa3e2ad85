"""Reads of the referral views: the queue, a referral, the partner's list, the directory."""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime
from functools import partial
from typing import Any

from redress.events.store import Conn
from redress.kit import cursor
from redress.kit.cursor import Page

POSITION = r"[0-9]{1,18}"
REFERRAL_ID = f"referral-{cursor.UUID}"
# Rows as JSON, the emergency contacts (kept as JSON text) parsed.
jsonable = partial(cursor.jsonable, decode=("emergency",))


def _after(after: str | None) -> tuple[datetime, int] | None:
    if not after:
        return None
    moment, position = cursor.moment_of(after, POSITION)
    return moment, int(position)


@dataclass(frozen=True)
class QueueFilter:
    status: str | None = None
    """A partner's part in this status (`awaiting_consent`, `sent`, ...)."""
    overdue: bool | None = None
    case_id: str | None = None


# Per referral, what its partners' parts say at a glance: the queue's referral column.
_SUMMARY = """coalesce((SELECT jsonb_agg(jsonb_build_object('partner_id', a.partner_id,
    'partner_name', a.partner_name, 'status', a.status, 'consent', a.consent,
    'overdue', a.overdue, 'acknowledge_by', a.acknowledge_by) ORDER BY a.partner_id)
    FROM referral.addressees a
    WHERE a.referral_id = r.referral_id), '[]'::jsonb) AS partners"""


async def queue(conn: Conn, tenant: str, f: QueueFilter, after: str | None, limit: int) -> Page:
    """The tenant's referrals, oldest first, each with its partners' states."""
    args: list[Any] = [tenant]

    def param(value: Any) -> str:
        args.append(value)
        return f"${len(args)}"

    where = ["r.tenant = $1"]
    if f.case_id is not None:
        where.append(f"r.case_id = {param(f.case_id)}")
    if f.status is not None:
        where.append("EXISTS (SELECT 1 FROM referral.addressees a WHERE a.referral_id = "
                     f"r.referral_id AND a.status = {param(f.status)})")  # fmt: skip
    if f.overdue is not None:
        late = ("EXISTS (SELECT 1 FROM referral.addressees a WHERE a.referral_id = r.referral_id "
                "AND a.overdue AND a.status = 'sent')")  # fmt: skip
        where.append(late if f.overdue else f"NOT {late}")
    if position := _after(after):
        where.append(f"(r.opened_at, r.opened_position) > ({param(position[0])}, "
                     f"{param(position[1])})")  # fmt: skip
    rows = await conn.fetch(
        f"SELECT r.*, {_SUMMARY} FROM referral.referrals r WHERE {' AND '.join(where)} "
        f"ORDER BY r.opened_at, r.opened_position LIMIT {param(limit + 1)}",
        *args,
    )
    return Page.of(
        rows, limit, cursor.by_moment("opened_at", "opened_position"),
        lambda r: jsonable(r, ("opened_position",)) | {"partners": json.loads(r["partners"])},
    )  # fmt: skip


async def referral(conn: Conn, tenant: str, referral_id: str) -> dict[str, Any] | None:
    row = await conn.fetchrow(
        "SELECT * FROM referral.referrals WHERE referral_id = $1 AND tenant = $2",
        referral_id, tenant,
    )  # fmt: skip
    if row is None:
        return None
    parts = await conn.fetch(
        "SELECT * FROM referral.addressees WHERE referral_id = $1 ORDER BY partner_id",
        referral_id,
    )
    return jsonable(row, ("opened_position",)) | {
        "partners": [jsonable(p, ("tenant", "referral_id", "sent_position")) for p in parts]
    }


async def timeline(conn: Conn, referral_id: str) -> list[dict[str, Any]]:
    rows = await conn.fetch(
        "SELECT type, actor, actor_id, details, time FROM referral.timeline "
        "WHERE referral_id = $1 ORDER BY position",
        referral_id,
    )
    return [jsonable(r) | {"details": json.loads(r["details"])} for r in rows]


async def disclosures(conn: Conn, referral_id: str) -> list[dict[str, Any]]:
    rows = await conn.fetch(
        "SELECT partner_id, reader, fields, time FROM referral.disclosures "
        "WHERE referral_id = $1 ORDER BY position",
        referral_id,
    )
    return [jsonable(r) for r in rows]


async def sent_to_partner(
    conn: Conn, tenant: str, partner_id: str, after: str | None, limit: int
) -> Page:
    """The referrals sent to a partner, in the order they were sent."""
    args: list[Any] = [tenant, partner_id, limit + 1]
    where = "a.tenant = $1 AND a.partner_id = $2 AND a.sent_at IS NOT NULL"
    if position := _after(after):
        args += [position[0], position[1]]
        where += " AND (a.sent_at, a.sent_position) > ($4, $5)"
    rows = await conn.fetch(
        f"""SELECT a.referral_id, a.status, a.services, a.acknowledge_by, a.overdue, a.sent_at,
                   a.sent_position, r.country, r.language
            FROM referral.addressees a JOIN referral.referrals r USING (referral_id)
            WHERE {where} ORDER BY a.sent_at, a.sent_position LIMIT $3""",
        *args,
    )
    after_row = cursor.by_moment("sent_at", "sent_position")
    return Page.of(rows, limit, after_row, lambda r: jsonable(r, ("sent_position",)))


async def sealed_personal(conn: Conn, grievance_id: str) -> str | None:
    value: str | None = await conn.fetchval(
        "SELECT sealed FROM referral.grievance_data WHERE grievance_id = $1", grievance_id
    )
    return value


async def partners(conn: Conn, tenant: str) -> list[dict[str, Any]]:
    rows = await conn.fetch(
        "SELECT * FROM referral.partners WHERE tenant = $1 ORDER BY name, partner_id", tenant
    )
    return [jsonable(r, ("tenant",)) for r in rows]


async def endpoints(conn: Conn, tenant: str, partner_id: str) -> list[dict[str, Any]]:
    rows = await conn.fetch(
        "SELECT endpoint_id, url, secrets FROM referral.endpoints WHERE tenant = $1 "
        "AND partner_id = $2 ORDER BY endpoint_id",
        tenant, partner_id,
    )  # fmt: skip
    return [
        {"endpoint_id": r["endpoint_id"], "url": r["url"],
         "secrets": [{"until": s["until"]} for s in json.loads(r["secrets"])]}
        for r in rows
    ]  # fmt: skip
