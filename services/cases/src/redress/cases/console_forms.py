"""The console's forms: each parses its fields into the API's body and runs the same handler.

The domain decides and the store appends in one place (`redress.cases.handlers`); a form
only checks the CSRF token and the role, then redirects to the case page, which waits for
the view to show the write. A refusal or invalid input shows the case page again with the
reason, next to the form that failed.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Mapping
from typing import Any
from urllib.parse import urlencode

from fastapi import APIRouter, Request
from pydantic import ValidationError
from starlette.datastructures import FormData, UploadFile
from starlette.responses import RedirectResponse, Response

from redress.cases import commands as c
from redress.cases import evidence, supply_chain_queries
from redress.cases import handlers as h
from redress.cases import oversight_handlers as oversight
from redress.cases import verification as v
from redress.cases.console import Staff, _describe, _field, _number
from redress.cases.console_case import case_page
from redress.cases.console_render import CONSOLE, PATH, ConsoleRoute
from redress.cases.context import CaseDesk, Desk
from redress.events.application import Refused
from redress.events.errors import ConcurrencyError
from redress.kit.auth import Principal
from redress.kit.authz import Action
from redress.kit.deps import authorise
from redress.kit.errors import Problem

router = APIRouter(prefix=PATH, include_in_schema=False, route_class=ConsoleRoute)

# What a form does: the desk, who acts, the case, the form's fields and the path's.
Call = Callable[[Desk, Principal, str, FormData, Mapping[str, str]], Awaitable[c.Written]]


def form(path: str, done: str, action: Action = Action.case_manage) -> Callable[[Call], Call]:
    """Serve `call` as the form posted to `/console/cases/{case_id}<path>`."""

    def register(call: Call) -> Call:
        async def route(request: Request, case_id: str, p: Staff, desk: CaseDesk) -> Response:
            return await _act(request, case_id, p, desk, done, call, action)

        router.add_api_route(
            f"/cases/{{case_id}}{path}", route, methods=["POST"], name=f"console-{done}"
        )
        return call

    return register


async def _act(
    request: Request,
    case_id: str,
    p: Principal,
    desk: Desk,
    name: str,
    call: Call,
    action: Action,
) -> Response:
    """Check the CSRF token and the role, run the command, then show the case again."""
    fields = await CONSOLE.form(request)  # each page's form once
    try:
        written = await call(desk, authorise(p, action), case_id, fields, request.path_params)
    except ValidationError as exc:
        error, status = _describe(exc), 422
    except Refused as exc:
        error, status = exc.detail, exc.status
    except Problem as exc:
        if exc.status not in (409, 413, 415, 422):  # a file too large, or of another type
            raise
        error, status = exc.detail, exc.status
    except ConcurrencyError:
        error, status = "someone changed this case at the same time; try again", 409
    else:
        query = urlencode({"done": name, "min_version": written.version})
        return RedirectResponse(f"{PATH}/cases/{written.case_id}?{query}", status_code=303)
    typed = {k: v for k, v in fields.items() if isinstance(v, str) and k != "csrf"}
    return await case_page(
        request, p, desk, case_id, error=error, failed=name, typed=typed, status=status
    )


def _body(model: type[c.Body], **values: Any) -> Any:
    return model.model_validate({k: v for k, v in values.items() if v is not None})


@form("/triage", "triage")
async def triage(desk: Desk, p: Principal, case_id: str, f: FormData, _: Any) -> c.Written:
    indicators = [v for v in f.getlist("indicators") if isinstance(v, str)]
    body = _body(
        c.TriageBody,
        indicators=indicators,
        severity=_field(f, "severity"),
        override_reason=_field(f, "override_reason"),
    )
    return await h.triage(desk, p, case_id, body)


@form("/accept", "accept")
async def accept(desk: Desk, p: Principal, case_id: str, f: FormData, _: Any) -> c.Written:
    return await h.accept(desk, p, case_id)


@form("/reject", "reject")
async def reject(desk: Desk, p: Principal, case_id: str, f: FormData, _: Any) -> c.Written:
    typed = _field(f, "duplicate_of")
    duplicate_of = typed
    if typed:  # the eight characters the console shows will do
        async with desk.pool.acquire() as conn:
            found, _unknown = await supply_chain_queries.resolve(conn, p.tenant, [typed])
        duplicate_of = found[0] if found else typed
    body = _body(c.RejectBody, grounds=_field(f, "grounds"), explanation=_field(f, "explanation"),
                 duplicate_of=duplicate_of)  # fmt: skip
    return await h.reject(desk, p, case_id, body)


@form("/advance", "advance")
async def advance(desk: Desk, p: Principal, case_id: str, f: FormData, _: Any) -> c.Written:
    return await h.advance(desk, p, case_id, _body(c.AdvanceBody, to=_field(f, "to")))


@form("/actions", "add-action", Action.plan_action_add)
async def add_action(desk: Desk, p: Principal, case_id: str, f: FormData, _: Any) -> c.Written:
    body = _body(
        c.ActionBody,
        remedy=_field(f, "remedy"),
        owner=_field(f, "owner"),
        due_on=_field(f, "due_on"),
        description=_field(f, "description"),
    )
    return await h.add_action(desk, p, case_id, body)


@form("/actions/{action_id}", "update-action", Action.plan_action_update)
async def update_action(
    desk: Desk, p: Principal, case_id: str, f: FormData, path: Mapping[str, str]
) -> c.Written:
    body = _body(
        c.ActionUpdateBody,
        progress=_field(f, "progress"),
        evidence=_field(f, "evidence"),
        done=_field(f, "done") is not None,
    )
    return await h.update_action(desk, p, case_id, path["action_id"], body)


@form("/assign", "assign")
async def assign(desk: Desk, p: Principal, case_id: str, f: FormData, _: Any) -> c.Written:
    body = c.assign_body(_field(f, "officer"), _field(f, "facilitator"))
    return await h.assign(desk, p, case_id, body)


@form("/messages", "message")
async def message(desk: Desk, p: Principal, case_id: str, f: FormData, _: Any) -> c.Written:
    return await h.message_worker(desk, p, case_id, _body(c.TextBody, text=_field(f, "text")))


@form("/notes", "note")
async def note(desk: Desk, p: Principal, case_id: str, f: FormData, _: Any) -> c.Written:
    return await h.add_note(desk, p, case_id, _body(c.TextBody, text=_field(f, "text")))


@form("/close", "close")
async def close(desk: Desk, p: Principal, case_id: str, f: FormData, _: Any) -> c.Written:
    body = _body(
        c.CloseBody,
        outcome=_field(f, "outcome"),
        satisfaction=_number(f, "satisfaction"),
        no_court_waiver_attested=_field(f, "no_court_waiver_attested") is not None,
    )
    return await h.close(desk, p, case_id, body)


@form("/satisfaction", "satisfaction")
async def satisfaction(desk: Desk, p: Principal, case_id: str, f: FormData, _: Any) -> c.Written:
    body = _body(c.SatisfactionBody, score=_number(f, "score"), source="officer")
    return await h.satisfaction(desk, p, case_id, body)


@form("/lessons", "lessons")
async def lessons(desk: Desk, p: Principal, case_id: str, f: FormData, _: Any) -> c.Written:
    tags = [t.strip() for t in (_field(f, "tags") or "").split(",") if t.strip()]
    return await h.lessons(
        desk, p, case_id, _body(c.LessonsBody, text=_field(f, "text"), tags=tags)
    )


@form("/reopen", "reopen")
async def reopen(desk: Desk, p: Principal, case_id: str, f: FormData, _: Any) -> c.Written:
    return await h.reopen(desk, p, case_id, _body(c.ReopenBody, reason=_field(f, "reason")))


@form("/review", "review")
async def review(desk: Desk, p: Principal, case_id: str, f: FormData, _: Any) -> c.Written:
    """A review the worker asked for: another officer than the one who decided."""
    body = _body(c.ReviewBody, result=_field(f, "result"), reasons=_field(f, "reasons"))
    return await oversight.review(desk, p, case_id, body)


# Verification and the response (IOM steps 1 and 2), and corrections of what was filed.


@form("/findings", "finding")
async def finding(desk: Desk, p: Principal, case_id: str, f: FormData, _: Any) -> c.Written:
    """The finding, with the files chosen on its form (a browser sends an empty part when
    none is): all in one append, or nothing."""
    body = _body(c.FindingBody, source=_field(f, "source"), finding=_field(f, "finding"))
    uploads = [u for u in f.getlist("evidence") if isinstance(u, UploadFile) and u.filename]
    if len(uploads) > evidence.MAX_AT_ONCE:
        raise Problem(422, "validation", f"attach at most {evidence.MAX_AT_ONCE} files at once")
    if not uploads:
        return await oversight.record_finding(desk, p, case_id, body)
    files = [await evidence.checked(u) for u in uploads]
    return await evidence.record_finding(desk, p, case_id, body, files)


@form("/verification", "verification")
async def verification(desk: Desk, p: Principal, case_id: str, f: FormData, _: Any) -> c.Written:
    body = _body(c.VerificationBody, decision=_field(f, "decision"), reasons=_field(f, "reasons"))
    return await oversight.verify(
        desk, p, case_id, v.DecideVerification(body.decision, body.reasons)
    )


@form("/response", "response")
async def response(desk: Desk, p: Principal, case_id: str, f: FormData, _: Any) -> c.Written:
    ticked = {k: _field(f, k) is not None for k in ("state_needed", "law_enforcement_needed",
                                                    "referral_needed")}  # fmt: skip
    b = _body(c.ResponseBody, level=_field(f, "level"), involvement=_field(f, "involvement"),
              reasons=_field(f, "reasons"), **ticked)  # fmt: skip
    command = v.DetermineResponse(
        b.level, b.involvement, b.state_needed, b.law_enforcement_needed, b.referral_needed,
        b.reasons,
    )  # fmt: skip
    return await oversight.verify(desk, p, case_id, command)


@form("/corrections", "correct")
async def correct(desk: Desk, p: Principal, case_id: str, f: FormData, _: Any) -> c.Written:
    """Every field comes with the form: only those that differ from the case are corrected."""
    body = _body(
        c.CorrectionBody,
        reason=_field(f, "reason"),
        category=_field(f, "category"),
        country=_field(f, "country"),
        site_id=_field(f, "site_id"),
        language=_field(f, "language"),
    )
    return await oversight.correct(desk, p, case_id, body)
