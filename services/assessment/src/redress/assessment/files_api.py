"""Evidence files: a member uploads a document to an answer; whoever reads the assessment
downloads it. The content is sealed under the assessment's own data key (as a grievance's
attachments are under the grievance's), in assessment's table; the log holds only its name,
type and size."""

from __future__ import annotations

import mimetypes
from typing import Annotated

from fastapi import APIRouter, File, Path, UploadFile
from fastapi.responses import Response
from starlette.datastructures import UploadFile as StarletteUpload

from redress.assessment import handlers as h
from redress.assessment import requests as r
from redress.assessment.api import AssessmentId, CriterionId, Member, Reader, found
from redress.assessment.context import AssessmentDesk
from redress.events.catalogue.grievance import Sealed
from redress.kit.deps import Pool
from redress.kit.errors import Problem
from redress.kit.openapi import answers
from redress.kit.text import check_line

router = APIRouter(prefix="/v1/assessments", tags=["evidence files"])
MAX_BYTES = 10_000_000
MEDIA_TYPES = frozenset({
    "application/pdf", "image/png", "image/jpeg", "text/plain", "text/csv",
    "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
})  # fmt: skip
_VAGUE = frozenset({"", "application/octet-stream", "application/vnd.ms-excel"})
KINDS = "a file must be a PDF, PNG, JPEG, text, CSV, DOCX or XLSX document"
PATH = (r"^/((v1/)?assessments/[^/]+/answers/[^/]+/files|assessments/[^/]+/answers"
        r"|assessments/[^/]+/answers/[^/]+/reply)$")  # fmt: skip
"""The upload's paths (the API's and the pages', the draft's form of every criterion and the
pages' reply to a challenge, which carry files too), allowed a larger body: `BODY_BYTES`."""
BODY_BYTES = 3 * MAX_BYTES
"""Room for a file somewhat over the limit, so that the pages can say what is wrong with
it rather than the connection being cut short."""


@router.post(
    "/{assessment_id}/answers/{criterion}/files",
    response_model=r.Attached,
    status_code=201,
    responses=answers(415),
    # The media types a file may have, as OpenAPI says them for a part of a multipart body.
    openapi_extra={"requestBody": {"content": {"multipart/form-data": {"encoding": {
        "file": {"contentType": ", ".join(sorted(MEDIA_TYPES))}}}}}},
)  # fmt: skip
async def attach(
    assessment_id: AssessmentId,
    criterion: CriterionId,
    file: Annotated[
        UploadFile,
        File(
            description="PDF, PNG, JPEG, text, CSV, DOCX or XLSX; up to 10 MB",
            json_schema_extra={"minLength": 1},
        ),
    ],
    p: Member,
    desk: AssessmentDesk,
) -> r.Attached:
    """Attach a document to the answer to a criterion (while a draft, or in reply to a
    challenge of it)."""
    name, media_type, content = await checked(file)
    return await h.attach(desk, p, assessment_id, criterion, name, media_type, content)


async def checked(file: StarletteUpload) -> tuple[str, str, bytes]:
    """The file's name, type and content, or the problem with it (the pages say it too)."""
    media_type = (file.content_type or "").split(";")[0].strip().lower()
    if media_type in _VAGUE:
        # Browsers on some systems send a CSV as an Excel file, or any file as bytes: the
        # name's extension says which of the kinds taken it is, if any.
        media_type = mimetypes.guess_type(file.filename or "", strict=False)[0] or media_type
    if media_type not in MEDIA_TYPES:
        raise Problem(415, "media-type", KINDS)
    content = await file.read(MAX_BYTES + 1)
    if len(content) > MAX_BYTES:
        raise Problem(413, "too-large", f"a file may hold at most {MAX_BYTES // 1_000_000} MB")
    if not content:
        raise Problem(422, "validation", "the file is empty")
    name = (file.filename or "evidence").replace("\\", "/").rsplit("/", 1)[-1][:200]
    try:
        name = check_line(name) or "evidence"
    except ValueError:
        raise Problem(422, "validation", "the file's name holds control characters") from None
    return name, media_type, content


@router.get(
    "/{assessment_id}/files/{file_id}",
    response_class=Response,
    responses={200: {"content": {m: {"schema": {"type": "string", "format": "binary"}}
                                 for m in sorted(MEDIA_TYPES)},
                     "description": "the file as it was uploaded, of the type it was sent as"}},
)  # fmt: skip
async def download(
    assessment_id: AssessmentId,
    file_id: Annotated[str, Path(pattern=r"^file-[0-9a-f]{32}$")],
    p: Reader,
    pool: Pool,
    desk: AssessmentDesk,
) -> Response:
    """An evidence file of an assessment you may read."""
    await found(pool, p, assessment_id)
    async with pool.acquire() as conn:
        row = await conn.fetchrow(
            "SELECT media_type, sealed FROM assessment.evidence_files "
            "WHERE file_id = $1 AND assessment_id = $2",
            file_id, assessment_id,
        )  # fmt: skip
        content = (
            await desk.keyring.open(conn, Sealed.model_validate_json(row["sealed"]))
            if row
            else None
        )
    if row is None or content is None:
        raise Problem(404, "not-found", "there is no such file")
    return Response(content, media_type=row["media_type"], headers={
        "Content-Disposition": f'attachment; filename="{file_id}"',
        "X-Content-Type-Options": "nosniff",
    })  # fmt: skip
