"""The dashboards' pages: a member company's own figures, and the officers' live work.

Both sit behind one console of the kit's (`redress.kit.console`) at /dashboard: people log in
by pasting their bearer token, kept in an HttpOnly, SameSite=Strict cookie scoped to
/dashboard and verified on every request; without it the browser is sent to the login page.
`/dashboard` leads each to its page: a member to `/dashboard/{tenant}/member`, an officer or
a supervisor to `/dashboard/{tenant}/officer`. A page of another initiative than the token's
is not found (404). The member page speaks the initiative's languages (the metrics
catalogues, as the public pages) and says a refusal as a page in the reader's language; the
officer page is the officer console's, in English. No page has a script.
"""

from __future__ import annotations

import asyncio
from collections import OrderedDict
from datetime import UTC, date, datetime
from pathlib import Path as PlainPath
from typing import Annotated, Any
from zoneinfo import ZoneInfo

from fastapi import APIRouter, Path, Query, Request
from starlette.responses import HTMLResponse, RedirectResponse, Response

from redress.kit import console, csrf
from redress.kit.auth import Principal
from redress.kit.authz import Action, allowed
from redress.kit.caching import page_headers
from redress.kit.errors import Problem
from redress.kit.keyset import derive, root_secret
from redress.kit.proxy import secure_cookies
from redress.kit.runtime import Runtime
from redress.kit.settings import Settings
from redress.metrics import labels, ledger
from redress.metrics.dashboards_api import refuse_non_member
from redress.metrics.member import dashboard, latest_with_figures, quarters_with_figures
from redress.metrics.member_page import PeriodRefused, asked_period, render_member
from redress.metrics.public_pages import FiguresRoute
from redress.metrics.releases.periods import figures_period
from redress.metrics.tables import period_of
from redress.tenancy.handlers import read_tenant

PATH = "/dashboard"
KEPT = 64  # members' dashboards kept computed (disclosure control takes seconds)
Tenant = Annotated[str, Path(pattern=r"^[a-z0-9][a-z0-9-]{0,62}$")]


# Each page of the console, with the action that opens it: the first a token may open is
# where `/dashboard` leads it.
PAGES = (("member", "Member dashboard", Action.figures_member),
         ("officer", "Officer dashboard", Action.figures_officer),
         ("releases", "Releases", Action.figures_publish))  # fmt: skip


def _admits(p: Principal) -> bool:
    return any(allowed(p.roles, action) for _, _, action in PAGES)


def _nav(p: Principal) -> list[tuple[str, str]]:
    return [(f"{PATH}/{p.tenant}/{page}", label)
            for page, label, action in PAGES if allowed(p.roles, action)]  # fmt: skip


CONSOLE = console.Console(
    path=PATH,
    title="figures dashboards",
    nav=_nav,
    back="Back to the dashboard",
    admits=_admits,
    refused="That token may not read the dashboards: they are for member companies, the "
    "initiative's officers and supervisors, and its admins (releases).",
    forbidden="the dashboards are for member companies, the initiative's officers and its admins",
    csrf_key=console.csrf_key_in("metrics.csrf"),
    templates=PlainPath(__file__).parent / "templates",
)
router = CONSOLE.router()  # with the console's login and logout
member_router = APIRouter(prefix=PATH, include_in_schema=False, route_class=FiguresRoute)
LoginRequired, to_login = console.LoginRequired, console.to_login


async def start(runtime: Runtime) -> None:
    runtime.extras["metrics.csrf"] = derive(root_secret(runtime.settings), "metrics-csrf")
    runtime.extras["metrics.dashboards"] = OrderedDict()


def check(settings: Settings) -> None:
    """The root secret, found missing before the service starts (one line) rather than in
    its start-up (a traceback): the dashboards' CSRF key and the releases' keys derive
    from it."""
    root_secret(settings)


