"""Reads of suppliers and systemic issues, shared by the JSON API and the officer console.

The lists read the projection (`supply_chain_views`); an issue or a supplier by itself is
read from the log (`supply_chain_handlers.issue_of`, `consequences_of`).
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import Any

from redress.events.store import Conn

# What the console lists of a case beside an issue or a supplier: nothing of the worker.
CASE_COLUMNS = "case_id, category, country, site_id, stage, status, outcome, opened_at"
SHORT_ID = re.compile(r"^[0-9a-f]{8}$")
FULL_ID = re.compile(r"^case-[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$")
CANDIDATES = 200  # cases offered to tick; others are named by their ids


async def issues(conn: Conn, tenant: str, site_id: str | None = None) -> list[dict[str, Any]]:
    """The tenant's systemic issues (at one site, if named), newest first, with how many
    cases each groups."""
    rows = await conn.fetch(
        "SELECT i.issue_id, i.title, i.site_id, i.category, i.opened_at,"
        " (SELECT count(*) FROM cases.systemic_cases c WHERE c.issue_id = i.issue_id) AS cases"
        " FROM cases.systemic_issues i WHERE i.tenant = $1 AND ($2::text IS NULL OR"
        " i.site_id = $2) ORDER BY i.opened_at DESC",
        tenant, site_id,
    )  # fmt: skip
    return [dict(r) for r in rows]


async def suppliers(conn: Conn, tenant: str) -> list[dict[str, Any]]:
    """Every supplier with a consequence, and where it stands now."""
    rows = await conn.fetch(
        "SELECT site_id, consequence, decided_on FROM cases.suppliers WHERE tenant = $1"
        " ORDER BY site_id",
        tenant,
    )
    return [dict(r) for r in rows]


def by_consequence(rows: Sequence[dict[str, Any]]) -> dict[str, int]:
    counts: dict[str, int] = {}
    for row in rows:
        if row["consequence"] is not None:
            counts[row["consequence"]] = counts.get(row["consequence"], 0) + 1
    return counts


async def sites(conn: Conn, tenant: str, limit: int = 500) -> list[dict[str, Any]]:
    """Each site with cases or a consequence: its cases, open and all, and its standing."""
    rows = await conn.fetch(
        "SELECT coalesce(c.site_id, s.site_id) AS site_id, coalesce(c.cases, 0) AS cases,"
        " coalesce(c.open, 0) AS open, s.consequence, s.decided_on FROM"
        " (SELECT site_id, count(*) AS cases, count(*) FILTER (WHERE status = 'open') AS open"
        "  FROM cases.cases WHERE tenant = $1 AND site_id IS NOT NULL GROUP BY site_id) c"
        " FULL JOIN (SELECT * FROM cases.suppliers WHERE tenant = $1) s"
        " ON s.site_id = c.site_id ORDER BY 1 LIMIT $2",
        tenant, limit,
    )  # fmt: skip
    return [dict(r) for r in rows]


async def cases_at(
    conn: Conn,
    tenant: str,
    *,
    site_id: str | None = None,
    category: str | None = None,
    leaving_out: Sequence[str] = (),
    limit: int = CANDIDATES,
) -> list[dict[str, Any]]:
    """Cases at a site and/or of a category, newest first, less those left out."""
    rows = await conn.fetch(
        f"SELECT {CASE_COLUMNS} FROM cases.cases WHERE tenant = $1"
        " AND ($2::text IS NULL OR site_id = $2) AND ($3::text IS NULL OR category = $3)"
        " AND case_id <> ALL($4::text[]) ORDER BY opened_at DESC, opened_position DESC"
        " LIMIT $5",
        tenant, site_id, category, list(leaving_out), limit,
    )  # fmt: skip
    return [dict(r) for r in rows]


async def case_rows(conn: Conn, tenant: str, case_ids: Sequence[str]) -> list[dict[str, Any]]:
    """The cases named, in the order named (those not in the views yet are left out)."""
    rows = await conn.fetch(
        f"SELECT {CASE_COLUMNS} FROM cases.cases WHERE tenant = $1 AND case_id = ANY($2::text[])",
        tenant, list(case_ids),
    )  # fmt: skip
    found = {r["case_id"]: dict(r) for r in rows}
    return [found[c] for c in case_ids if c in found]


def references(text: str | None) -> list[str]:
    """Case ids as an officer types them: separated by spaces, commas or lines."""
    return [t for t in re.split(r"[\s,;]+", text or "") if t]


async def resolve(conn: Conn, tenant: str, refs: Sequence[str]) -> tuple[list[str], list[str]]:
    """The tenant's case ids for what was typed: a full id, or the eight characters the
    console shows (`0f3c1a2b`) when exactly one of its cases starts so. Also what names no
    case of the tenant, as typed."""
    found, unknown = [], []
    for ref in refs:
        ref = ref.lower()
        short = ref.removeprefix("case-")
        ids = []
        if FULL_ID.match(ref) or SHORT_ID.match(short):
            ids = await conn.fetch(
                "SELECT case_id FROM cases.cases WHERE tenant = $1 AND case_id LIKE $2 LIMIT 2",
                tenant, f"case-{short}%",
            )  # fmt: skip
        if len(ids) == 1:
            found.append(ids[0]["case_id"])
        else:
            unknown.append(ref)
    return found, unknown
