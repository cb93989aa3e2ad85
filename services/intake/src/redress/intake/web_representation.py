"""The worker's answer to a representative asking to accompany them, on the status page.

The page lists who stands by the worker (filed for them, or accompanies them) and who asks
to; the worker allows or refuses each request with a plain form (`RepresentationAnswered`,
and `RepresentativeRecorded` when allowed). Only a request that is waiting is answered.
"""

from __future__ import annotations

from fastapi import APIRouter, Form, Query, Request
from starlette.responses import RedirectResponse, Response

from redress.events.application import Refused, execute
from redress.events.envelope import Event, EventData
from redress.events.projection import wait_for_version
from redress.intake import reply_drafts
from redress.intake.context import IntakeContext
from redress.intake.filing import grievance_stream, masthead
from redress.intake.representation_domain import AnswerRequest, decide, fold
from redress.intake.representations import Representations
from redress.intake.texts import NOT_NOW
from redress.intake.web_common import (
    Beside,
    WorkerRoute,
    language,
    named,
    worker_metadata,
    worker_session,
)
from redress.intake.web_status import status
from redress.kit.deps import Pool, Store
from redress.kit.errors import Problem

router = APIRouter(include_in_schema=False, route_class=WorkerRoute)
_ORG = r"^[a-z0-9][a-z0-9._-]{0,199}$"
_VIEW = Representations()


@router.post("/t/{tenant}/status/representation")
async def answer(
    request: Request,
    tenant: str,
    intake: IntakeContext,
    pool: Pool,
    store: Store,
    unsent: Beside,  # with the grievance the form acts on (`origin`)
    org: str | None = Form(None, max_length=200, pattern=_ORG),
    org_named: str | None = Query(None, alias="org", max_length=200, pattern=_ORG),
    allow: str = Form(pattern="^(yes|no)$"),
    csrf_token: str = Form(alias="csrf", max_length=100),
    lang: str | None = None,
) -> Response:
    grievance_id = await worker_session(request, intake, pool, tenant, lang, csrf_token, unsent)
    if (org := named(org, org_named, "organisation")) is None:
        raise Problem(422, "validation", "name the organisation that asked")
    stream = grievance_stream(grievance_id)

    def deciding(history: list[Event]) -> list[EventData]:
        return decide(AnswerRequest(org, allow == "yes"), fold([e.data for e in history]))

    try:
        done = await execute(store, stream, deciding, worker_metadata(tenant))
    except Refused:
        async with pool.acquire() as conn:  # not asked, or answered already
            name = await masthead(conn, tenant)
            return await status(request, intake, conn, tenant, name, grievance_id, lang,
                                error=NOT_NOW, status_code=409, unsent=unsent)  # fmt: skip
    await wait_for_version(pool, _VIEW, stream, done.version)
    notice = "represented" if allow == "yes" else "not_represented"
    shown = RedirectResponse(
        f"/t/{tenant}/status?lang={language(request, lang)}&done={notice}", status_code=303
    )
    return await reply_drafts.carry_rest(pool, intake, request, shown, tenant, grievance_id,
                                         unsent)  # fmt: skip
