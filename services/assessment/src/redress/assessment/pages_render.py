"""How the assessment pages are rendered: Jinja2 templates, autoescaped, strict headers, and
refusals as pages (never JSON)."""

from __future__ import annotations

from collections.abc import Callable, Coroutine
from pathlib import Path
from typing import Any

from fastapi import Request
from fastapi.exceptions import RequestValidationError
from fastapi.routing import APIRoute
from jinja2 import Environment, FileSystemLoader, select_autoescape
from starlette.responses import HTMLResponse, Response

from redress.events.application import Refused
from redress.kit import csrf
from redress.kit.caching import page_headers
from redress.kit.errors import Problem
from redress.kit.proxy import secure_cookies


def human(value: Any) -> str:
    """`not_applicable` -> `Not applicable`; `AnswerChallenged` -> `Answer challenged`."""
    text = str(value) if value is not None else "none"
    if text[:1].isupper() and text.isalpha():
        text = "".join(f" {c.lower()}" if c.isupper() else c for c in text).strip()
    text = text.replace("_", " ")
    return text[:1].upper() + text[1:]


ENV = Environment(loader=FileSystemLoader(Path(__file__).parent / "templates"),
                  autoescape=select_autoescape(["html"]), trim_blocks=True,
                  lstrip_blocks=True)  # fmt: skip
ENV.filters["human"] = human


def render(name: str, status: int = 200, **context: Any) -> HTMLResponse:
    return HTMLResponse(ENV.get_template(name).render(**context), status, headers=page_headers())


def page(request: Request, key: bytes, name: str, status: int = 200, **context: Any
         ) -> HTMLResponse:  # fmt: skip
    """A page with a CSRF token, setting the CSRF cookie on a first visit."""
    token, new_cookie = csrf.issue(request, key)
    response = render(name, status, csrf=token, **context)
    csrf.set_cookie(response, new_cookie, secure=secure_cookies(request))
    return response


TITLES = {401: "Log in again", 403: "Not allowed", 404: "Not found", 409: "Not possible now",
          410: "Gone", 422: "Check the form"}  # fmt: skip


class PageRoute(APIRoute):
    """A page route: its refusals come back as a page, with the reason."""

    def get_route_handler(self) -> Callable[[Request], Coroutine[Any, Any, Response]]:
        handler = super().get_route_handler()

        async def page_handler(request: Request) -> Response:
            try:
                return await handler(request)
            except Problem as exc:
                status, kind, detail = exc.status, exc.kind, exc.detail
                headers = exc.headers or {}
            except Refused as exc:
                status, kind, detail, headers = exc.status, exc.kind, exc.detail, {}
            except RequestValidationError:
                status, kind, detail = 422, "validation", "the address or the form is not valid"
                headers = {}
            title = TITLES.get(status, "Refused")
            response = render("problem.html", status, title=title, kind=kind, detail=detail)
            response.headers.update(headers)
            return response

        return page_handler
