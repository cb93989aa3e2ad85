"""Every service's OpenAPI documents every answer it can give, once, here.

Errors are RFC 9457 problem details (`application/problem+json`, schema `ProblemDetails`),
never FastAPI's default `HTTPValidationError`. Which errors an operation can answer follows
from its shape, the way the kit produces them: a token (401, 403), a path naming a resource
(404), a write to the log (409), a body (400, 413, 415, 422), a parameter, or one an API's
address does not take (422). A route declares the rest itself (`responses={429: ...}`), and
its declarations become problem+json too. Reads that accept `min_version` may answer 202
(DESIGN: read-your-writes). A read that builds its answer as a dict documents it with an
`Answer` model (`documented`), whose fields say what each reader gets.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Annotated, Any

from fastapi import FastAPI, Query
from fastapi.responses import JSONResponse
from pydantic import BaseModel, ConfigDict, Field

from redress.kit.errors import MEDIA_TYPE

PROBLEM_REF = "#/components/schemas/ProblemDetails"

PROBLEM_SCHEMA: dict[str, Any] = {
    "title": "ProblemDetails",
    "description": "An error, as RFC 9457 problem details; `type` is stable per kind of error.",
    "type": "object",
    "required": ["type", "title", "status", "detail"],
    "properties": {
        "type": {"type": "string", "description": "urn:redress:problem:<kind>"},
        "title": {"type": "string"},
        "status": {"type": "integer", "minimum": 400, "maximum": 599},
        "detail": {"type": "string"},
        "instance": {"type": "string", "description": "the path that was requested"},
        "errors": {
            "type": "array",
            "description": "what was wrong with the input, one entry per place",
            "items": {
                "type": "object",
                "required": ["loc", "msg", "type"],
                "properties": {
                    "loc": {"type": "array", "items": {"type": ["string", "integer"]}},
                    "msg": {"type": "string"},
                    "type": {"type": "string"},
                },
            },
        },
    },
}

NOT_YET_READABLE: dict[str, Any] = {
    "description": "your write is not readable yet (min_version); retry after Retry-After",
    "headers": {"Retry-After": {"schema": {"type": "integer"}, "description": "seconds"}},
    "content": {
        "application/json": {
            "schema": {
                "type": "object",
                "required": ["detail"],
                "properties": {"detail": {"type": "string"}},
            }
        }
    },
}


# A stream's version is a PostgreSQL integer: a larger one is never reached, and a read
# waiting for it would answer 202 for ever instead of saying the request is wrong.
MinVersion = Annotated[
    int | None,
    Query(ge=1, le=2**31 - 1, description="read your own write: wait until this version of "
          "the resource, as your command's answer gave it, is readable"),
]  # fmt: skip


def not_yet_readable() -> JSONResponse:
    """The answer NOT_YET_READABLE documents: a read waited for `min_version` in vain."""
    return JSONResponse({"detail": "not yet readable; retry"}, 202, headers={"Retry-After": "1"})


DESCRIPTIONS = {
    400: "the body could not be read (`unreadable-body`: not UTF-8, or JSON nested too deeply;"
    " or a malformed form)",
    401: "no token, or a token that was refused",
    403: "the token's roles do not allow this",
    404: "no such resource in your tenant",
    409: "the request conflicts with the current state, or with a change made at the same time",
    410: "the initiative was offboarded: it takes nothing more",
    413: "the body is too large",
    415: "the body's media type is not one this operation takes",
    422: "the input is invalid; `errors` says where",
    429: "too many requests; retry after Retry-After",
    503: "the database cannot be reached, or the service is busy, just now; nothing was"
    " recorded, retry after Retry-After",
}


def answers(*codes: int) -> dict[int | str, dict[str, Any]]:
    """What a route answers beyond what its shape implies (`responses=answers(404, 410)`)."""
    return {code: {"description": DESCRIPTIONS[code]} for code in codes}


_WRITES = frozenset({"post", "put", "patch", "delete"})


class Answer(BaseModel):
    """What a read answers, as its OpenAPI documents it: every field named, no other."""

    model_config = ConfigDict(extra="forbid")


def _no_default(schema: dict[str, Any]) -> None:
    schema.pop("default", None)


def some(description: str) -> Any:
    """A field of an `Answer` that only some readers' answers carry (`description` says whose):
    not required, and without a default, since an answer leaving it out means none."""
    return Field(None, description=description, json_schema_extra=_no_default)


def documented(model: type[Answer], description: str) -> dict[int | str, dict[str, Any]]:
    """A read's 200 documented by `model` (`responses=documented(...)`), while the handler
    answers the dict it builds, serialised as before: the model describes, it never filters."""
    return {200: {"model": model, "description": description}}


def expected_errors(path: str, method: str, operation: dict[str, Any]) -> set[int]:
    """The errors the kit itself can answer for an operation of this shape."""
    codes: set[int] = {503}  # every operation may meet a database outage (redress.kit.outage)
    if operation.get("security"):
        codes |= {401, 403}
        if method in _WRITES:
            codes.add(409)  # every write appends with an expected version
    if "{" in path:
        codes.add(404)
    if operation.get("requestBody"):
        codes |= {400, 413, 415, 422}
    if method in _WRITES:
        codes.add(413)  # the size limit stands before routing: a body-less write may carry one
    if operation.get("parameters") or path.startswith("/v1/"):
        codes.add(422)  # an API's address refuses a parameter it does not take (kit.query)
    return codes


def problem(description: str) -> dict[str, Any]:
    return {
        "description": description,
        "content": {MEDIA_TYPE: {"schema": {"$ref": PROBLEM_REF}}},
    }


def document_responses(schema: dict[str, Any]) -> dict[str, Any]:
    """Rewrite a generated OpenAPI document in place so that it documents every answer."""
    schemas = schema.setdefault("components", {}).setdefault("schemas", {})
    schemas["ProblemDetails"] = PROBLEM_SCHEMA
    for path, operations in schema.get("paths", {}).items():
        for method, operation in operations.items():
            if not isinstance(operation, dict) or "responses" not in operation:
                continue
            responses: dict[str, Any] = operation["responses"]
            for expected in expected_errors(path, method, operation):
                responses.setdefault(str(expected), {"description": DESCRIPTIONS[expected]})
            if any(p.get("name") == "min_version" for p in operation.get("parameters", [])):
                responses["202"] = NOT_YET_READABLE
            for status, response in responses.items():
                if status.startswith("2"):
                    _named_only(response)
                if status.isdigit() and int(status) >= 400:
                    text = response.get("description") or DESCRIPTIONS.get(int(status), "")
                    responses[status] = {**response, **problem(text)}
            operation["responses"] = dict(sorted(responses.items()))
    for unused in ("HTTPValidationError", "ValidationError"):
        schemas.pop(unused, None)
    return schema


def _named_only(response: dict[str, Any]) -> None:
    """A JSON answer `documented` by a model is that model alone: FastAPI puts the bare object
    of the handler's `dict[str, Any]` beside the model's `$ref`, which would say any field may
    come."""
    schema = response.get("content", {}).get("application/json", {}).get("schema", {})
    if "$ref" in schema:
        response["content"]["application/json"]["schema"] = {"$ref": schema["$ref"]}


def install(app: FastAPI) -> None:
    """Generate the app's OpenAPI as FastAPI does, then document every answer, once."""
    generate: Callable[[], dict[str, Any]] = app.openapi

    def openapi() -> dict[str, Any]:
        if app.openapi_schema is None:
            app.openapi_schema = document_responses(generate())
        return app.openapi_schema

    app.openapi = openapi  # type: ignore[method-assign]
