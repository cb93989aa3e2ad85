"""Reads of the case views, shared by the JSON API and the officer console.

One place holds the SQL of the queue, the case row, its plan, thread, timeline and the
grievance's personal data, so that both faces of the service answer the same questions the
same way.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from redress.cases import domain as d
from redress.cases.parties import UNSEEN_BY_SUPPLIERS, Party
from redress.events.catalogue.grievance import Sealed
from redress.events.store import Conn
from redress.kit import cursor
from redress.kit.crypto import Keyring
from redress.kit.cursor import Page


@dataclass(frozen=True)
class QueueFilter:
    """What the queue may be narrowed by; `member_org` is set for member companies, `party`
    for a supplier or facilitator (its own cases)."""

    stage: d.Stage | None = None
    severity: d.Severity | None = None
    officer: str | None = None
    overdue: bool | None = None
    member_org: str | None = None
    party: Party | None = None
    # The case of one grievance: a member company finds the case of a report it filed by the
    # grievance id its filing was answered with (within its own supply chain only).
    grievance_id: str | None = None


CASE_ID = f"case-{cursor.UUID}"
GRIEVANCE_ID = f"^{cursor.UUID}$"
# The queue pages by filing time; ties are broken by the case's position in the log.
POSITION = r"[0-9]{1,18}"


# The cursor after a case of the queue.
encode_cursor = cursor.by_moment("opened_at", "opened_position")


def decode_cursor(after: str | None) -> tuple[datetime, int] | None:
    if not after:
        return None
    moment, position = cursor.moment_of(after, POSITION)
    return moment, int(position)


def _late(day: str) -> str:
    """SQL: an open case past its stage's due date, or with an overdue plan action.

    Never NULL (a stage without a due date is not late), so that `NOT` of it keeps a case.
    """
    return (
        f"(status = 'open' AND (deadline_missed OR coalesce(stage_due < {day}, false) OR EXISTS ("
        f"SELECT 1 FROM cases.actions a WHERE a.case_id = cases.case_id "
        f"AND NOT a.done AND a.due_on < {day} AND NOT EXISTS (SELECT 1 FROM cases.waivers w "
        f"WHERE w.case_id = a.case_id AND w.action_id = a.action_id))))"
    )


async def queue(
    conn: Conn,
    tenant: str,
    filters: QueueFilter,
    today: date,
    cursor: str | None = None,
    limit: int = 50,
) -> Page:
    """A page of the tenant's cases, oldest first; each row also carries `overdue`.

    `today` is the tenant's own date (`Cases.today_in`): due dates are days in its time
    zone, and a stage is late once its due day has ended there, as the scheduler says."""
    args: list[Any] = [tenant, today]
    where = ["tenant = $1"]

    def param(value: Any) -> str:
        args.append(value)
        return f"${len(args)}"

    late = _late("$2")
    if filters.member_org is not None:
        where.append(f"member_org = {param(filters.member_org)}")
    if filters.party is not None:
        where.append(reached(param(filters.party.kind.value), param(filters.party.org)))
    if filters.grievance_id is not None:
        where.append(f"grievance_id = {param(filters.grievance_id)}")
    if filters.stage:
        where.append(f"stage = {param(filters.stage.value)}")
    if filters.severity:
        where.append(f"severity = {param(filters.severity.value)}")
    if filters.officer:
        where.append(f"officer = {param(filters.officer)}")
    if filters.overdue is not None:
        where.append(late if filters.overdue else f"NOT {late}")
    after = decode_cursor(cursor)
    if after:
        where.append(f"(opened_at, opened_position) > ({param(after[0])}, {param(after[1])})")
    # Oldest first: in the order the grievances were filed.
    sql = (f"SELECT *, {late} AS overdue FROM cases.cases WHERE {' AND '.join(where)} "
           f"ORDER BY opened_at, opened_position LIMIT {param(limit + 1)}")  # fmt: skip
    return Page.of(await conn.fetch(sql, *args), limit, encode_cursor, dict)


def reached(kind: str, org: str) -> str:
    """SQL: the case (a row of `cases.cases`) is within a supplier's or facilitator's reach
    (`parties.reaches`): it owns an action of its plan, or facilitates it; a supplier not
    while the case is verified (again)."""
    return (
        f"((EXISTS (SELECT 1 FROM cases.actions a WHERE a.case_id = cases.case_id "
        f"AND a.owner = {kind} AND a.owner_org = {org}) "
        f"OR ({kind} = 'facilitator' AND facilitator = {org})) "
        f"AND NOT {hidden_from_suppliers(kind, 'cases')})"
    )


def hidden_from_suppliers(kind: str, case: str) -> str:
    """SQL: the case (`case`, a row of `cases.cases`) is not a supplier's (`kind`) to see
    now (`parties.UNSEEN_BY_SUPPLIERS`)."""
    unseen = ", ".join(f"'{s.value}'" for s in sorted(UNSEEN_BY_SUPPLIERS))
    return f"({kind} = 'supplier' AND {case}.status = 'open' AND {case}.stage IN ({unseen}))"


async def reaches(conn: Conn, case_id: str, party: Party) -> bool:
    """The case is within the supplier's or facilitator's reach, as the views have it."""
    sql = f"SELECT EXISTS (SELECT 1 FROM cases.cases WHERE case_id = $1 AND {reached('$2', '$3')})"
    return bool(await conn.fetchval(sql, case_id, party.kind.value, party.org))


async def officers(conn: Conn, tenant: str) -> list[str]:
    """The officers cases of the tenant are assigned to, for the queue's filter."""
    rows = await conn.fetch(
        "SELECT DISTINCT officer FROM cases.cases WHERE tenant = $1 AND officer IS NOT NULL "
        "ORDER BY officer",
        tenant,
    )
    return [r["officer"] for r in rows]


