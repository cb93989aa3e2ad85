"""What the worker pages share: language, CSRF, the anonymous actor, state loading, the
receipt's session, a form's action on the grievance, and errors answered as a page in the
worker's language rather than as problem+json. What the worker typed, kept and checked, is
`web_typed`'s, named here as the pages have always named it."""

from __future__ import annotations

import re
import time
from collections.abc import Callable, Coroutine
from typing import Any
from urllib.parse import quote, urlencode

import jwt
from fastapi import Request
from fastapi.exceptions import RequestValidationError
from fastapi.routing import APIRoute
from starlette.exceptions import HTTPException
from starlette.responses import HTMLResponse, RedirectResponse, Response
from starlette.types import Scope

from redress.events.application import Decide, Refused, Within, execute
from redress.events.envelope import Actor, Metadata
from redress.events.projection import Projection, wait_for_version
from redress.events.store import EventStore
from redress.intake import sealed
from redress.intake.context import Intake
from redress.intake.domain import Grievance, fold
from redress.intake.filing import Masthead, grievance_stream, masthead
from redress.intake.texts import (
    PAGE_EXPIRED_REPLY,
    PROBLEMS,
    SESSION_ENDED,
)
from redress.intake.web_encoding import utf8_forms
from redress.intake.web_typed import (
    NOTHING_UNSENT,
    TICKED_LIMIT,
    TYPED_LIMIT,
    TYPED_PARSED,
    Beside,
    Said,
    Unsent,
    said,
    typed,
)
from redress.kit import csrf, errors, outage
from redress.kit.deps import Pool
from redress.kit.errors import Problem
from redress.kit.i18n import LANGUAGES, negotiate
from redress.kit.proxy import secure_cookies
from redress.tenancy.handlers import last_read, read_tenant

__all__ = [
    "NOTHING_UNSENT", "SAID", "SESSION", "TICKED_LIMIT", "TYPED_LIMIT", "TYPED_PARSED", "WORKER",
    "WORKER_PAGE", "Beside", "Said", "ShowInstead", "Unsent", "WorkerRoute", "csrf_valid",
    "for_another", "form_origin", "language", "load", "login", "missed_address", "named", "page",
    "page_language", "problem_page", "record_worker_action", "refused_before_routing", "said",
    "session", "typed", "worker_metadata", "worker_session", "written_for"
]  # fmt: skip

WORKER = Actor(id="worker", role="worker")


def worker_metadata(tenant: str) -> Metadata:
    # The worker is anonymous: no id, no address, nothing but the role.
    return Metadata(tenant=tenant, actor=WORKER)


def language(request: Request, explicit: str | None = None) -> str:
    if explicit in LANGUAGES:
        return str(explicit)
    return negotiate(request.headers.get("accept-language"))


def page(
    request: Request, intake: Intake, name: str, lang: str, tenant: Masthead, **context: Any
) -> HTMLResponse:
    """Render a page with a CSRF token, setting the CSRF cookie on a first visit."""
    token, new_cookie = csrf.issue(request, intake.csrf_key)
    status = context.pop("status", 200)
    headers = context.pop("headers", None)
    offered = {code: LANGUAGES[code] for code in tenant.languages if code in LANGUAGES}
    context.setdefault("languages", offered or LANGUAGES)
    if slug := request.path_params.get("tenant"):
        # Leaving forgets the report this phone holds open first (`web_leave`).
        context.setdefault("exit_url", f"/t/{slug}/leave")
    response = intake.pages.render(name, lang, tenant.name, status=status, csrf=token, **context)
    if headers:
        response.headers.update(headers)
    csrf.set_cookie(response, new_cookie, secure=secure_cookies(request))
    return response


def csrf_valid(request: Request, intake: Intake, submitted: str | None) -> bool:
    try:
        csrf.check(request, intake.csrf_key, submitted)
    except Problem:
        return False
    return True


async def load(store: EventStore, stream: str) -> tuple[Grievance, int]:
    events = await store.read_stream(stream)
    return fold([e.data for e in events]), len(events)


# The cookie carrying the grievance the worker opened with their receipt (`web_opening`).
SESSION = "receipt_session"


def session(request: Request, intake: Intake, tenant: str) -> str | None:
    """The grievance the worker opened with their receipt, if the session still holds."""
    token = request.cookies.get(SESSION)
    if not token:
        return None
    try:
        claims = jwt.decode(token, intake.session_key, algorithms=["HS256"])
    except jwt.PyJWTError:
        return None
    return str(claims["g"]) if claims.get("t") == tenant else None


# A status page's forms say, sealed, which report they act on (`origin`): the session is the
# browser's, and a tab left on one report must not act on another opened since in another
# (a second worker's, on a shared phone). Sealed for good: an old page names its report.
_ORIGIN = "origin"
_ORIGIN_SECONDS = 100 * 365 * 24 * 3600


def form_origin(intake: Intake, grievance_id: str) -> str:
    """For a status page's forms: the grievance they act on."""
    return sealed.seal(intake.receipt_key, _ORIGIN, {"g": grievance_id}, _ORIGIN_SECONDS)


