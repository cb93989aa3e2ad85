"""Staff consoles: server-rendered pages over a service's own handlers, one anatomy for all.

A service's console is a `Console`: its path, title and navigation, who it admits, and its
templates, looked up before the kit's own (`base.html`, `login.html`, `problem.html`,
`style.css`, which every console extends or shares). Staff sign in at the identity provider
where the consoles are registered with it (`sign_in`), or paste a bearer token; the token is
kept in an HttpOnly, SameSite=Strict cookie scoped to the console's path and verified on
every request. Every form carries a CSRF token (`redress.kit.csrf`). A console route's
refusals are pages of the console (`Console.route`), never JSON. Pages have no script.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Coroutine, Mapping, Sequence
from pathlib import Path
from typing import Any

from fastapi import APIRouter, Request
from fastapi.exceptions import RequestValidationError
from fastapi.routing import APIRoute
from jinja2 import ChoiceLoader, Environment, FileSystemLoader, select_autoescape
from starlette.datastructures import FormData
from starlette.responses import HTMLResponse, RedirectResponse, Response
from starlette.types import Scope

from redress.kit import csrf
from redress.kit.auth import InvalidToken, Principal
from redress.kit.authz import Action
from redress.kit.caching import page_headers
from redress.kit.console import sign_in
from redress.kit.console.forms import (
    ALREADY_SENT,
    describe,
    field,
    fields_of,
    not_sent,
    number,
    sent_once,
    values,
)
from redress.kit.console.words import _when_in_zone, human, peer_url, short, when, who
from redress.kit.deps import authorise
from redress.kit.errors import Problem, TooLarge
from redress.kit.proxy import secure_cookies

# What the console's modules say, named here as every console has always named it.
__all__ = [
    "ALREADY_SENT",
    "COOKIE",
    "TEMPLATES",
    "TITLES",
    "Console",
    "LoginRequired",
    "csrf_key_in",
    "describe",
    "field",
    "fields_of",
    "human",
    "not_sent",
    "number",
    "peer_url",
    "sent_once",
    "short",
    "to_login",
    "values",
    "when",
    "who",
]  # fmt: skip

TEMPLATES = Path(__file__).parent / "templates"
COOKIE = "staff_token"
MAX_TOKEN = 8192

# What a member of staff is told, by the status of a refusal, above the reason.
TITLES = {403: "Not allowed", 404: "Not found", 409: "Not possible now", 410: "Ended",
          413: "Too large", 422: "Check the form", 503: "Not available just now"}  # fmt: skip


# -- the console --------------------------------------------------------------------------------


class LoginRequired(Exception):
    """No valid staff token in the cookie: the browser is sent to the console's login page."""

    def __init__(self, path: str) -> None:
        super().__init__(path)
        self.path = path


async def to_login(request: Request, exc: Exception) -> Response:
    """A browser without a valid session goes to the login page, not to an error; one whose
    session ended while a form was on its way is told that the form was not saved."""
    path = exc.path if isinstance(exc, LoginRequired) else ""
    ended = request.method == "POST" and COOKIE in request.cookies
    return RedirectResponse(f"{path}/login{'?done=expired' if ended else ''}", status_code=303)


def csrf_key_in(extra: str) -> Callable[[Request], bytes]:
    """Where a console finds its CSRF key: the runtime's extras under `extra`, either the key
    itself or the service's context, which holds it as `csrf_key`."""

    def csrf_key(request: Request) -> bytes:
        held = request.app.state.runtime.extras[extra]
        key: bytes = held if isinstance(held, bytes) else held.csrf_key
        return key

    return csrf_key