async def case_row(conn: Conn, tenant: str, case_id: str) -> Any:
    """The case's row in the tenant, or None (another tenant's case does not exist)."""
    return await conn.fetchrow(
        "SELECT * FROM cases.cases WHERE case_id = $1 AND tenant = $2", case_id, tenant
    )


# What a member company reads of a case (the API, the member console): no severity,
# indicators, referral, officer, language, nor anything the worker wrote.
MEMBER_COLUMNS = ("case_id", "category", "country", "site_id", "member_org", "status", "stage",
                  "stage_due", "deadline_missed", "outcome", "satisfaction", "opened_at",
                  "updated_at")  # fmt: skip


def in_days(row: Mapping[str, Any], day: Callable[[datetime], date]) -> dict[str, Any]:
    """A row as a member company, a supplier or a facilitator reads it: each moment given as
    the tenant's day (`day`).

    When a worker's report was filed, to the minute, can point a supplier to who was on
    their phone at that moment; the day is what their handling of a case needs."""
    return {k: day(v) if isinstance(v, datetime) else v for k, v in row.items()}


ACTION_COLUMNS = ("action_id", "remedy", "owner", "due_on", "description", "progress",
                  "evidence", "done")  # fmt: skip


async def actions(
    conn: Conn, case_id: str, today: date, party: Party | None = None
) -> list[dict[str, Any]]:
    """The plan, each action flagged `overdue` when it is neither done nor waived by its due
    date while the case is open (a case ended asks nothing more of it), with its `owner_org`;
    only the party's own when it is a supplier's or facilitator's."""
    rows = await conn.fetch(
        "SELECT a.*, w.action_id IS NOT NULL AS waived, c.status = 'open' AS case_open "
        "FROM cases.actions a JOIN cases.cases c ON c.case_id = a.case_id "
        "LEFT JOIN cases.waivers w ON w.case_id = a.case_id AND w.action_id = a.action_id "
        "WHERE a.case_id = $1 AND ($2::text IS NULL OR (a.owner = $2 AND a.owner_org = $3)) "
        "ORDER BY a.due_on, a.action_id",
        case_id, party.kind.value if party else None, party.org if party else None,
    )  # fmt: skip
    return [
        {k: r[k] for k in (*ACTION_COLUMNS, "owner_org")}
        | {"overdue": r["case_open"] and not r["done"] and not r["waived"] and r["due_on"] < today}
        for r in rows
    ]


def may_contact(case: Any) -> bool:
    """The worker allows contact (when filing, or since on the status page), and has not
    withdrawn the grievance."""
    return (bool(case["contact_consented"]) and not case["withdrawn"]
            and case["grounds"] != d.Grounds.withdrawn_by_worker)  # fmt: skip


