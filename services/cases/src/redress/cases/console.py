"""The officer console: server-rendered pages over the same handlers and reads as the API.

Officers log in by pasting a bearer token (the kit's `Console`); it is kept in an HttpOnly,
SameSite=Strict cookie scoped to /console and verified on every request. Every form carries
a CSRF token. Each form runs the API's own handler for its command (so the domain decides,
the store appends, in one place: `redress.cases.handlers`), then redirects to the case page,
which waits for the view to show the write. Its forms are in `console_forms`, its rendering
in `console_render`, what its case page shows in `console_case`.
"""

from __future__ import annotations

from typing import Annotated, Any
from urllib.parse import urlencode

from fastapi import Depends, Query, Request
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator
from starlette.responses import HTMLResponse, Response

from redress.cases import alerts
from redress.cases import domain as d
from redress.cases import queries as q
from redress.cases.console_case import case_page
from redress.cases.console_render import CONSOLE, PATH, page
from redress.cases.context import CaseDesk, CasesContext
from redress.kit import console
from redress.kit.auth import Principal
from redress.kit.authz import Action
from redress.kit.deps import Pool
from redress.kit.errors import Problem
from redress.kit.openapi import MinVersion
from redress.kit.text import Line

PAGE_SIZE = 50

router = CONSOLE.router()  # with the console's login and logout

# -- who is there -----------------------------------------------------------------------------

LoginRequired, to_login = console.LoginRequired, console.to_login
_field, _number, _describe = console.field, console.number, console.describe


staff = CONSOLE.signed_in(Action.case_read)
Staff = Annotated[Principal, Depends(staff)]


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
        "dashboard_url": _dashboard_url(request, p),
    }
    async with pool.acquire() as conn:
        context["officers"] = await q.officers(conn, p.tenant)
        context["alerts"] = await alerts.standing(conn, p.tenant)
        try:
            f = QueueQuery.model_validate(dict(request.query_params))
            filters = q.QueueFilter(f.stage, f.severity, f.officer, f.overdue)
            today, frames = await cases.calendar_in(conn, p.tenant)
            context["zone"] = frames.time_zone  # every moment of the queue said in it
            found = await q.queue(conn, p.tenant, filters, today, f.cursor, f.limit)
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
    context.update(f=f, rows=found.items, overdue_value=kept.get("overdue", ""))
    if found.next:
        context["next_url"] = f"{PATH}?{urlencode({**kept, 'cursor': found.next})}"
    if f.cursor:
        context["first_url"] = f"{PATH}?{urlencode(kept)}" if kept else PATH
    return page(request, cases, "queue.html", **context)


def _dashboard_url(request: Request, p: Principal) -> str | None:
    """The officer dashboard (queues, overdue stages, referrals, callbacks, with charts) in
    the metrics service's pages, linked by URL only."""
    base = console.peer_url(request, "metrics")
    return f"{base}/dashboard/{p.tenant}/officer" if base else None


# -- the case page (what it shows is `console_case`'s) -------------------------------------


@router.get("/cases/{case_id}")
async def case(
    request: Request,
    case_id: str,
    p: Staff,
    desk: CaseDesk,
    min_version: MinVersion = None,
    done: Annotated[str | None, Query(max_length=40)] = None,
) -> HTMLResponse:
    return await case_page(request, p, desk, case_id, done=done, min_version=min_version)
