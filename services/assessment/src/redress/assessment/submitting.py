"""Submitting an assessment from its pages. The draft's form carries the Submit button, so
that pressing it saves what is typed first, through the same checks as "Save answers"
(`draft_answers`); then this page says what submitting means (how many criteria are left
unanswered, that answers then change only in reply to a challenge, or for the initiative's
own that it is final) and its one button submits.
"""

from __future__ import annotations

from fastapi import APIRouter, Request
from starlette.responses import RedirectResponse, Response

from redress.assessment import handlers as h
from redress.assessment.api import VIEWS, found
from redress.assessment.context import AssessmentDesk
from redress.assessment.pages import CONSOLE, PATH, Id, Reader, back, done, respondent
from redress.assessment.reading import framework_of
from redress.events.projection import wait_for_version

router = APIRouter(prefix=PATH, include_in_schema=False, route_class=CONSOLE.route)


@router.get("/{assessment_id}/submit")
async def confirming(request: Request, assessment_id: Id, p: Reader, desk: AssessmentDesk
                     ) -> Response:  # fmt: skip
    respondent(p)
    version = request.query_params.get("v", "")
    if version.isdigit():  # the answers just saved, shown as counted
        h.started_of(p, await h.events_of(desk, assessment_id))  # 404 before any waiting
        await wait_for_version(desk.pool, VIEWS, assessment_id, int(version), timeout=5)
    one = await found(desk.pool, p, assessment_id, desk.keyring)
    if one["status"] != "draft":  # submitted already: the page says where it stands
        return RedirectResponse(f"{PATH}/{assessment_id}", status_code=303)
    criteria = framework_of(one, desk.frameworks).criteria()
    unanswered = [c for cid, c in criteria.items() if cid not in one["answers"]]
    return CONSOLE.page(request, "submit.html", principal=p, a=one, total=len(criteria),
                        unanswered=unanswered)  # fmt: skip


@router.post("/{assessment_id}/submit")
async def submit(request: Request, assessment_id: Id, p: Reader, desk: AssessmentDesk
                 ) -> Response:  # fmt: skip
    await CONSOLE.form(request)
    return back(assessment_id, await done(h.submit(desk, respondent(p), assessment_id)))
