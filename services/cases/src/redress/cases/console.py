"""The officer console: server-rendered pages over the same commands and reads as the API.

Officers log in by pasting a bearer token; it is kept in an HttpOnly, SameSite=Strict cookie
scoped to /console and verified on every request. Every form carries a CSRF token. Each
form runs the API's own handler for its command (so the domain decides, the store appends,
in one place), then redirects to the case page, which waits for the view to show the write.
"""

from __future__ import annotations

import re
from collections.abc import Awaitable, Callable
from datetime import date, datetime
from pathlib import Path
from typing import Annotated, Any
from urllib.parse import urlencode

from fastapi import APIRouter, Depends, FastAPI, Query, Request
from jinja2 import Environment, FileSystemLoader, select_autoescape
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator
from starlette.datastructures import FormData
from starlette.responses import HTMLResponse, RedirectResponse, Response

from redress.cases import api, reads
from redress.cases import commands as c
from redress.cases import domain as d
from redress.cases import queries as q
from redress.cases.context import Cases, CasesContext
from redress.events.catalogue.indicators import BY_CODE
from redress.events.errors import ConcurrencyError
from redress.events.projection import wait_for_version
from redress.events.store import EventStore
from redress.kit import csrf
from redress.kit.auth import InvalidToken, Principal
from redress.kit.authz import Action, allowed
from redress.kit.deps import Pool, Store, authorise
from redress.kit.errors import Problem
from redress.kit.proxy import secure_cookies
from redress.kit.text import Line

COOKIE = "staff_token"
PATH = "/console"
MAX_TOKEN = 8192
PAGE_SIZE = 50
READ_BACK_SECONDS = 5.0
READS_SHOWN = 20
HERE = Path(__file__).parent

router = APIRouter(prefix=PATH, include_in_schema=False)

# Stages an officer moves a case on from, by hand, to the stage after it.
ADVANCING = (d.Stage.verification, d.Stage.response, d.Stage.remediation_plan)


# -- rendering --------------------------------------------------------------------------------


def human(value: Any) -> str:
    """`remediation_plan` -> `Remediation plan`; `CaseTriaged` -> `Case triaged`."""
    text = str(value)
    if re.fullmatch(r"[A-Z][a-z]+(?:[A-Z][a-z]+)+", text):
        text = re.sub(r"(?<!^)([A-Z])", r" \1", text).lower()
    text = text.replace("_", " ")
    return text[:1].upper() + text[1:]


def when(value: Any) -> str:
    if isinstance(value, datetime):
        return value.strftime("%Y-%m-%d %H:%M UTC")
    if isinstance(value, date):
        return value.isoformat()
    return "" if value is None else str(value)


def short(case_id: str) -> str:
    return case_id.removeprefix("case-")[:8]


# Timeline entries of what the worker did, said in the worker's terms.
ENTRIES = {
    "WorkerMessagePosted": "The worker wrote",
    "GrievanceUpdated": "The worker added information",
    "AttachmentAdded": "The worker attached a file",
    "WithdrawalRequested": "The worker asked to withdraw the grievance",
    "PersonalDataErased": "The worker's personal data was erased",
}


def entry(event_type: str) -> str:
    return ENTRIES.get(event_type) or human(event_type)


def who(e: dict[str, Any]) -> str:
    """Who acted: the principal's id and role; the worker and the platform by name."""
    if e["actor"] == "worker":
        return "the worker"
    if e["actor"] == "system":
        return "the platform"
    return f"{e['actor_id']} ({e['actor']})" if e.get("actor_id") else str(e["actor"])


class Pages:
    """The console's Jinja2 templates, autoescaped, answered with strict headers."""

    def __init__(self, templates: Path) -> None:
        self.env = Environment(
            loader=FileSystemLoader(templates),
            autoescape=select_autoescape(["html"]),
            trim_blocks=True,
            lstrip_blocks=True,
        )
        self.env.filters.update(human=human, when=when, short=short, entry=entry, who=who)

    def render(self, name: str, status: int = 200, **context: Any) -> HTMLResponse:
        html = self.env.get_template(name).render(**context)
        return HTMLResponse(
            html,
            status,
            headers={
                "Cache-Control": "no-store",
                "Content-Security-Policy": "default-src 'none'; style-src 'unsafe-inline'; "
                "form-action 'self'; frame-ancestors 'none'; base-uri 'none'",
                "X-Content-Type-Options": "nosniff",
                "Referrer-Policy": "no-referrer",
            },
        )


