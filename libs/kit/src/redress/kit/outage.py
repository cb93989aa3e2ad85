"""A database outage answers 503 with Retry-After, and is logged once, not per request.

The handlers are registered for the exception types themselves, not for `Exception`, so
Starlette answers from its exception middleware and the client's connection stays open;
an error that reaches the server-error middleware is re-raised and the connection closed.
"""

from __future__ import annotations

import time
from collections.abc import Sequence

import asyncpg
import structlog
from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse
from starlette.responses import Response

from redress.kit.errors import Problem, problem_response
from redress.kit.limits import RefusalPage

log = structlog.get_logger("redress.outage")

RETRY_AFTER = 5
# An outage is over once no request has met it for this long; the next one is new.
QUIET = 30.0

UNAVAILABLE: tuple[type[Exception], ...] = (
    OSError,  # refused, reset, the server's socket file gone
    TimeoutError,  # no pooled connection within the deadline
    asyncpg.PostgresConnectionError,
    asyncpg.exceptions.OperatorInterventionError,  # shutting down, starting up, cancelled
    asyncpg.exceptions.TooManyConnectionsError,
    # The protocol caught mid-operation by a server that went away (a FATAL, then nothing):
    # "cannot switch to state 15; another operation (2) is in progress". Misuse of a
    # connection raises InterfaceError instead, so this is the connection's fault.
    asyncpg.exceptions.InternalClientError,
)


def is_outage(exc: BaseException) -> bool:
    """Whether `exc` says the database cannot be reached, rather than that the code is wrong."""
    if isinstance(exc, UNAVAILABLE):
        return True
    # asyncpg raises InterfaceError for a closed connection and for misuse alike.
    return isinstance(exc, asyncpg.InterfaceError) and connection_lost(exc)


def unavailable_problem(
    detail: str = "the service cannot reach its database just now; nothing was recorded, try again",
) -> Problem:
    """503 with the Retry-After every outage answer carries; `detail` says what is missing."""
    return Problem(503, "unavailable", detail, headers={"Retry-After": str(RETRY_AFTER)})


class Outage:
    """Counts the requests an outage turned away; logs its start and nothing more."""

    def __init__(self) -> None:
        self.last_seen = -QUIET - 1.0
        self.turned_away = 0

    def met(self, exc: BaseException, now: float) -> None:
        if now - self.last_seen > QUIET:
            self.turned_away = 0
            log.warning("database unavailable; answering 503", error=_describe(exc))
        self.turned_away += 1
        self.last_seen = now


def connection_lost(exc: BaseException) -> bool:
    """Whether an asyncpg InterfaceError says the connection went, not that it was misused."""
    text = str(exc)
    return "closed" in text or "closing" in text or "terminated" in text


def _describe(exc: BaseException) -> str:
    return f"{type(exc).__name__}: {str(exc).splitlines()[0] if str(exc) else ''}".strip(": ")


def _unavailable(request: Request) -> JSONResponse:
    return problem_response(unavailable_problem(), request.url.path)


def install(app: FastAPI, pages: Sequence[RefusalPage] = ()) -> None:
    """Answer an outage 503 with Retry-After: problem+json, or where the address is a page
    of a console or of the worker pages (`pages`), that page's own refusal page, never the
    JSON a browser would show raw."""
    outage = Outage()
    app.state.outage = outage

    async def on_unavailable(request: Request, exc: Exception) -> Response:
        outage.met(exc, time.monotonic())
        for page in pages:
            if (answer := await page(request.scope, unavailable_problem())) is not None:
                return answer
        return _unavailable(request)

    async def on_interface(request: Request, exc: Exception) -> Response:
        if is_outage(exc):
            return await on_unavailable(request, exc)
        log.exception("unexpected error", path=request.url.path)
        detail = "the request could not be completed; nothing was recorded"
        return problem_response(Problem(500, "internal", detail), request.url.path)

    app.state.unavailable = on_unavailable  # for an outage met outside the routes (reads.py)
    for kind in UNAVAILABLE:
        app.add_exception_handler(kind, on_unavailable)
    app.add_exception_handler(asyncpg.InterfaceError, on_interface)
