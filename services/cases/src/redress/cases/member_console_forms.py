"""The member console's forms: add an action to a case's plan (for the company itself or
its supplier), report progress on the company's own actions, and mark the new cases seen.

The plan's forms run the API's own handlers (`handlers.add_action`, `update_action`), as a
member's token would over `/v1/cases/{id}/actions`; a refusal shows the case again with the
wrong fields marked, and nothing is written.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any
from urllib.parse import urlencode

from fastapi import Request
from starlette.datastructures import FormData
from starlette.responses import RedirectResponse, Response

from redress.cases import commands as c
from redress.cases import handlers as h
from redress.cases import member_notices as notices
from redress.cases import queries as q
from redress.cases.console_fields import parsed
from redress.cases.context import CaseDesk, Desk
from redress.cases.member_console import (
    MEMBER,
    MEMBER_OWNERS,
    PATH,
    Member,
    case_page,
    home_page,
    org_of,
    router,
)
from redress.kit.auth import Principal
from redress.kit.authz import Action
from redress.kit.console import field
from redress.kit.console.refusals import FORM_ERRORS, FieldError, failure
from redress.kit.deps import authorise

ACTION_FIELDS = ("remedy", "owner", "due_on", "description")
PROGRESS_FIELDS = ("progress", "evidence", "done")


async def _plan(
    request: Request, p: Principal, desk: Desk, case_id: str, form: str, known: tuple[str, ...],
    act: Any,
) -> Response:  # fmt: skip
    """Check the CSRF token and the role, run the handler, then show the case again."""
    posted = await MEMBER.form(request)
    editor = authorise(p, Action.plan_action_update)
    try:
        written: c.Written = await act(posted, editor)
    except FORM_ERRORS as exc:  # `failure` re-raises what no form causes
        refused = failure(form, exc, posted, known, ticked="case_ids")
        return await case_page(request, p, desk, case_id, refused=refused)
    # The notice names the kind of form, not the action (an id too long for `done`).
    query = urlencode({"done": form.partition("-")[0], "min_version": written.version})
    return RedirectResponse(f"{PATH}/cases/{case_id}?{query}", status_code=303)


@router.post("/cases/{case_id}/actions")
async def add_action(request: Request, case_id: str, p: Member, desk: CaseDesk) -> Response:
    async def act(f: FormData, editor: Principal) -> c.Written:
        values = {k: field(f, k) for k in ACTION_FIELDS}
        wrong = {}
        if values["owner"] not in MEMBER_OWNERS:
            wrong["owner"] = "a member adds actions for itself or its supplier only"
        body = parsed(
            lambda: c.ActionBody.model_validate({k: v for k, v in values.items() if v}),
            wrong, ACTION_FIELDS,
        )  # fmt: skip
        return await h.add_action(desk, editor, case_id, body)

    return await _plan(request, p, desk, case_id, "add", ACTION_FIELDS, act)


@router.post("/cases/{case_id}/actions/{action_id}")
async def progress(
    request: Request, case_id: str, action_id: str, p: Member, desk: CaseDesk
) -> Response:
    async def act(f: FormData, editor: Principal) -> c.Written:
        await _own_action(desk, editor, case_id, action_id)
        body = c.ActionUpdateBody.model_validate({
            k: v for k, v in {"progress": field(f, "progress"), "evidence": field(f, "evidence"),
                              "done": field(f, "done") is not None}.items() if v is not None
        })  # fmt: skip
        return await h.update_action(desk, editor, case_id, action_id, body)

    return await _plan(request, p, desk, case_id, f"progress-{action_id}", PROGRESS_FIELDS, act)


async def _own_action(desk: Desk, p: Principal, case_id: str, action_id: str) -> None:
    """A member reports on the company's own actions; others are the MSI's, the supplier's
    or the facilitator's to report on (403, nothing written)."""
    await h.case_events(desk.store, p, case_id)  # 404 outside the supply chain first
    async with desk.pool.acquire() as conn:
        today = await desk.cases.today_in(conn, p.tenant)
        actions: Mapping[str, Any] = {
            a["action_id"]: a for a in await q.actions(conn, case_id, today)
        }
    found = actions.get(action_id)
    if found is None:
        raise FieldError("progress", "the plan has no such action", 404)
    if found["owner"] != MEMBER_OWNERS[0]:
        raise FieldError("progress", "the company reports progress on its own actions only", 403)


@router.post("/seen")
async def seen(request: Request, p: Member, desk: CaseDesk) -> Response:
    """Mark as seen every case filed up to the newest the page showed."""
    posted = await MEMBER.form(request)
    try:
        async with desk.pool.acquire() as conn:
            await notices.mark_seen(conn, p.tenant, org_of(p), p.sub, field(posted, "mark") or "")
    except FORM_ERRORS as exc:  # `failure` re-raises what no form causes
        return await home_page(request, p, desk, refused=failure("seen", exc, posted, ("mark",)))
    return RedirectResponse(f"{PATH}?done=seen", status_code=303)
