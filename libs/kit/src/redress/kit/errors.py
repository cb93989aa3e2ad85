"""RFC 9457 problem details: one stable `type` per kind of error, and nothing leaked."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from http import HTTPStatus
from typing import Any

import structlog
from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.routing import Match

from redress.events.application import Refused
from redress.events.errors import ConcurrencyError
from redress.kit.jwks import KeysUnavailable

MEDIA_TYPE = "application/problem+json"
log = structlog.get_logger("redress.errors")

_TITLES = {
    400: "Bad request",
    401: "Not authenticated",
    403: "Forbidden",
    404: "Not found",
    405: "Method not allowed",
    409: "Conflict",
    413: "Content too large",
    415: "Unsupported media type",
    422: "Invalid input",
    429: "Too many requests",
    500: "Internal error",
    503: "Unavailable",
}


def _phrase(status: int) -> str:
    """HTTP's own words for a status without a title of ours (410 "Gone")."""
    try:
        return HTTPStatus(status).phrase
    except ValueError:
        return "Error"


def problem_type(kind: str) -> str:
    return f"urn:redress:problem:{kind}"


class Problem(Exception):
    """An error answered as problem+json."""

    def __init__(
        self,
        status: int,
        kind: str,
        detail: str,
        *,
        title: str | None = None,
        headers: Mapping[str, str] | None = None,
        **extra: Any,
    ) -> None:
        super().__init__(detail)
        self.status = status
        self.kind = kind
        self.detail = detail
        self.title = title or _TITLES.get(status) or _phrase(status)
        self.headers = headers
        self.extra = extra


class TooLarge(StarletteHTTPException):
    """A body over the size limit, raised where it is read: the route answers it as it
    answers any refusal (a worker page in the worker's language, elsewhere problem+json)."""

    def __init__(self, limit: int) -> None:
        super().__init__(413, f"the body is larger than {limit} bytes")


def problem_response(problem: Problem, instance: str | None = None) -> JSONResponse:
    body: dict[str, Any] = {
        "type": problem_type(problem.kind),
        "title": problem.title,
        "status": problem.status,
        "detail": problem.detail,
    }
    if instance:
        body["instance"] = instance
    body.update(problem.extra)
    return JSONResponse(body, problem.status, headers=problem.headers, media_type=MEDIA_TYPE)


def allowed_methods(request: Request) -> list[str]:
    """Every method some route takes at this path: Starlette names only the first route's,
    though two routes (GET and PUT, say) may share a path. Asked of each route as the
    router asks it, so that included routers and mounts answer too."""
    allowed = []
    for method in ("GET", "HEAD", "POST", "PUT", "PATCH", "DELETE"):
        scope = {**request.scope, "method": method}
        if any(route.matches(scope)[0] is Match.FULL for route in request.app.router.routes):
            allowed.append(method)
    return allowed


def not_json(exc: RequestValidationError) -> bool:
    """A JSON body refused because it was not sent as JSON: FastAPI reads a body as JSON
    only when its Content-Type says so, and otherwise validates the bytes themselves, which
    would answer that the body "should be a valid dictionary"."""
    return isinstance(exc.body, bytes | bytearray) and any(
        tuple(e.get("loc", ())) == ("body",) for e in exc.errors()
    )


async def http_problem(request: Request, exc: StarletteHTTPException) -> JSONResponse:
    """A refusal by the router or the framework (no such address, not that method)."""
    kind = {404: "not-found", 405: "method-not-allowed"}.get(exc.status_code, "http")
    detail, headers = str(exc.detail), exc.headers
    if exc.status_code == 405:
        headers = {**(headers or {}), "Allow": ", ".join(allowed_methods(request))}
    if exc.status_code == 400 and (why := unreadable(exc.__cause__)) is not None:
        kind, detail = "unreadable-body", why  # FastAPI says only "error parsing the body"
    return problem_response(Problem(exc.status_code, kind, detail, headers=headers),
                            request.url.path)  # fmt: skip


# The most errors a 422 lists.
MOST_ERRORS = 50


