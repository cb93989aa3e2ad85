"""A worker page rendered: in the worker's language, with a CSRF token of its own, under the
initiative's masthead; and a form's CSRF token checked."""

from __future__ import annotations

from typing import Any

from fastapi import Request
from starlette.responses import HTMLResponse

from redress.intake.context import Intake
from redress.intake.filing import Masthead
from redress.kit import csrf
from redress.kit.errors import Problem
from redress.kit.i18n import LANGUAGES, negotiate
from redress.kit.proxy import secure_cookies


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
    context.setdefault("hotline", tenant.hotline)
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
