"""Refusals on the worker pages, answered as a page in the worker's language with a way back,
never as problem+json: a route's (`WorkerRoute`), a request refused before any route ran
(`refused_before_routing`), and an address nothing answers (`missed_address`)."""

from __future__ import annotations

import re
import time
from collections.abc import Callable, Coroutine
from typing import Any

from fastapi import Request
from fastapi.exceptions import RequestValidationError
from fastapi.routing import APIRoute
from starlette.exceptions import HTTPException
from starlette.responses import HTMLResponse, RedirectResponse, Response
from starlette.types import Scope

from redress.events.application import Refused
from redress.intake.context import Intake
from redress.intake.filing import Masthead
from redress.intake.texts import PROBLEMS
from redress.intake.web_encoding import utf8_forms
from redress.intake.web_page import language, page
from redress.kit import errors, outage
from redress.kit.errors import Problem
from redress.kit.i18n import LANGUAGES
from redress.tenancy.handlers import last_read, read_tenant


async def page_language(request: Request) -> str:
    """The language the worker was reading in: the query, the form sent, or the browser's."""
    chosen = request.query_params.get("lang")
    if chosen not in LANGUAGES and request.method == "POST":
        try:
            form = await request.form()  # parsed already by the endpoint: read from cache
            chosen = str(form.get("lang") or "")
        except (HTTPException, RuntimeError, AssertionError, ValueError):
            chosen = None  # the form could not be read (too many parts, stream consumed)
    return language(request, chosen)


async def problem_page(request: Request, problem: Problem) -> HTMLResponse:
    """A refused request on a worker page, said in the worker's language, with a way back."""
    intake: Intake = request.app.state.runtime.extras["intake"]
    lang = await page_language(request)
    _ = intake.pages.gettext(lang)
    tenant = request.path_params.get("tenant", "")
    name, state = Masthead("", ()), None
    if problem.kind in ("unavailable", "overloaded"):
        # Out or busy: the tenant's name is not worth another wait on the database. Its
        # hotline, as last read, is what a worker who cannot be recorded now may call.
        state = last_read(tenant)
    elif problem.kind != "unknown-tenant":
        async with request.app.state.runtime.pool.acquire() as conn:
            state = await read_tenant(conn, tenant)
    if state is not None and (settings := state.settings) is not None:
        name = Masthead(settings.name, tuple(settings.languages), hotline=state.hotline)
    asked = problem.status == 503 and request.method in ("GET", "HEAD")
    kind = "503-read" if asked else problem.kind
    heading, text = PROBLEMS.get(kind) or PROBLEMS.get(problem.status) or PROBLEMS[400]
    back = request.url.path.removesuffix("/open") if problem.status not in (404, 410) else None
    return page(
        request, intake, "message.html", lang, name, status=problem.status,
        headers=dict(problem.headers or {}), heading=_(heading), text=_(text),
        back=f"{back}?lang={lang}" if back else None,
        kept=await _typed_in(request) if problem.status == 503 else [],
    )  # fmt: skip


# The boxes of the worker's forms. When the service cannot record a form (503: the database
# out, or too busy), what was typed in them comes back on the page saying so, to copy: the
# page's "Back" link opens the form again empty, and nothing else keeps the text.
_TYPED = ("narrative", "message", "comment", "draft", "plan_draft")


async def _typed_in(request: Request) -> list[str]:
    if request.method != "POST":
        return []
    try:
        form = await request.form()  # read already, by the route that could not record it
    except Exception:  # a body nothing read and nothing can read now: nothing to show
        return []
    return [v for f in _TYPED if isinstance(v := form.get(f), str) and v.strip()]


WORKER_PAGE = re.compile(r"^/t/(?P<tenant>[^/]+)(?P<rest>/.*)?$")


async def refused_before_routing(scope: Scope, problem: Problem) -> Response | None:
    """A request refused before any route ran (a body too large), on a worker page: answered
    as the page would answer it. Its form is not read, so the address names the language."""
    found = WORKER_PAGE.match(scope["path"])
    if found is None:
        return None
    return await problem_page(Request({**scope, "path_params": _tenant(found)}), problem)


def _tenant(found: re.Match[str]) -> dict[str, str]:
    return {"tenant": found["tenant"]}


async def missed_address(request: Request, exc: HTTPException) -> Response:
    """An address of the worker pages that the router does not know, reached by a browser:
    a page in the worker's language, never problem+json.

    A form's own address (`/t/x/status/open`) is reached by a link or a reload only after
    the form was sent there, as the language links of the page it answered with do: it
    shows the page the form is on, in the language asked for. The tenant's bare address
    shows its report form.
    """
    found = WORKER_PAGE.match(request.url.path)
    if found is None or request.method != "GET" or exc.status_code not in (404, 405):
        return await errors.http_problem(request, exc)
    query = f"?{request.url.query}" if request.url.query else ""
    rest = (found["rest"] or "").rstrip("/")
    if not rest:
        return RedirectResponse(f"/t/{found['tenant']}/report{query}", 303)
    if exc.status_code == 405:
        # Always below /t/{tenant}/: the address stays on this site.
        return RedirectResponse(request.url.path.rstrip("/").rsplit("/", 1)[0] + query, 303)
    scoped = Request({**request.scope, "path_params": _tenant(found)}, request.receive)
    return await problem_page(scoped, Problem(404, "not-found", "no such page"))


class ShowInstead(Exception):
    """A worker page's answer, found before the form's action: `WorkerRoute` shows it as is."""

    def __init__(self, response: Response) -> None:
        super().__init__()
        self.response = response


class WorkerRoute(APIRoute):
    """A route of the worker pages: its refusals come back as pages, never as problem+json."""

    def get_route_handler(self) -> Callable[[Request], Coroutine[Any, Any, Response]]:
        handler = super().get_route_handler()

        async def worker_handler(request: Request) -> Response:
            # One request throughout: a refusal's page reads the form the handler read.
            request = utf8_forms(request)
            try:
                return await handler(request)
            except ShowInstead as exc:
                return exc.response
            except Problem as exc:
                return await problem_page(request, exc)
            except Refused as exc:
                return await problem_page(request, Problem(exc.status, exc.kind, exc.detail))
            except RequestValidationError:
                return await problem_page(request, Problem(422, "validation", "invalid form"))
            except HTTPException as exc:
                return await problem_page(request, Problem(exc.status_code, "http", "refused"))
            except Exception as exc:
                if not outage.is_outage(exc):
                    raise
                # The database is out: said in the worker's language, like any refusal.
                request.app.state.outage.met(exc, time.monotonic())
                return await problem_page(request, outage.unavailable_problem())

        return worker_handler
