"""The files a worker sent with their grievance, opened for staff: each read recorded.

Intake seals each file under the grievance's data key and keeps it in the keyring's sealed
files (ADR 0032); the log's `AttachmentAdded` names it. This module projects what the log
says of each file, and opens one for an officer or supervisor by the same contract by which
the case page opens the narrative: the grievance's key, decrypted on read, a
`PersonalDataRead` of the field `attachments` appended before the file leaves. A member
company, like every other role, never opens one.

What leaves is strict: the type intake read from the file's own bytes (never the sender's
word), `nosniff`, never stored by a cache, and a PDF only as a download (a browser's PDF
viewer runs the document's scripts; an image or a recording shows in the page).
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Path, Request
from fastapi.responses import Response

from redress.cases import reads
from redress.cases.console_render import CONSOLE, PATH, ConsoleRoute
from redress.cases.context import CasesContext
from redress.cases.handlers import NOT_FOUND
from redress.cases.policies import case_stream
from redress.events.catalogue.grievance import AttachmentAdded
from redress.events.envelope import Event
from redress.events.projection import Projection, columns
from redress.events.store import Conn, EventStore
from redress.kit import sealed_files
from redress.kit.auth import Principal
from redress.kit.authz import Action
from redress.kit.crypto import grievance_key_id
from redress.kit.deps import Pool, Store, permitted
from redress.kit.errors import Problem

FIELD = "attachments"  # the personal field a read of a file records
# Shown in the page: images and recordings; everything else (PDF) is downloaded.
INLINE = ("image/", "audio/", "video/")
_ID = Path(max_length=100, pattern=r"^[0-9A-Za-z-]+$")


class CaseAttachments(Projection):
    """What the log says of each file: its case, type and size, never its content."""

    name = "attachments"
    schema = "cases"
    stream_types = ("grievance",)
    handles = (AttachmentAdded,)
    tables = ("attachments",)

    async def apply(self, conn: Conn, event: Event) -> None:
        await self.apply_batch(conn, [event])

    async def apply_batch(self, conn: Conn, events: list[Event]) -> None:
        rows = [(case_stream(a.grievance_id), a.attachment_id, a.grievance_id, e.tenant,
                 a.content_type, a.size, e.position, e.time)
                for e in events if isinstance(a := e.data, AttachmentAdded)]  # fmt: skip
        if rows:
            await conn.execute(
                """INSERT INTO attachments SELECT * FROM unnest($1::text[], $2::text[],
                       $3::text[], $4::text[], $5::text[], $6::int[], $7::bigint[],
                       $8::timestamptz[])
                   ON CONFLICT DO NOTHING""",
                *columns(rows),
            )


def shown_inline(content_type: str) -> bool:
    return content_type.startswith(INLINE)


async def listed(conn: Conn, case_id: str) -> list[dict[str, Any]]:
    """The case's files in the order the worker sent them (no content, nothing decrypted)."""
    rows = await conn.fetch(
        "SELECT attachment_id, content_type, size, time FROM cases.attachments"
        " WHERE case_id = $1 ORDER BY position, attachment_id",
        case_id,
    )
    return [{**dict(r), "inline": shown_inline(r["content_type"])} for r in rows]


# What the staff's case view (`GET /v1/cases/{id}`) says of each file: enough to open it and
# to know what it is, never its content (so listing it records no read).
LISTED = ("attachment_id", "content_type", "size")
LISTED_SCHEMA: dict[str, Any] = {
    "type": "array",
    "description": "Officers and supervisors only (absent for everyone else): the files the"
    " worker sent, in the order sent, even once erased (opening one then answers 410). Open one"
    " with GET /v1/cases/{case_id}/attachments/{attachment_id}, a recorded read.",
    "items": {
        "type": "object",
        "required": list(LISTED),
        "properties": {
            "attachment_id": {"type": "string"},
            "content_type": {"type": "string", "description": "read from the file's own bytes"},
            "size": {"type": "integer", "minimum": 0, "description": "in bytes"},
        },
    },
}


async def listing(conn: Conn, case_id: str) -> list[dict[str, Any]]:
    """The case's files as the staff's case view lists them (`LISTED`)."""
    return [{k: f[k] for k in LISTED} for f in await listed(conn, case_id)]


async def opened(
    conn: Conn,
    store: EventStore,
    cases: Any,
    p: Principal,
    case_id: str,
    attachment_id: str,
    channel: str,
) -> Response:
    """The file, decrypted, its read recorded; 404 outside the tenant, 410 once erased."""
    row = await conn.fetchrow(
        "SELECT grievance_id, content_type FROM cases.attachments"
        " WHERE case_id = $1 AND attachment_id = $2 AND tenant = $3",
        case_id, attachment_id, p.tenant,
    )  # fmt: skip
    if row is None:
        raise Problem(404, "not-found", NOT_FOUND)
    grievance_id = row["grievance_id"]
    found = await sealed_files.read(
        conn, cases.keyring, p.tenant, grievance_key_id(grievance_id), attachment_id
    )
    if found is None:
        raise Problem(410, "erased", "the worker's personal data, this file with it, was erased")
    # Recorded before the answer leaves: a read that cannot be recorded is not answered.
    await reads.record(store, p, case_id, grievance_id, (FIELD,), channel)
    disposition = "inline" if shown_inline(row["content_type"]) else "attachment"
    extension = row["content_type"].split("/")[-1].removeprefix("x-")
    return Response(
        found.data,
        media_type=row["content_type"],
        headers={
            "Content-Disposition": f'{disposition}; filename="{attachment_id}.{extension}"',
            "X-Content-Type-Options": "nosniff",
            "Cache-Control": "no-store",
            "Content-Security-Policy": "default-src 'none'; sandbox",
        },
    )


_FILE: dict[str, Any] = {
    "content": {"application/octet-stream": {}},
    "description": "The file, decrypted; its read is recorded on the case",
}
_REFUSED: dict[int | str, dict[str, Any]] = {
    403: {"description": "only officers and supervisors open a worker's files"},
    404: {"description": "no such file on a case of the tenant"},
    410: {"description": "the worker's personal data was erased, and the file with it"},
}

router = APIRouter(prefix="/v1/cases", tags=["cases"])


@router.get(
    "/{case_id}/attachments/{attachment_id}",
    response_class=Response,
    responses={200: _FILE, **_REFUSED},
)
async def attachment(
    case_id: Annotated[str, _ID],
    attachment_id: Annotated[str, _ID],
    p: Annotated[Principal, Depends(permitted(Action.case_read))],
    pool: Pool,
    store: Store,
    cases: CasesContext,
) -> Response:
    """A file the worker sent, for staff (never a member company)."""
    async with pool.acquire() as conn:
        return await opened(conn, store, cases, p, case_id, attachment_id, "api")


console_router = APIRouter(prefix=PATH, include_in_schema=False, route_class=ConsoleRoute)


# As the console's pages admit: officers and supervisors, by the cookie's token.
staff = CONSOLE.signed_in(Action.case_read)


@console_router.get("/cases/{case_id}/attachments/{attachment_id}")
async def console_attachment(
    request: Request,
    case_id: Annotated[str, _ID],
    attachment_id: Annotated[str, _ID],
    p: Annotated[Principal, Depends(staff)],
    pool: Pool,
    store: Store,
    cases: CasesContext,
) -> Response:
    """The same file for the console's page (its preview, its player, its download link)."""
    async with pool.acquire() as conn:
        return await opened(conn, store, cases, p, case_id, attachment_id, "console")