PAGES = Pages(HERE / "templates")


def page(
    request: Request, cases: Cases, name: str, status: int = 200, **context: Any
) -> HTMLResponse:
    """Render a page with a CSRF token, setting the CSRF cookie on a first visit."""
    token, new_cookie = csrf.issue(request, cases.csrf_key)
    response = PAGES.render(name, status, csrf=token, **context)
    csrf.set_cookie(response, new_cookie, secure=secure_cookies(request))
    return response


# -- who is there -----------------------------------------------------------------------------


class LoginRequired(Exception):
    """No valid staff token in the cookie: the browser is sent to the login page."""


def is_staff(principal: Principal) -> bool:
    return allowed(principal.roles, Action.case_read) or allowed(
        principal.roles, Action.case_manage
    )


async def _verify(request: Request, token: str) -> Principal:
    principal: Principal = await request.app.state.runtime.verifier.verify(token)
    return principal


async def staff(request: Request) -> Principal:
    token = request.cookies.get(COOKIE)
    if not token:
        raise LoginRequired
    try:
        principal = await _verify(request, token)
    except InvalidToken:
        raise LoginRequired from None
    if not is_staff(principal):
        raise Problem(403, "forbidden", "the console is for the grievance officers of an MSI")
    return authorise(principal, Action.case_read)


Staff = Annotated[Principal, Depends(staff)]


def install(app: FastAPI) -> None:
    async def to_login(request: Request, exc: Exception) -> Response:
        return RedirectResponse(f"{PATH}/login", status_code=303)

    app.add_exception_handler(LoginRequired, to_login)


def _field(form: FormData, name: str) -> str | None:
    """A form field as stripped text; None when absent, empty or not text."""
    value = form.get(name)
    if not isinstance(value, str):
        return None
    return value.strip() or None


def _number(form: FormData, name: str) -> int | str | None:
    """A form field holding a whole number, as a number (the body models take JSON's types)."""
    value = _field(form, name)
    return int(value) if value is not None and value.isascii() and value.isdigit() else value


def _describe(exc: ValidationError) -> str:
    parts = []
    for e in exc.errors()[:5]:
        where = ".".join(str(x) for x in e.get("loc", ()))
        parts.append(f"{human(where)}: {e.get('msg', '')}" if where else e.get("msg", ""))
    return "; ".join(parts)


# -- log in and out ---------------------------------------------------------------------------


@router.get("/login")
async def login_form(request: Request, cases: CasesContext) -> Response:
    token = request.cookies.get(COOKIE)
    if token:
        try:
            if is_staff(await _verify(request, token)):
                return RedirectResponse(PATH, status_code=303)
        except InvalidToken:
            pass
    notice = "out" if request.query_params.get("done") == "out" else None
    return page(request, cases, "login.html", notice=notice)


@router.post("/login")
async def login(request: Request, cases: CasesContext) -> Response:
    form = await request.form()
    csrf.check(request, cases.csrf_key, _field(form, "csrf"))
    token = _field(form, "token") or ""
    if token[:7].lower() == "bearer ":
        token = token[7:].strip()
    if not token or len(token) > MAX_TOKEN:
        return page(request, cases, "login.html", 422, error="empty")
    try:
        principal = await _verify(request, token)
    except InvalidToken as exc:
        return page(request, cases, "login.html", 401, error="invalid", reason=str(exc))
    if not is_staff(principal):
        return page(request, cases, "login.html", 403, error="not-staff")
    response = RedirectResponse(PATH, status_code=303)
    response.set_cookie(
        COOKIE,
        token,
        httponly=True,
        samesite="strict",
        secure=secure_cookies(request),
        path=PATH,
    )
    return response


@router.post("/logout")
async def logout(request: Request, cases: CasesContext) -> Response:
    form = await request.form()
    csrf.check(request, cases.csrf_key, _field(form, "csrf"))
    response = RedirectResponse(f"{PATH}/login?done=out", status_code=303)
    response.delete_cookie(
        COOKIE, path=PATH, httponly=True, samesite="strict", secure=secure_cookies(request)
    )
    return response


# -- the queue --------------------------------------------------------------------------------