def said(errors: Sequence[Any]) -> list[dict[str, Any]]:
    """Pydantic's errors in the caller's terms: where a field may be left out
    (`X | SkipJsonSchema[None]`), pydantic names the union's members in the location
    (`text.function-after[functools.partial(<function ...> at 0x7f...)]`), adds that the
    value "should be None", and counts a string's length in "items"."""
    out: list[dict[str, Any]] = []
    for e in errors:
        loc = list(e.get("loc", ()))
        field = loc[:-1]
        if (
            e.get("type") == "none_required"
            and loc[-1:] == ["none"]
            and any(o is not e and list(o.get("loc", ()))[: len(field)] == field for o in errors)
        ):
            continue  # the other member's error says what is wrong
        msg, ctx = e.get("msg", ""), e.get("ctx") or {}
        if e.get("type") == "too_long" and isinstance(e.get("input"), str):
            msg = f"String should have at most {ctx.get('max_length')} characters"
        loc = [part for part in loc if not _member(part)]
        out.append({"loc": loc, "msg": msg, "type": e.get("type", "")})
    return out


def _member(part: object) -> bool:
    return isinstance(part, str) and (
        part == "none" or "[" in part or part.startswith(("constrained-", "function-"))
    )


def unreadable(cause: BaseException | None) -> str | None:
    """What kept a JSON body from being read, where FastAPI's 400 does not say."""
    if isinstance(cause, UnicodeDecodeError):
        return f"the body is not UTF-8: byte {cause.start} cannot be decoded"
    if isinstance(cause, RecursionError):
        return "the body's JSON is nested too deeply to be read"
    return None


def install(app: FastAPI) -> None:
    @app.exception_handler(Problem)
    async def on_problem(request: Request, exc: Problem) -> JSONResponse:
        return problem_response(exc, request.url.path)

    @app.exception_handler(RequestValidationError)
    async def on_invalid(request: Request, exc: RequestValidationError) -> JSONResponse:
        if not_json(exc):
            detail = "send the body as application/json (a Content-Type header saying so)"
            return problem_response(Problem(415, "media-type", detail), request.url.path)
        errors = said(exc.errors())
        detail = "; ".join(f"{'.'.join(map(str, e['loc']))}: {e['msg']}" for e in errors[:5])
        broken = next((e for e in exc.errors() if e.get("type") == "json_invalid"), None)
        if broken is not None:
            # FastAPI says only "body.13: JSON decode error"; the decoder said what and where.
            at = broken["loc"][-1]
            reason = (broken.get("ctx") or {}).get("error", "it cannot be decoded")
            # The decoder's reason may end in "at" already ("trailing characters at").
            reason = reason.removesuffix(" at")
            detail = f"the body is not valid JSON: {reason} at character {at}"
        if len(errors) > MOST_ERRORS:
            # A body of a million unknown keys got a refusal eight times its size: the first
            # errors say what to fix, and how many more there are.
            detail = f"{detail} (and {len(errors) - MOST_ERRORS} more errors)"
            errors = errors[:MOST_ERRORS]
        return problem_response(Problem(422, "validation", detail, errors=errors), request.url.path)

    @app.exception_handler(TooLarge)
    async def on_too_large(request: Request, exc: TooLarge) -> JSONResponse:
        return problem_response(Problem(413, "too-large", str(exc.detail)), request.url.path)

    app.add_exception_handler(StarletteHTTPException, http_problem)  # type: ignore[arg-type]

    @app.exception_handler(Refused)
    async def on_refused(request: Request, exc: Refused) -> JSONResponse:
        # Every domain's refusal, answered once for all: its kind names the problem type.
        return problem_response(Problem(exc.status, exc.kind, exc.detail), request.url.path)

    @app.exception_handler(ConcurrencyError)
    async def on_conflict(request: Request, exc: ConcurrencyError) -> JSONResponse:
        detail = "someone changed this at the same time; read it again and retry"
        return problem_response(Problem(409, "concurrency", detail), request.url.path)

    @app.exception_handler(KeysUnavailable)
    async def on_no_keys(request: Request, exc: KeysUnavailable) -> JSONResponse:
        # Not the caller's fault: its token may be good, so it must not be told to drop it.
        detail = "tokens cannot be checked now; try again shortly"
        problem = Problem(
            503, "identity-provider-unavailable", detail, headers={"Retry-After": "30"}
        )
        return problem_response(problem, request.url.path)

    @app.exception_handler(Exception)
    async def on_unexpected(request: Request, exc: Exception) -> JSONResponse:
        log.exception("unexpected error", path=request.url.path)
        detail = "the request could not be completed; nothing was recorded"
        return problem_response(Problem(500, "internal", detail), request.url.path)