def written_for(intake: Intake, sent: str | None) -> str | None:
    """The grievance a form names, or None if it names none readably."""
    opened = sealed.unseal(intake.receipt_key, _ORIGIN, sent)
    found = opened.get("g") if opened else None
    return found if isinstance(found, str) else None


def for_another(intake: Intake, sent: str | None, grievance_id: str) -> bool:
    """Whether a form names another report than the session's. A form without a readable
    origin (a page served before forms had one) acts on the session's; what it carries is
    put back in no report's box (`reply_drafts.carry`)."""
    written = written_for(intake, sent)
    return written is not None and written != grievance_id


def named(in_form: str | None, in_address: str | None, what: str) -> str | None:
    """What a status page's button names (a plan's action, a referral, an organisation): in
    its own form's hidden field, or in the address it sends to (a button of the reply's form,
    which holds no such field); given both ways, the same."""
    if in_form is not None and in_address is not None and in_form != in_address:
        raise Problem(422, "validation", f"the form and its address name different {what}s")
    return in_form if in_form is not None else in_address


# Why the page asking for the receipt holds a text the worker typed: said again when the
# page is asked for in another language (`switch_to`), as an attempt's refusal is not.
SAID = {"session-ended": SESSION_ENDED, "page-expired": PAGE_EXPIRED_REPLY}


def login(
    request: Request, intake: Intake, tenant: str, name: Masthead, lang: str, chosen: str | None,
    error: str | None = None, status: int = 200, *, unsent: Unsent = NOTHING_UNSENT,
    headers: dict[str, str] | None = None, reference: str | None = None,
) -> HTMLResponse:  # fmt: skip
    """The page asking for the receipt, keeping what the worker typed before the session
    ended (a reply's retaliation box ticked as it was), and the reference they typed (never
    the secret)."""
    _ = intake.pages.gettext(lang)
    said = next((code for code, text in SAID.items() if text == error), None)
    return page(
        request, intake, "status_login.html", lang, name, status=status, headers=headers,
        error=_(error) if error else None, action=f"/t/{tenant}/status/open", chosen=chosen,
        said=said, report_url=f"/t/{tenant}/report?lang={lang}", reference=reference,
        **unsent.context,
    )  # fmt: skip


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
    name, settings = Masthead("", ()), None
    if problem.kind in ("unavailable", "overloaded"):
        # Out or busy: the tenant's name is not worth another wait on the database.
        settings = known.settings if (known := last_read(tenant)) else None
    elif problem.kind != "unknown-tenant":
        async with request.app.state.runtime.pool.acquire() as conn:
            settings = (await read_tenant(conn, tenant)).settings
    if settings is not None:
        name = Masthead(settings.name, tuple(settings.languages))
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


async def worker_session(
    request: Request, intake: Intake, pool: Pool, tenant: str, lang: str | None, csrf_token: str,
    unsent: Unsent = NOTHING_UNSENT,
) -> str:  # fmt: skip
    """The grievance a worker's form acts on.

    A form sent after the session ended does nothing: the page asking for the receipt is
    shown instead (`ShowInstead`), with what the worker typed. One sent from an expired page
    is refused.
    """
    grievance_id = session(request, intake, tenant)
    if grievance_id is None:  # nothing is done: the worker opens the report again
        async with pool.acquire() as conn:
            name = await masthead(conn, tenant)
        lang = language(request, lang)
        raise ShowInstead(
            login(request, intake, tenant, name, lang, lang, SESSION_ENDED, 401, unsent=unsent)
        )
    if not csrf_valid(request, intake, csrf_token):
        raise Problem(403, "csrf", "the page expired")
    if for_another(intake, unsent.origin, grievance_id):  # the page asks for its receipt
        async with pool.acquire() as conn:
            name = await masthead(conn, tenant)
        lang = language(request, lang)
        raise ShowInstead(
            login(request, intake, tenant, name, lang, lang, SESSION_ENDED, 403, unsent=unsent)
        )
    return grievance_id


async def record_worker_action(
    store: EventStore, pool: Pool, projection: Projection, tenant: str, grievance_id: str,
    decide: Decide, *, notice: str | None, lang: str | None, transaction: Within | None = None,
    place: str = "",
) -> RedirectResponse:  # fmt: skip
    """Append what the worker's form decided on their grievance, as the anonymous worker, and
    show the status page again once it reads what was written: with `notice` at its top, or
    at the `place` (an element's id) that now says what was done, so that it is said once.

    The status page speaks `lang` when given, else the grievance's own language.
    """
    stream = grievance_stream(grievance_id)
    done = await execute(store, stream, decide, worker_metadata(tenant), transaction=transaction)
    await wait_for_version(pool, projection, stream, done.version)
    query = urlencode([(k, v) for k, v in (("lang", lang), ("done", notice)) if v])
    fragment = f"#{quote(place, safe='')}" if place else ""
    return RedirectResponse(f"/t/{tenant}/status?{query}{fragment}", status_code=303)
