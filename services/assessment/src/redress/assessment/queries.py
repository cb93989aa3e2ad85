"""Reads of the assessment views: the list, one assessment, an organisation's history."""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import UTC, datetime
from functools import partial
from typing import Any

from cryptography.exceptions import InvalidTag

from redress.events.catalogue.grievance import Sealed
from redress.events.store import Conn
from redress.kit import cursor
from redress.kit.crypto import Keyring
from redress.kit.cursor import Page

POSITION = r"[0-9]{1,18}"
# Rows as JSON, the columns kept as JSON text parsed.
jsonable = partial(cursor.jsonable, decode=("evidence", "proposed", "levels"))


@dataclass(frozen=True)
class Filter:
    org: str | None = None
    status: str | None = None
    framework: str | None = None


async def listing(conn: Conn, tenant: str, f: Filter, after: str | None, limit: int) -> Page:
    """The tenant's assessments (of one organisation, for a member), oldest first."""
    args: list[Any] = [tenant]

    def param(value: Any) -> str:
        args.append(value)
        return f"${len(args)}"

    where = ["tenant = $1"]
    for column in ("org", "status", "framework"):
        if (value := getattr(f, column)) is not None:
            where.append(f"{column} = {param(value)}")
    if after:
        moment, position = cursor.moment_of(after, POSITION)
        where.append(f"(started_at, started_position) > ({param(moment)}, {param(int(position))})")
    rows = await conn.fetch(
        f"SELECT * FROM assessment.assessments WHERE {' AND '.join(where)} "
        f"ORDER BY started_at, started_position LIMIT {param(limit + 1)}",
        *args,
    )
    after_row = cursor.by_moment("started_at", "started_position")
    return Page.of(rows, limit, after_row, lambda r: jsonable(r, ("started_position",)))


async def assessment(conn: Conn, tenant: str, assessment_id: str, keyring: Keyring | None = None
                     ) -> dict[str, Any] | None:  # fmt: skip
    """One assessment as the views hold it; with `keyring`, its answers' sealed evidence
    opened (none once erased)."""
    row = await conn.fetchrow(
        "SELECT * FROM assessment.assessments WHERE assessment_id = $1 AND tenant = $2",
        assessment_id, tenant,
    )  # fmt: skip
    if row is None:
        return None
    answers = await conn.fetch(
        "SELECT * FROM assessment.answers WHERE assessment_id = $1 ORDER BY criterion",
        assessment_id,
    )
    thread = await conn.fetch(
        "SELECT position, criterion, type, actor, actor_id, comment, time "
        "FROM assessment.thread WHERE assessment_id = $1 ORDER BY position",
        assessment_id,
    )
    files = await conn.fetch(
        "SELECT file_id, criterion, name, media_type, size, added_by, added_at "
        "FROM assessment.files WHERE assessment_id = $1 ORDER BY added_at, file_id",
        assessment_id,
    )
    shown = {a["criterion"]: jsonable(a, ("assessment_id", "criterion", "evidence_sealed"))
             for a in answers}  # fmt: skip
    for a in answers:
        if keyring is not None and a["evidence_sealed"] is not None:
            shown[a["criterion"]]["evidence"] = await _opened(conn, keyring, a["evidence_sealed"])
    return jsonable(row, ("started_position",)) | {
        "files": [jsonable(f) for f in files],
        "answers": shown,
        "thread": [jsonable(t, ("position",)) for t in thread],
    }


async def _opened(conn: Conn, keyring: Keyring, sealed: str) -> list[dict[str, Any]]:
    try:
        plain = await keyring.open(conn, Sealed.model_validate_json(sealed))
    except InvalidTag:  # sealed under a key erased since, and made anew for later evidence
        plain = None
    return json.loads(plain) if plain else []


async def history(conn: Conn, tenant: str, org: str) -> list[dict[str, Any]]:
    """The organisation's agreed ratings, oldest first: its levels per step over time."""
    rows = await conn.fetch(
        "SELECT assessment_id, framework, version, title, rated_at, levels, overall "
        "FROM assessment.assessments WHERE tenant = $1 AND org = $2 AND status = 'final' "
        "ORDER BY rated_at, started_position",
        tenant, org,
    )  # fmt: skip
    return [jsonable(r) for r in rows]


async def actions(conn: Conn, assessment_id: str) -> list[dict[str, Any]]:
    rows = await conn.fetch(
        "SELECT criterion, owner, due_on, description, done, reminded, planned_at, updated_at "
        "FROM assessment.actions WHERE assessment_id = $1 ORDER BY due_on, criterion",
        assessment_id,
    )
    return [jsonable(r) for r in rows]


async def latest_ratings(conn: Conn, tenant: str, framework: str, version: int
                         ) -> dict[str, dict[str, Any]]:  # fmt: skip
    """Each organisation's latest agreed rating on one framework version."""
    rows = await conn.fetch(
        "SELECT DISTINCT ON (org) org, levels, overall FROM assessment.assessments "
        "WHERE tenant = $1 AND framework = $2 AND version = $3 AND status = 'final' "
        "ORDER BY org, rated_at DESC, started_position DESC",
        tenant, framework, version,
    )  # fmt: skip
    return {r["org"]: jsonable(r, ("org",)) for r in rows}


async def previous(conn: Conn, one: dict[str, Any]) -> dict[str, Any] | None:
    """The organisation's agreed rating before this assessment, on the same framework."""
    row = await conn.fetchrow(
        "SELECT assessment_id, version, title, rated_at, levels, overall "
        "FROM assessment.assessments WHERE tenant = $1 AND org = $2 AND framework = $3 "
        "AND status = 'final' AND assessment_id <> $4 AND rated_at < $5 "
        "ORDER BY rated_at DESC LIMIT 1",
        one["tenant"], one["org"], one["framework"], one["assessment_id"],
        datetime.fromisoformat(one["rated_at"]) if one["rated_at"] else datetime.now(UTC),
    )  # fmt: skip
    return jsonable(row) if row else None
