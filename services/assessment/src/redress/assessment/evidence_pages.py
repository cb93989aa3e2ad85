"""Evidence files from the pages: a member attaches a document to an answer with an
ordinary form (multipart, no script), and whoever reads the assessment downloads it.

The same checks, sealing and limits as the API's (`files_api.checked`, `handlers.attach`); a
file refused (its type, its size, empty, or an answer that can no longer take one) is a page
that says why and leads back to the criterion, with nothing saved.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path, Request
from starlette.datastructures import UploadFile
from starlette.responses import Response

from redress.assessment import files_api
from redress.assessment import handlers as h
from redress.assessment.context import AssessmentDesk
from redress.assessment.pages import CONSOLE, PATH, Criterion, Id, Reader, back, respondent
from redress.events.application import Refused
from redress.kit.errors import Problem

router = APIRouter(prefix=PATH, include_in_schema=False, route_class=CONSOLE.route)
FileId = Annotated[str, Path(pattern=r"^file-[0-9a-f]{32}$")]


@router.post("/{assessment_id}/answers/{criterion}/files")
async def attach(request: Request, assessment_id: Id, criterion: Criterion, p: Reader,
                 desk: AssessmentDesk) -> Response:  # fmt: skip
    form = await CONSOLE.form(request)
    member = respondent(p)
    upload = form.get("file")
    try:
        if not isinstance(upload, UploadFile) or not upload.filename:
            raise Problem(422, "validation", "no file was chosen")
        name, media_type, content = await files_api.checked(upload)
        written = await h.attach(desk, member, assessment_id, criterion, name, media_type,
                                 content)  # fmt: skip
    except Refused as exc:
        problem = Problem(exc.status, exc.kind, exc.detail)
    except Problem as exc:
        problem = exc
    else:
        return back(assessment_id, written, f"c-{criterion}")
    if problem.kind == "not-found":  # not this principal's to know of: the console's 404
        raise problem
    return CONSOLE.page(request, "file_refused.html", problem.status, principal=p,
                        kind=problem.kind, detail=problem.detail,
                        assessment_id=assessment_id, criterion=criterion)  # fmt: skip


@router.get("/{assessment_id}/files/{file_id}")
async def download(assessment_id: Id, file_id: FileId, p: Reader, desk: AssessmentDesk
                   ) -> Response:  # fmt: skip
    return await files_api.download(assessment_id, file_id, p, desk.pool, desk)
