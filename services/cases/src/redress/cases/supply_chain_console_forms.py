"""The console's forms of suppliers and systemic issues: open an issue, link cases to it, add
to its plan, decide a supplier's consequence. Each parses its fields into the API's body
(`supply_chain_api`) and runs the API's own handler; a refusal shows the page again with
the wrong fields marked, and nothing is written.

Cases are named by ticking them (the cases at the site, or of the issue's category) or by
typing their ids, in full or as the eight characters the console shows.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Annotated, Any
from urllib.parse import urlencode

from fastapi import APIRouter, Path, Request
from pydantic import TypeAdapter
from starlette.datastructures import FormData
from starlette.responses import HTMLResponse, RedirectResponse, Response

from redress.cases import supply_chain_handlers as h
from redress.cases import supply_chain_queries as q
from redress.cases.console import Staff
from redress.cases.console_fields import parsed
from redress.cases.console_render import CONSOLE, PATH, ConsoleRoute
from redress.cases.context import CaseDesk, Desk
from redress.cases.supply_chain_api import (
    ConsequenceBody,
    Escalation,
    IssueActionBody,
    IssueBody,
    LinkBody,
)
from redress.cases.supply_chain_console import SiteId, issue_page, new_issue_page, supplier_page
from redress.events.catalogue.supply_chain import Consequence
from redress.kit.auth import Principal
from redress.kit.authz import Action
from redress.kit.console import field, values
from redress.kit.console.refusals import FORM_ERRORS, FieldError, failure
from redress.kit.deps import authorise
from redress.kit.errors import Problem

router = APIRouter(prefix=PATH, include_in_schema=False, route_class=ConsoleRoute)
IssueId = Annotated[str, Path(max_length=80)]
CONSEQUENCE = TypeAdapter(ConsequenceBody)


async def _cases(
    desk: Desk, p: Principal, f: FormData, *, issue_id: str | None = None
) -> tuple[list[str], dict[str, str]]:
    """The cases the form names (ticked, those of the issue chosen, those typed), and what
    was named wrong."""
    named, wrong = values(f, "case_ids"), {}
    if issue_id:
        try:
            named += (await h.issue_of(desk, p, issue_id))["cases"]
        except Problem:
            wrong["issue_id"] = "there is no such systemic issue"
    async with desk.pool.acquire() as conn:
        typed, unknown = await q.resolve(conn, p.tenant, q.references(field(f, "other_cases")))
    if unknown:
        wrong["other_cases"] = f"no case of this initiative is {', '.join(unknown[:5])}"
    return list(dict.fromkeys(named + typed)), wrong


async def _run(
    request: Request,
    p: Principal,
    desk: Desk,
    form: str,
    known: tuple[str, ...],
    act: Callable[[FormData, Principal], Awaitable[str]],
    again: Callable[[Any], Awaitable[HTMLResponse]],
) -> Response:
    """Check the CSRF token and the role, then act; a refusal shows the page `again`."""
    posted = await CONSOLE.form(request)
    officer = authorise(p, Action.case_manage)
    try:
        where = await act(posted, officer)
    except FORM_ERRORS as exc:  # `failure` re-raises what no form causes
        return await again(failure(form, exc, posted, known, ticked="case_ids"))
    separator = "&" if "?" in where else "?"
    return RedirectResponse(f"{where}{separator}{urlencode({'done': form})}", status_code=303)


@router.post("/systemic-issues")
async def open_issue(request: Request, p: Staff, desk: CaseDesk) -> Response:
    async def act(f: FormData, officer: Principal) -> str:
        case_ids, wrong = await _cases(desk, officer, f)
        body = parsed(lambda: IssueBody.model_validate({
            "title": field(f, "title") or "", "site_id": field(f, "site_id"),
            "category": field(f, "category"), "case_ids": case_ids,
        }), wrong, known)  # fmt: skip
        recorded = await h.open_issue(
            desk, officer, body.title, body.site_id, body.category, body.case_ids
        )
        return f"{PATH}/systemic-issues/{recorded.stream}"

    async def again(refused: Any) -> HTMLResponse:
        wanted = {k: refused.typed.get(k, "") for k in ("site_id", "category")}
        return await new_issue_page(request, p, desk, wanted, refused)

    known = ("title", "site_id", "category", "case_ids", "other_cases")
    return await _run(request, p, desk, "open", known, act, again)


@router.post("/systemic-issues/{issue_id}/cases")
async def link(request: Request, issue_id: IssueId, p: Staff, desk: CaseDesk) -> Response:
    async def act(f: FormData, officer: Principal) -> str:
        case_ids, wrong = await _cases(desk, officer, f)
        body = parsed(lambda: LinkBody.model_validate({"case_ids": case_ids}), wrong, known)
        await h.link_cases(desk, officer, issue_id, body.case_ids)
        return f"{PATH}/systemic-issues/{issue_id}"

    async def again(refused: Any) -> HTMLResponse:
        return await issue_page(request, p, desk, issue_id, refused=refused)

    known = ("case_ids", "other_cases")
    return await _run(request, p, desk, "link", known, act, again)


@router.post("/systemic-issues/{issue_id}/actions")
async def add_action(request: Request, issue_id: IssueId, p: Staff, desk: CaseDesk) -> Response:
    async def act(f: FormData, officer: Principal) -> str:
        values = {k: field(f, k) for k in ("description", "owner", "due_on")}
        body = IssueActionBody.model_validate({k: v for k, v in values.items() if v})
        await h.add_issue_action(desk, officer, issue_id, body.description, body.owner,
                                 body.due_on)  # fmt: skip
        return f"{PATH}/systemic-issues/{issue_id}"

    async def again(refused: Any) -> HTMLResponse:
        return await issue_page(request, p, desk, issue_id, refused=refused)

    known = ("description", "owner", "due_on")
    return await _run(request, p, desk, "action", known, act, again)


@router.post("/suppliers/{site_id}/consequences")
async def decide(request: Request, site_id: SiteId, p: Staff, desk: CaseDesk) -> Response:
    async def act(f: FormData, officer: Principal) -> str:
        consequence = field(f, "consequence")
        if consequence not in set(Consequence):
            raise FieldError("consequence", "choose one of the consequences offered")
        case_ids, wrong = await _cases(desk, officer, f, issue_id=field(f, "issue_id"))
        raw: dict[str, Any] = {
            "consequence": consequence, "reasons": field(f, "reasons") or "",
            "case_ids": case_ids,
        }  # fmt: skip
        if consequence != "reinstatement":  # lifting a suspension needs no plan
            raw["steps"] = [s.strip() for s in (field(f, "steps") or "").splitlines() if s.strip()]
        body = parsed(lambda: CONSEQUENCE.validate_python(raw), wrong, known)
        steps = body.steps if isinstance(body, Escalation) else []
        await h.decide_consequence(desk, officer, site_id, body.consequence, body.reasons,
                                   body.case_ids, steps)  # fmt: skip
        return f"{PATH}/suppliers/{site_id}"

    async def again(refused: Any) -> HTMLResponse:
        return await supplier_page(request, p, desk, site_id, refused=refused)

    known = ("consequence", "reasons", "steps", "issue_id", "case_ids", "other_cases")
    return await _run(request, p, desk, "consequence", known, act, again)
