"""Officers attach evidence to verification's findings, and staff open it, each read
recorded (`redress.cases.evidence`, `redress.cases.evidence_views`). Never a member."""

from __future__ import annotations

from dataclasses import replace
from typing import Annotated, Any

from fastapi import APIRouter, Depends, File, Path, Request, UploadFile
from fastapi.responses import Response

from redress.cases import evidence
from redress.cases.access import Officer, Reader
from redress.cases.attachments import staff
from redress.cases.console_render import PATH, ConsoleRoute
from redress.cases.context import CaseDesk
from redress.cases.evidence_views import opened
from redress.kit.auth import Principal
from redress.kit.idempotency import Retryable
from redress.kit.openapi import answers

router = APIRouter(prefix="/v1/cases", tags=["cases"])
KINDS = "a photo, recording, video, PDF, office document or plain text; up to 10 MB"
_ID = Path(max_length=100, pattern=r"^[0-9A-Za-z-]+$")
UPLOADS = r"^/v1/cases/[^/]+/findings/[^/]+/evidence$|^/console/cases/[^/]+/findings$"
"""The paths that take files, allowed a larger body (`BODY_BYTES`)."""
BODY_BYTES = evidence.MAX_AT_ONCE * evidence.MAX_FILE_BYTES + (1 << 20)
"""Room for the console's files at once, and for one file somewhat over the limit, so that
the answer can say what is wrong with it rather than the connection being cut short."""


@router.post(
    "/{case_id}/findings/{finding}/evidence",
    response_model=evidence.Attached,
    status_code=201,
    responses=answers(404, 409, 413, 415, 422),
)
async def attach(
    case_id: Annotated[str, _ID],
    finding: Annotated[int, Path(ge=1, le=1_000_000_000)],
    file: Annotated[UploadFile, File(description=KINDS, json_schema_extra={"minLength": 1})],
    p: Officer,
    desk: CaseDesk,
    retry: Retryable = None,
) -> evidence.Attached:
    """Attach a file to a finding, by the case's version the finding was recorded at (the
    `version` its recording answered; `finding` in the case's `findings`).

    The file's type is read from its bytes (415 `file-type` unless evidence may be of it;
    413 `file-too-large` over 10 MB); it is sealed under the worker's key with its name, and
    erased with the worker's data. 404 `unknown-finding`; 409 `wrong-stage` unless the case
    is in verification, `too-many-files` past 20 files on one finding.
    """
    checked = await evidence.checked(file)
    if retry is not None:
        retry = replace(retry, content=evidence.fingerprint(finding, [checked]))
    return await evidence.attach(desk, p, case_id, finding, [checked], retry)


_FILE: dict[str, Any] = {
    "content": {"application/octet-stream": {}},
    "description": "The file, decrypted; its read is recorded on the case",
}
_REFUSED: dict[int | str, dict[str, Any]] = {
    403: {"description": "only officers and supervisors open evidence"},
    404: {"description": "no such file on a case of the tenant"},
    410: {"description": "the worker's personal data was erased, and the file with it"},
}


@router.get(
    "/{case_id}/evidence/{file_id}", response_class=Response, responses={200: _FILE, **_REFUSED}
)
async def open_evidence(
    case_id: Annotated[str, _ID],
    file_id: Annotated[str, _ID],
    p: Reader,
    desk: CaseDesk,
) -> Response:
    """A file of verification's evidence, for staff (never a member company)."""
    async with desk.pool.acquire() as conn:
        return await opened(
            conn, desk.store, desk.cases.keyring, p, case_id, file_id, "api"
        )  # fmt: skip


console_router = APIRouter(prefix=PATH, include_in_schema=False, route_class=ConsoleRoute)


@console_router.get("/cases/{case_id}/evidence/{file_id}")
async def console_evidence(
    request: Request,
    case_id: Annotated[str, _ID],
    file_id: Annotated[str, _ID],
    p: Annotated[Principal, Depends(staff)],
    desk: CaseDesk,
) -> Response:
    """The same file, from the links of the console's case page."""
    async with desk.pool.acquire() as conn:
        return await opened(
            conn, desk.store, desk.cases.keyring, p, case_id, file_id, "console"
        )  # fmt: skip
