"""How the console's pages are rendered: Jinja2 templates, autoescaped, with strict headers,
and the filters that say the log's words in an officer's."""

from __future__ import annotations

import re
from collections.abc import Callable, Coroutine
from datetime import date, datetime
from pathlib import Path
from typing import Any

from fastapi import Request
from fastapi.exceptions import RequestValidationError
from fastapi.routing import APIRoute
from jinja2 import Environment, FileSystemLoader, select_autoescape
from starlette.responses import HTMLResponse, Response

from redress.cases.context import Cases
from redress.kit import csrf
from redress.kit.caching import page_headers
from redress.kit.errors import Problem
from redress.kit.proxy import secure_cookies

HERE = Path(__file__).parent


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
            headers=page_headers(),
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


# What an officer is told, by the status of a refusal, above the reason.
TITLES = {403: "Not allowed", 404: "Not found", 409: "Not possible now", 422: "Check the form"}


class ConsoleRoute(APIRoute):
    """A console route: its refusals come back as a page of the console, never as JSON."""

    def get_route_handler(self) -> Callable[[Request], Coroutine[Any, Any, Response]]:
        handler = super().get_route_handler()

        async def console_handler(request: Request) -> Response:
            try:
                return await handler(request)
            except Problem as exc:
                problem = exc
            except RequestValidationError:
                problem = Problem(422, "validation", "the address or the form is not valid")
            title = TITLES.get(problem.status, "Refused")
            response = PAGES.render(
                "problem.html", problem.status, title=title, kind=problem.kind,
                detail=problem.detail,
            )  # fmt: skip
            response.headers.update(problem.headers or {})
            return response

        return console_handler