class QueueQuery(BaseModel):
    """The queue's GET form: an empty select means "any"."""

    model_config = ConfigDict(extra="ignore", str_strip_whitespace=True)

    stage: d.Stage | None = None
    severity: d.Severity | None = None
    officer: Line | None = Field(None, max_length=200)
    overdue: bool | None = None
    cursor: Line | None = Field(None, max_length=400)
    limit: int = Field(PAGE_SIZE, ge=1, le=200)

    @field_validator("stage", "severity", "officer", "overdue", "cursor", mode="before")
    @classmethod
    def _blank_is_none(cls, value: Any) -> Any:
        return None if value == "" else value


@router.get("")
async def queue(request: Request, p: Staff, pool: Pool, cases: CasesContext) -> Response:
    context: dict[str, Any] = {
        "principal": p,
        "stages": list(d.Stage),
        "severities": list(d.Severity),
        "rows": [],
        "next_url": None,
        "first_url": None,
    }
    async with pool.acquire() as conn:
        context["officers"] = await q.officers(conn, p.tenant)
        try:
            f = QueueQuery.model_validate(dict(request.query_params))
            filters = q.QueueFilter(f.stage, f.severity, f.officer, f.overdue)
            found = await q.queue(conn, p.tenant, filters, api.today(cases), f.cursor, f.limit)
        except ValidationError as exc:
            context["f"] = QueueQuery()
            return page(request, cases, "queue.html", 422, error=_describe(exc), **context)
        except Problem as exc:
            context["f"] = QueueQuery()
            return page(request, cases, "queue.html", exc.status, error=exc.detail, **context)
    kept = {k: v for k, v in f.model_dump(mode="json", exclude={"cursor"}).items() if v is not None}
    if f.limit == PAGE_SIZE:
        del kept["limit"]
    if "overdue" in kept:
        kept["overdue"] = "yes" if f.overdue else "no"
    context.update(f=f, rows=found.rows, overdue_value=kept.get("overdue", ""))
    if found.next:
        context["next_url"] = f"{PATH}?{urlencode({**kept, 'cursor': found.next})}"
    if f.cursor:
        context["first_url"] = f"{PATH}?{urlencode(kept)}" if kept else PATH
    return page(request, cases, "queue.html", **context)


# -- the case page ----------------------------------------------------------------------------


def _indicators(row: Any) -> list[dict[str, Any]]:
    """Every known indicator, the category's suggestions first and (before triage) ticked."""
    suggested = d.SUGGESTED.get(row["category"], ())
    triaged = row["severity"] is not None
    current = set(row["indicators"] or ())
    ordered = [*suggested, *sorted(d.KNOWN_INDICATORS - set(suggested))]
    return [
        {
            "code": code,
            "suggested": code in suggested,
            "checked": code in current if triaged else code in suggested,
            "benchmark": BY_CODE[code].benchmark,
            "ilo": BY_CODE[code].ilo,
        }
        for code in ordered
    ]


async def case_page(
    request: Request,
    p: Principal,
    pool: Pool,
    cases: Cases,
    case_id: str,
    *,
    done: str | None = None,
    error: str | None = None,
    failed: str | None = None,
    status: int = 200,
    min_version: int | None = None,
) -> HTMLResponse:
    store: EventStore = request.app.state.runtime.store
    if min_version:
        # Authorised on the log before waiting: another tenant's case is 404 at once.
        await api.case_events(store, p, case_id)
    stale = bool(
        min_version
        and not await wait_for_version(
            pool, api.VIEWS, case_id, min_version, timeout=READ_BACK_SECONDS
        )
    )
    today = api.today(cases)
    async with pool.acquire() as conn:
        row = await q.case_row(conn, p.tenant, case_id)
        if row is None:
            raise Problem(404, "not-found", api.NOT_FOUND)
        actions = await q.actions(conn, case_id, today)
        grievance = await q.personal(conn, cases.keyring, row["grievance_id"])
        thread = await q.thread(conn, cases.keyring, case_id)
        timeline = await q.timeline(conn, case_id)
        lessons = await q.lessons(conn, case_id)
        recent_reads = await q.recent_reads(conn, case_id, READS_SHOWN)
    shown = reads.fields_shown(grievance, thread)
    await reads.record(store, p, case_id, row["grievance_id"], shown, "console")
    stage = d.Stage(row["stage"])
    is_open = row["status"] == d.Status.open
    late = is_open and (
        row["deadline_missed"] or (row["stage_due"] is not None and row["stage_due"] < today)
    )
    context: dict[str, Any] = {
        "principal": p,
        "case": row,
        "grievance": grievance,
        "thread": thread,
        "timeline": timeline,
        "erased": any(e["type"] == "PersonalDataErased" for e in timeline),
        "actions": actions,
        "lessons": lessons,
        "reads": recent_reads,
        "stage_overdue": late,
        "next_stage": d.ORDER[d.ORDER.index(stage) + 1] if stage in ADVANCING else None,
        "indicators": _indicators(row),
        "severities": list(d.Severity),
        "grounds": list(d.Grounds),
        "remedies": list(d.Remedy),
        "owners": list(d.Owner),
        "outcomes": list(d.Outcome),
        "can_manage": allowed(p.roles, Action.case_manage),
        "can_plan": allowed(p.roles, Action.plan_action_update),
        "is_open": is_open,
        "done": done,
        "error": error,
        "failed": failed,
        "stale": stale,
        "today": today,
    }
    return page(request, cases, "case.html", status, **context)


