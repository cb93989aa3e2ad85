"""The evidence of verification as staff read it: listed under its finding, opened one file
at a time, each read recorded.

The case views keep what the log says of each file (`projections`): its finding, type, size and
its name and digest as sealed in the log. A list opens the names (a read of `evidence`); a
file is opened from the keyring's sealed files under the grievance's key (ADR 0032), its
read recorded before it leaves, as the worker's own attachments are (`attachments.opened`).
A key erased takes the files with it: the list says so, a file answers 410.
"""

from __future__ import annotations

import json
import mimetypes
from typing import Any
from urllib.parse import quote

from fastapi.responses import Response

from redress.cases import queries as q
from redress.cases import reads
from redress.cases.attachments import shown_inline
from redress.cases.handlers import NOT_FOUND
from redress.events.catalogue.grievance import Sealed
from redress.events.store import Conn, EventStore
from redress.kit import sealed_files
from redress.kit.auth import Principal
from redress.kit.crypto import Keyring
from redress.kit.errors import Problem

FIELD = "evidence"  # the personal field a list of names, or a file opened, records


async def listed(conn: Conn, keyring: Keyring, case_id: str) -> list[dict[str, Any]]:
    """The case's files in the order they were attached, names and digests opened; `name`
    None once erased. `time` as a datetime."""
    rows = await conn.fetch(
        "SELECT file_id, finding, content_type, size, described, time FROM cases.evidence"
        " WHERE case_id = $1 ORDER BY position, file_id",
        case_id,
    )
    out = []
    for r in rows:
        plain = await keyring.open(conn, Sealed.model_validate_json(r["described"]))
        said = json.loads(plain) if plain is not None else {}
        out.append({
            "file_id": r["file_id"], "finding": r["finding"], "content_type": r["content_type"],
            "size": r["size"], "name": said.get("name"), "sha256": said.get("sha256"),
            "erased": plain is None, "inline": shown_inline(r["content_type"]),
            "time": r["time"],
        })  # fmt: skip
    return out


async def findings(conn: Conn, keyring: Keyring, case_id: str) -> list[dict[str, Any]]:
    """Verification's findings in order, each with its `evidence` (see `listed`)."""
    files = await listed(conn, keyring, case_id)
    return [
        f | {"evidence": [e for e in files if e["finding"] == f["finding"]]}
        for f in await q.findings(conn, keyring, case_id)
    ]


def as_json(finding: dict[str, Any]) -> dict[str, Any]:
    """A finding with its evidence, as the API answers it."""
    files = [
        {k: v for k, v in e.items() if k not in ("finding", "inline")}
        | {"time": e["time"].isoformat()}
        for e in finding["evidence"]
    ]
    return finding | {"time": finding["time"].isoformat(), "evidence": files}


async def opened(
    conn: Conn,
    store: EventStore,
    keyring: Keyring,
    p: Principal,
    case_id: str,
    file_id: str,
    channel: str,
) -> Response:
    """The file, decrypted, its read recorded; 404 outside the tenant, 410 once erased."""
    row = await conn.fetchrow(
        "SELECT e.content_type, e.described, c.grievance_id FROM cases.evidence e"
        " JOIN cases.cases c USING (case_id)"
        " WHERE e.case_id = $1 AND e.file_id = $2 AND e.tenant = $3",
        case_id, file_id, p.tenant,
    )  # fmt: skip
    if row is None:
        raise Problem(404, "not-found", NOT_FOUND)
    described = Sealed.model_validate_json(row["described"])
    found = await sealed_files.read(conn, keyring, p.tenant, described.key_id, file_id)
    plain = await keyring.open(conn, described)
    if found is None or plain is None:
        raise Problem(410, "erased", "the worker's personal data, this file with it, was erased")
    # Recorded before the answer leaves: a read that cannot be recorded is not answered.
    await reads.record(store, p, case_id, row["grievance_id"], (FIELD,), channel)
    content_type = row["content_type"]
    disposition = "inline" if shown_inline(content_type) else "attachment"
    extension = (mimetypes.guess_extension(content_type) or ".bin").lstrip(".")
    # The name the officer gave it, for a download; the id as the plain fallback.
    name = quote(json.loads(plain)["name"], safe="")
    return Response(
        found.data,
        media_type=content_type,
        headers={
            "Content-Disposition": (
                f"{disposition}; filename=\"{file_id}.{extension}\"; filename*=UTF-8''{name}"
            ),
            "X-Content-Type-Options": "nosniff",
            "Cache-Control": "no-store",
            "Content-Security-Policy": "default-src 'none'; sandbox",
        },
    )