class Console:
    """One service's console: where it is, what it is called, whom it admits, its templates."""

    def __init__(
        self,
        *,
        path: str,
        title: str,
        nav: Sequence[tuple[str, str]] | Callable[[Principal], Sequence[tuple[str, str]]],
        back: str,
        admits: Callable[[Principal], bool],
        refused: str,
        forbidden: str,
        csrf_key: Callable[[Request], bytes],
        templates: Path,
        filters: Mapping[str, Callable[..., Any]] | None = None,
        session_cookies: Sequence[str] = (),
    ) -> None:
        self.path, self.title, self.back = path, title, back
        # The console's own cookies (under its path) that hold what the session did: a
        # logout ends them with it, so the next one signed in on the browser finds nothing.
        self.session_cookies = tuple(session_cookies)
        self._nav = nav
        self.admits, self.refused, self.forbidden = admits, refused, forbidden
        self.csrf_key = csrf_key
        self.env = Environment(
            loader=ChoiceLoader([FileSystemLoader(templates), FileSystemLoader(TEMPLATES)]),
            autoescape=select_autoescape(["html"]),
            trim_blocks=True,
            lstrip_blocks=True,
        )
        self.env.filters.update(human=human, when=_when_in_zone, short=short, who=who,
                                **(filters or {}))  # fmt: skip
        self.env.globals["console"] = self
        self.route = self._route_class()

    def nav(self, principal: Principal) -> Sequence[tuple[str, str]]:
        """The console's links (href, label) that this member of staff may follow."""
        return self._nav(principal) if callable(self._nav) else self._nav

    # Rendering.

    def render(self, name: str, status: int = 200, **context: Any) -> HTMLResponse:
        html = self.env.get_template(name).render(**context)
        return HTMLResponse(html, status, headers=page_headers())

    def page(self, request: Request, name: str, status: int = 200, **context: Any) -> HTMLResponse:
        """Render a page with a CSRF token of its own, whose forms are accepted once, setting
        the CSRF cookie on a first visit."""
        token, new_cookie = csrf.issue(request, self.csrf_key(request), once=True)
        response = self.render(name, status, csrf=token, **context)
        csrf.set_cookie(response, new_cookie, secure=secure_cookies(request))
        return response

    async def form(self, request: Request, *, once: bool = True) -> FormData:
        """The posted form, once its CSRF token is checked (403 page otherwise); a page's form
        sent again (a double click, a resent form) is refused with a 409 page, unless `once`
        is off (logging in and out change nothing twice)."""
        posted = await request.form()
        nonce = csrf.check(request, self.csrf_key(request), field(posted, "csrf"))
        if once and nonce is not None:
            await sent_once(request, nonce)
        return posted

    def _route_class(self) -> type[APIRoute]:
        console = self

        class ConsoleRoute(APIRoute):
            """A console route: its refusals come back as a page of the console, never JSON."""

            def get_route_handler(self) -> Callable[[Request], Coroutine[Any, Any, Response]]:
                handler = super().get_route_handler()

                async def console_handler(request: Request) -> Response:
                    # A form that changed nothing (refused, or failed) may be sent again.
                    try:
                        answer = await handler(request)
                    except Problem as exc:
                        await not_sent(request)
                        problem = exc
                    except RequestValidationError:
                        problem = Problem(422, "validation", "the address or the form is not valid")
                    except TooLarge as exc:
                        problem = Problem(413, "too-large", str(exc.detail))
                    except BaseException:
                        await not_sent(request)
                        raise
                    else:
                        if answer.status_code >= 400:  # a page saying why, what was typed kept
                            await not_sent(request)
                        return answer
                    return console.problem_page(problem)

                return console_handler

        return ConsoleRoute

    def problem_page(self, problem: Problem) -> HTMLResponse:
        title = TITLES.get(problem.status, "Refused")
        response = self.render(
            "problem.html", problem.status, title=title, kind=problem.kind, detail=problem.detail
        )
        response.headers.update(problem.headers or {})
        return response

    async def refusal_page(self, scope: Scope, problem: Problem) -> Response | None:
        """A request refused before any route ran (a body too large), on this console: as
        the console's page of a refusal (a `RefusalPage` of the service)."""
        path = scope["path"]
        if path != self.path and not path.startswith(f"{self.path}/"):
            return None
        return self.problem_page(problem)

    def router(self) -> APIRouter:
        """The console's router, with its login (a pasted token, or at the identity provider)
        and logout."""

        async def start(request: Request) -> Response:
            return await sign_in.start(self, request)

        async def callback(request: Request) -> Response:
            return await sign_in.callback(self, request)

        router = APIRouter(prefix=self.path, include_in_schema=False, route_class=self.route)
        router.add_api_route("/login", self._login_form, methods=["GET"])
        router.add_api_route("/login", self._login, methods=["POST"])
        router.add_api_route("/login/start", start, methods=["GET"])
        router.add_api_route("/login/callback", callback, methods=["GET"])
        router.add_api_route("/logout", self._logout, methods=["POST"])
        return router

    # Who is there.

    async def _verify(self, request: Request, token: str) -> Principal:
        principal: Principal = await request.app.state.runtime.verifier.verify(token)
        return principal

    async def staff(self, request: Request) -> Principal:
        """The member of staff whose token the cookie holds; to the login page without one."""
        token = request.cookies.get(COOKIE)
        if not token:
            raise LoginRequired(self.path)
        try:
            principal = await self._verify(request, token)
        except InvalidToken:
            raise LoginRequired(self.path) from None
        if not self.admits(principal):
            raise Problem(403, "forbidden", self.forbidden)
        return principal

    def signed_in(self, action: Action | None = None) -> Callable[[Request], Awaitable[Principal]]:
        """A dependency: the one whose token the cookie holds (`staff`), acting under the
        role that allows `action` where one is named (403 where none does)."""

        async def principal(request: Request) -> Principal:
            p = await self.staff(request)
            return p if action is None else authorise(p, action)

        return principal

    async def _login_form(self, request: Request) -> Response:
        token = request.cookies.get(COOKIE)
        if token:
            try:
                if self.admits(await self._verify(request, token)):
                    return RedirectResponse(self.path, status_code=303)
            except InvalidToken:
                pass
        done = request.query_params.get("done")
        notice = done if done in ("out", "expired") else None
        return self.login_page(request, notice=notice)

    def login_page(self, request: Request, status: int = 200, **context: Any) -> HTMLResponse:
        """The login page, offering sign-in at the identity provider where it is configured."""
        offered = request.app.state.runtime.settings.sign_in
        return self.page(request, "login.html", status, sign_in=offered, **context)

    def signed_in_page(self) -> HTMLResponse:
        """The way on to the console after a sign-in at the provider: a page that moves on,
        not a redirect, as browsers withhold SameSite=Strict cookies (the session's) from
        every step of a redirect chain that began on another site."""
        return self.render("signed_in.html")

    def keep_session(self, request: Request, token: str, response: Response) -> Response:
        """Keep the verified `token` as the browser's session of this console."""
        response.set_cookie(
            COOKIE, token, httponly=True, samesite="strict", secure=secure_cookies(request),
            path=self.path,
        )  # fmt: skip
        return response

    async def _login(self, request: Request) -> Response:
        form = await self.form(request, once=False)
        token = field(form, "token") or ""
        if token[:7].lower() == "bearer ":
            token = token[7:].strip()
        if not token or len(token) > MAX_TOKEN:
            return self.login_page(request, 422, error="empty")
        try:
            principal = await self._verify(request, token)
        except InvalidToken as exc:
            return self.login_page(request, 401, error="invalid", reason=str(exc))
        if not self.admits(principal):
            return self.login_page(request, 403, error="not-staff")
        return self.keep_session(request, token, RedirectResponse(self.path, status_code=303))

    async def _logout(self, request: Request) -> Response:
        await self.form(request, once=False)
        response = RedirectResponse(f"{self.path}/login?done=out", status_code=303)
        for name in (COOKIE, *self.session_cookies):
            response.delete_cookie(
                name, path=self.path, httponly=True, samesite="strict",
                secure=secure_cookies(request),
            )  # fmt: skip
        return response