@router.get("/cases/{case_id}")
async def case(
    request: Request,
    case_id: str,
    p: Staff,
    pool: Pool,
    cases: CasesContext,
    min_version: Annotated[int | None, Query(ge=1)] = None,
    done: Annotated[str | None, Query(max_length=40)] = None,
) -> HTMLResponse:
    return await case_page(request, p, pool, cases, case_id, done=done, min_version=min_version)


# -- the forms: each runs the API's handler for its command -----------------------------------

Run = Callable[[FormData, Principal], Awaitable[c.Written]]


async def _act(
    request: Request,
    case_id: str,
    p: Principal,
    pool: Pool,
    cases: Cases,
    name: str,
    run: Run,
    action: Action = Action.case_manage,
) -> Response:
    """Check the CSRF token and the role, run the command, then show the case again."""
    form = await request.form()
    csrf.check(request, cases.csrf_key, _field(form, "csrf"))
    try:
        written = await run(form, authorise(p, action))
    except ValidationError as exc:
        error, status = _describe(exc), 422
    except Problem as exc:
        if exc.status not in (409, 422):
            raise
        error, status = exc.detail, exc.status
    except ConcurrencyError:
        error, status = "someone changed this case at the same time; try again", 409
    else:
        query = urlencode({"done": name, "min_version": written.version})
        return RedirectResponse(f"{PATH}/cases/{written.case_id}?{query}", status_code=303)
    return await case_page(
        request, p, pool, cases, case_id, error=error, failed=name, status=status
    )


def _body(model: type[c.Body], **values: Any) -> Any:
    return model.model_validate({k: v for k, v in values.items() if v is not None})


@router.post("/cases/{case_id}/triage")
async def triage(
    request: Request, case_id: str, p: Staff, pool: Pool, store: Store, cases: CasesContext
) -> Response:
    async def run(form: FormData, p: Principal) -> c.Written:
        indicators = [v for v in form.getlist("indicators") if isinstance(v, str)]
        body = _body(
            c.TriageBody,
            indicators=indicators,
            severity=_field(form, "severity"),
            override_reason=_field(form, "override_reason"),
        )
        return await api.triage(case_id, body, p, store)

    return await _act(request, case_id, p, pool, cases, "triage", run)


@router.post("/cases/{case_id}/accept")
async def accept(
    request: Request, case_id: str, p: Staff, pool: Pool, store: Store, cases: CasesContext
) -> Response:
    async def run(form: FormData, p: Principal) -> c.Written:
        return await api.accept(case_id, p, store, pool, cases)

    return await _act(request, case_id, p, pool, cases, "accept", run)


@router.post("/cases/{case_id}/reject")
async def reject(
    request: Request, case_id: str, p: Staff, pool: Pool, store: Store, cases: CasesContext
) -> Response:
    async def run(form: FormData, p: Principal) -> c.Written:
        body = _body(
            c.RejectBody, grounds=_field(form, "grounds"), explanation=_field(form, "explanation")
        )
        return await api.reject(case_id, body, p, store)

    return await _act(request, case_id, p, pool, cases, "reject", run)


@router.post("/cases/{case_id}/advance")
async def advance(
    request: Request, case_id: str, p: Staff, pool: Pool, store: Store, cases: CasesContext
) -> Response:
    async def run(form: FormData, p: Principal) -> c.Written:
        body = _body(c.AdvanceBody, to=_field(form, "to"))
        return await api.advance(case_id, body, p, store, pool, cases)

    return await _act(request, case_id, p, pool, cases, "advance", run)


