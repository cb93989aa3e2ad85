"""What the public figures pages share: refusals said as a page in the reader's language
(never problem+json on a page), and country names in that language."""

from __future__ import annotations

import functools
import re
import time
from collections.abc import Callable, Coroutine
from typing import Any

from babel import Locale
from fastapi import Request
from fastapi.exceptions import RequestValidationError
from fastapi.routing import APIRoute
from starlette.exceptions import HTTPException
from starlette.responses import HTMLResponse, Response
from starlette.types import Scope

from redress.kit import outage
from redress.kit.caching import page_headers
from redress.kit.countries import is_country
from redress.kit.errors import Problem
from redress.kit.i18n import LANGUAGES, direction, negotiate
from redress.metrics.labels import N_

PROBLEMS = {
    403: (
        N_("You may not see this page"),
        N_("This page is for another kind of account. Please sign in with one that may see it."),
    ),
    404: (N_("Page not found"), N_("There is nothing at this address. Please check the link.")),
    409: (
        N_("This period is not over yet"),
        N_("Figures are shown only for months, quarters and years that are over."),
    ),
    422: (
        N_("This address is not right"),
        N_("Please check the link, or start again from the list of figures."),
    ),
    503: (N_("Please try again in a few minutes"), N_("The figures cannot be shown just now.")),
}


@functools.cache
def country_names(lang: str) -> dict[str, str]:
    names = Locale.parse(lang).territories
    return {code: name for code, name in names.items() if is_country(code)}


def problem_page(
    request: Request, status: int, headers: dict[str, str] | None = None
) -> HTMLResponse:
    shelf = request.app.state.runtime.extras["figures"]
    chosen = request.query_params.get("lang")
    lang = chosen if chosen in LANGUAGES else negotiate(request.headers.get("accept-language"))
    _ = shelf.catalogues.get(lang).gettext
    heading, text = PROBLEMS.get(status) or PROBLEMS[422]
    tenant = request.path_params.get("tenant", "")
    back = f"/t/{tenant}/figures?lang={lang}" if tenant and status != 404 else None
    back_label = _("All published figures")
    if tenant and request.url.path == f"/dashboard/{tenant}/member":
        # A period mistyped on a member's dashboard: back to it, not to the public figures,
        # where the member found no way back to their own.
        back, back_label = f"/dashboard/{tenant}/member", _("Your supply chain's figures")
    html = shelf.env.get_template("figures_problem.html").render(
        _=_,
        lang=lang,
        dir=direction(lang),
        tenant_name="",
        languages={},
        heading=_(heading),
        text=_(text),
        back=back,
        back_label=back_label,
    )
    return HTMLResponse(html, status, headers={**page_headers(), **(headers or {})})


# The pages (not the downloads and the API beside them, which answer problem+json).
_PAGE = re.compile(r"^/t/(?P<tenant>[^/]+)/figures(?:/releases/[^/.]+|/dictionary|/verify)?/?$")


async def refused_before_routing(scope: Scope, problem: Problem) -> Response | None:
    """A figures page refused before its route ran (an outage that the kit's read deadline
    met, a body too large): the page's own refusal, never problem+json in a browser."""
    found = _PAGE.match(scope["path"])
    if found is None:
        return None
    request = Request({**scope, "path_params": {"tenant": found["tenant"]}})
    return problem_page(request, problem.status, dict(problem.headers or {}))


class FiguresRoute(APIRoute):
    """A route of the public figures pages: its refusals come back as pages."""

    def get_route_handler(self) -> Callable[[Request], Coroutine[Any, Any, Response]]:
        handler = super().get_route_handler()

        async def figures_handler(request: Request) -> Response:
            try:
                return await handler(request)
            except Problem as exc:
                return problem_page(request, exc.status)
            except RequestValidationError:
                return problem_page(request, 422)
            except HTTPException as exc:
                return problem_page(request, exc.status_code)
            except Exception as exc:
                if not outage.is_outage(exc):
                    raise
                request.app.state.outage.met(exc, time.monotonic())
                problem = outage.unavailable_problem()
                return problem_page(request, 503, dict(problem.headers or {}))

        return figures_handler