async def personal(
    conn: Conn, keyring: Keyring, grievance_id: str, *, contact: bool
) -> dict[str, Any] | None:
    """The grievance's narrative, and its contact details only when `contact` (see
    `may_contact`): they are never decrypted otherwise. None once erased."""
    sealed = await conn.fetchval(
        "SELECT sealed FROM cases.grievance_data WHERE grievance_id = $1", grievance_id
    )
    if sealed is None:
        return None
    plain = await keyring.open(conn, Sealed.model_validate(json.loads(sealed)))
    found = json.loads(plain) if plain else None
    if found is not None and not contact:
        found.pop("contact", None)
    return found


async def thread(conn: Conn, keyring: Keyring, case_id: str) -> list[dict[str, Any]]:
    """Messages with the worker and internal notes, in order; `time` as a datetime.

    Notes are sealed under the grievance's key like the conversation (they are about the
    worker and may quote them): erasure takes them too (docs/cases.md).
    """
    out = []
    for r in await conn.fetch(
        "SELECT author, sealed, time FROM cases.thread WHERE case_id = $1 ORDER BY position",
        case_id,
    ):
        text = await keyring.open(conn, Sealed.model_validate(json.loads(r["sealed"])))
        # Erased with the worker's data key: the entry stays, saying so, without its text.
        out.append({"author": r["author"], "text": text.decode() if text is not None else None,
                    "erased": text is None, "time": r["time"]})  # fmt: skip
    return out


async def findings(conn: Conn, keyring: Keyring, case_id: str) -> list[dict[str, Any]]:
    """Verification's findings in order, opened as the thread is; `time` as a datetime.
    Each is named by the case's version it was recorded at (`finding`)."""
    out = []
    for r in await conn.fetch(
        "SELECT source, sealed, time, version FROM cases.findings WHERE case_id = $1 "
        "ORDER BY position",
        case_id,
    ):
        text = await keyring.open(conn, Sealed.model_validate(json.loads(r["sealed"])))
        out.append({"finding": r["version"], "source": r["source"],
                    "text": text.decode() if text is not None else None,
                    "erased": text is None, "time": r["time"]})  # fmt: skip
    return out


async def determinations(conn: Conn, case_id: str) -> dict[str, Any]:
    """The latest decision of verification and of the response, by step (absent: none)."""
    rows = await conn.fetch(
        "SELECT step, details FROM cases.determinations WHERE case_id = $1", case_id
    )
    return {r["step"]: json.loads(r["details"]) for r in rows}


async def timeline(conn: Conn, case_id: str) -> list[dict[str, Any]]:
    """What happened to the case, in order; `time` as a datetime."""
    rows = await conn.fetch(
        "SELECT type, actor, actor_id, details, time FROM cases.timeline WHERE case_id = $1 "
        "ORDER BY position",
        case_id,
    )
    return [
        {"type": r["type"], "actor": r["actor"], "actor_id": r["actor_id"], "time": r["time"],
         "details": json.loads(r["details"])}
        for r in rows
    ]  # fmt: skip


async def lessons(conn: Conn, case_id: str) -> dict[str, Any] | None:
    row = await conn.fetchrow("SELECT text, tags FROM cases.lessons WHERE case_id = $1", case_id)
    return {"text": row["text"], "tags": list(row["tags"])} if row else None


async def reads(conn: Conn, case_id: str, after: int, limit: int) -> list[dict[str, Any]]:
    """Reads of the case's personal data, oldest first, after a position; `time` a datetime."""
    rows = await conn.fetch(
        "SELECT position, reader, role, fields, channel, time FROM cases.reads "
        "WHERE case_id = $1 AND position > $2 ORDER BY position LIMIT $3",
        case_id, after, limit,
    )  # fmt: skip
    return [dict(r) | {"fields": list(r["fields"])} for r in rows]


async def recent_reads(conn: Conn, case_id: str, limit: int) -> list[dict[str, Any]]:
    """The latest reads of the case's personal data, newest first."""
    rows = await conn.fetch(
        "SELECT reader, role, fields, channel, time FROM cases.reads WHERE case_id = $1 "
        "ORDER BY position DESC LIMIT $2",
        case_id, limit,
    )  # fmt: skip
    return [dict(r) | {"fields": list(r["fields"])} for r in rows]