@router.post("/cases/{case_id}/actions")
async def add_action(
    request: Request, case_id: str, p: Staff, pool: Pool, store: Store, cases: CasesContext
) -> Response:
    async def run(form: FormData, p: Principal) -> c.Written:
        body = _body(
            c.ActionBody,
            remedy=_field(form, "remedy"),
            owner=_field(form, "owner"),
            due_on=_field(form, "due_on"),
            description=_field(form, "description"),
        )
        return await api.add_action(case_id, body, p, store)

    return await _act(
        request, case_id, p, pool, cases, "add-action", run, Action.plan_action_update
    )


@router.post("/cases/{case_id}/actions/{action_id}")
async def update_action(
    request: Request,
    case_id: str,
    action_id: str,
    p: Staff,
    pool: Pool,
    store: Store,
    cases: CasesContext,
) -> Response:
    async def run(form: FormData, p: Principal) -> c.Written:
        body = _body(
            c.ActionUpdateBody,
            progress=_field(form, "progress"),
            evidence=_field(form, "evidence"),
            done=_field(form, "done") is not None,
        )
        return await api.update_action(case_id, action_id, body, p, store)

    return await _act(
        request, case_id, p, pool, cases, "update-action", run, Action.plan_action_update
    )


@router.post("/cases/{case_id}/assign")
async def assign(
    request: Request, case_id: str, p: Staff, pool: Pool, store: Store, cases: CasesContext
) -> Response:
    async def run(form: FormData, p: Principal) -> c.Written:
        body = c.assign_body(_field(form, "officer"), _field(form, "facilitator"))
        return await api.assign(case_id, body, p, store)

    return await _act(request, case_id, p, pool, cases, "assign", run)


@router.post("/cases/{case_id}/messages")
async def message_worker(
    request: Request, case_id: str, p: Staff, pool: Pool, store: Store, cases: CasesContext
) -> Response:
    async def run(form: FormData, p: Principal) -> c.Written:
        body = _body(c.TextBody, text=_field(form, "text"))
        return await api.message_worker(case_id, body, p, store, pool, cases)

    return await _act(request, case_id, p, pool, cases, "message", run)


@router.post("/cases/{case_id}/notes")
async def add_note(
    request: Request, case_id: str, p: Staff, pool: Pool, store: Store, cases: CasesContext
) -> Response:
    async def run(form: FormData, p: Principal) -> c.Written:
        body = _body(c.TextBody, text=_field(form, "text"))
        return await api.add_note(case_id, body, p, store, pool, cases)

    return await _act(request, case_id, p, pool, cases, "note", run)


@router.post("/cases/{case_id}/close")
async def close(
    request: Request, case_id: str, p: Staff, pool: Pool, store: Store, cases: CasesContext
) -> Response:
    async def run(form: FormData, p: Principal) -> c.Written:
        body = _body(
            c.CloseBody, outcome=_field(form, "outcome"), satisfaction=_number(form, "satisfaction")
        )
        return await api.close(case_id, body, p, store)

    return await _act(request, case_id, p, pool, cases, "close", run)


@router.post("/cases/{case_id}/satisfaction")
async def satisfaction(
    request: Request, case_id: str, p: Staff, pool: Pool, store: Store, cases: CasesContext
) -> Response:
    async def run(form: FormData, p: Principal) -> c.Written:
        body = _body(c.SatisfactionBody, score=_number(form, "score"), source="officer")
        return await api.satisfaction(case_id, body, p, store)

    return await _act(request, case_id, p, pool, cases, "satisfaction", run)


@router.post("/cases/{case_id}/lessons")
async def lessons(
    request: Request, case_id: str, p: Staff, pool: Pool, store: Store, cases: CasesContext
) -> Response:
    async def run(form: FormData, p: Principal) -> c.Written:
        tags = [t.strip() for t in (_field(form, "tags") or "").split(",") if t.strip()]
        body = _body(c.LessonsBody, text=_field(form, "text"), tags=tags)
        return await api.lessons(case_id, body, p, store)

    return await _act(request, case_id, p, pool, cases, "lessons", run)


@router.post("/cases/{case_id}/reopen")
async def reopen(
    request: Request, case_id: str, p: Staff, pool: Pool, store: Store, cases: CasesContext
) -> Response:
    async def run(form: FormData, p: Principal) -> c.Written:
        body = _body(c.ReopenBody, reason=_field(form, "reason"))
        return await api.reopen(case_id, body, p, store, pool, cases)

    return await _act(request, case_id, p, pool, cases, "reopen", run)