@router.get("")
async def home(request: Request) -> Response:
    """Each to the page its token allows: a member's first, then an officer's, an admin's."""
    p = await CONSOLE.staff(request)
    [first, *_] = [page for page, _, action in PAGES if allowed(p.roles, action)]
    return RedirectResponse(f"{PATH}/{p.tenant}/{first}", status_code=303)


async def signed_in(request: Request, tenant: str, action: Action) -> Principal:
    """The person whose cookie this is, if it may do `action` in `tenant`; a page of another
    initiative is not found, whoever asks."""
    p = await CONSOLE.staff(request)
    if p.tenant != tenant:
        raise Problem(404, "not-found", f"there is no initiative {tenant!r} here")
    if not allowed(p.roles, action):
        raise Problem(403, "forbidden", CONSOLE.forbidden)
    return p


def last_closed_quarter(today: date) -> str:
    quarter = (today.month - 1) // 3  # the running quarter's index, 0 to 3
    return f"{today.year - 1}-Q4" if quarter == 0 else f"{today.year}-Q{quarter}"


@member_router.get("/{tenant}/member", response_class=HTMLResponse)
async def member_page(
    tenant: Tenant,
    request: Request,
    period: Annotated[str | None, Query(max_length=12)] = None,
    by: Annotated[str, Query(max_length=20)] = "country",
) -> HTMLResponse:
    """A member company's own supply chain's figures for a closed period, protected as a
    release, beside the initiative's medians, and the plan actions it owns."""
    p = await signed_in(request, tenant, Action.figures_member)
    if by not in labels.DIMENSIONS:  # as the public pages refuse it, not silently replaced
        raise Problem(422, "bad-breakdown", f"{by!r} is not a breakdown of the figures")
    if p.org is None:
        raise Problem(403, "no-organisation", "a member's token names its organisation")
    runtime = request.app.state.runtime
    async with runtime.pool.acquire() as conn:
        initiative = await read_tenant(conn, tenant)
    settings, k = initiative.settings, initiative.minimum_count
    if settings is None:
        raise Problem(404, "not-found", f"there is no initiative {tenant!r}")
    refuse_non_member(initiative.members, p.org)
    now = datetime.now(UTC)
    today = now.astimezone(ZoneInfo(settings.time_zone)).date()
    last = last_closed_quarter(today)
    async with runtime.pool.acquire() as conn, conn.transaction(isolation="repeatable_read"):
        rows = await ledger.read(conn, tenant)
    # By default the latest quarter that has figures for the member: the last closed one
    # may have none, and an empty page reads as a supply chain without grievances.
    latest = latest_with_figures(rows, p.org, today)
    refused = None
    try:
        label = asked_period(period or (latest.label if latest else last), today, last)
    except PeriodRefused as exc:  # the page again, saying why beside the field
        label, refused = figures_period(latest.label if latest else last), exc
    at = period_of(label.kind, label.start)
    # A period asked for that has none: the page says so and links the latest that has.
    elsewhere = latest.label if latest and not any(
        q.start < at.end and at.start < q.end for q in quarters_with_figures(rows, p.org)
    ) else None  # fmt: skip
    kept: OrderedDict[tuple[Any, ...], dict[str, Any]] = runtime.extras["metrics.dashboards"]
    # The same rows, period, k and day give the same figures: computed once.
    key = (tenant, p.org, label.label, k, today, len(rows.grievances), len(rows.facts),
           len(rows.actions), sum(a.done_at is not None for a in rows.actions))  # fmt: skip
    shown = kept.get(key)
    if shown is None:
        shown = await asyncio.to_thread(dashboard, rows, p.org, at, k, now)
        kept[key] = shown
        while len(kept) > KEPT:
            kept.popitem(last=False)
    token, new_cookie = csrf.issue(request, CONSOLE.csrf_key(request))
    html = await render_member(request, tenant, settings, shown, label.label, by, token, refused,
                               elsewhere)  # fmt: skip
    status = 422 if refused else 200
    response = HTMLResponse(html, status_code=status, headers=page_headers())
    csrf.set_cookie(response, new_cookie, secure=secure_cookies(request))
    return response
