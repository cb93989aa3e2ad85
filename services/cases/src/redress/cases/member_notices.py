"""What the member console tells a member company first: the cases of its supply chain that
are new to this person, and the plan actions the company owns that are due soon or overdue.

"New" is what was filed after the newest case the person marked as seen (by filing time,
then place in the log, the queue's order). Opening the page marks nothing: a glance must not
hide a case. The mark is kept per person (the token's subject) in `cases.member_seen`.
"""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

from redress.cases import queries as q
from redress.cases.domain import Owner
from redress.events.store import Conn
from redress.kit.errors import Problem

DUE_WITHIN = timedelta(days=14)  # a fortnight: time to act before an action falls due
SHOWN = 20

MEMBER_COLUMNS = q.MEMBER_COLUMNS
_SEEN = "SELECT seen_at, seen_position FROM cases.member_seen WHERE tenant = $1 AND org = $2 AND subject = $3"  # noqa: E501


async def new_cases(
    conn: Conn, tenant: str, org: str, subject: str, limit: int = SHOWN
) -> tuple[list[dict[str, Any]], int, str | None]:
    """The newest cases new to this person (at most `limit`), how many there are in all,
    and the mark that acknowledges those shown (None when there are none)."""
    seen = await conn.fetchrow(_SEEN, tenant, org, subject)
    args: list[Any] = [tenant, org]
    where = "tenant = $1 AND member_org = $2"
    if seen is not None:
        args += [seen["seen_at"], seen["seen_position"]]
        where += " AND (opened_at, opened_position) > ($3, $4)"
    columns = ", ".join(MEMBER_COLUMNS)
    rows = await conn.fetch(
        f"SELECT {columns}, opened_position FROM cases.cases WHERE {where}"
        f" ORDER BY opened_at DESC, opened_position DESC LIMIT {int(limit)}",
        *args,
    )
    count = await conn.fetchval(f"SELECT count(*) FROM cases.cases WHERE {where}", *args)
    mark = q.encode_cursor(rows[0]) if rows else None
    return [{k: r[k] for k in MEMBER_COLUMNS} for r in rows], count, mark


async def mark_seen(conn: Conn, tenant: str, org: str, subject: str, mark: str) -> None:
    """Acknowledge every case of the supply chain filed up to `mark` (the newest shown). A
    mark that names no case of the member's is refused (422), and nothing is written; an
    older mark than the one kept changes nothing."""
    moment, position = q.decode_cursor(mark) or (None, None)
    newest = await conn.fetchrow(
        "SELECT opened_at, opened_position FROM cases.cases WHERE tenant = $1"
        " AND member_org = $2 AND opened_at = $3 AND opened_position = $4",
        tenant, org, moment, position,
    )  # fmt: skip
    if newest is None:
        raise Problem(422, "validation", "that mark names no case of your supply chain")
    await conn.execute(
        "INSERT INTO cases.member_seen (tenant, org, subject, seen_at, seen_position)"
        " VALUES ($1, $2, $3, $4, $5) ON CONFLICT (tenant, org, subject) DO UPDATE"
        " SET seen_at = excluded.seen_at, seen_position = excluded.seen_position,"
        " marked_at = now() WHERE (member_seen.seen_at, member_seen.seen_position)"
        " < (excluded.seen_at, excluded.seen_position)",
        tenant, org, subject, newest["opened_at"], newest["opened_position"],
    )  # fmt: skip


async def due_actions(conn: Conn, tenant: str, org: str, today: date) -> list[dict[str, Any]]:
    """The company's own actions on its open cases, not done nor waived, due within a
    fortnight or overdue; soonest first."""
    rows = await conn.fetch(
        "SELECT a.case_id, a.action_id, a.description, a.remedy, a.due_on, a.progress"
        " FROM cases.actions a JOIN cases.cases c ON c.case_id = a.case_id"
        " WHERE c.tenant = $1 AND c.member_org = $2 AND c.status = 'open' AND a.owner = $3"
        " AND NOT a.done AND a.due_on <= $4 AND NOT EXISTS (SELECT 1 FROM cases.waivers w"
        " WHERE w.case_id = a.case_id AND w.action_id = a.action_id)"
        " ORDER BY a.due_on, a.case_id, a.action_id LIMIT 200",
        tenant, org, Owner.member_company.value, today + DUE_WITHIN,
    )  # fmt: skip
    return [dict(r) | {"overdue": r["due_on"] < today} for r in rows]
