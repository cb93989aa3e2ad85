"""A query parameter an API route does not declare is refused, not ignored.

`GET /v1/cases?category=forced_labour` would otherwise answer every case, as if the filter had
been applied: a client, or an officer's script, reads a list it did not ask for and cannot
tell. The JSON API (`/v1/`) refuses it 422 naming the parameter; pages keep their own
parameters (`?lang=`, `?done=`), read as they are.
"""

from __future__ import annotations

from fastapi import Request
from fastapi.dependencies.models import Dependant
from fastapi.routing import APIRoute

from redress.kit.errors import Problem

_DECLARED: dict[int, frozenset[str]] = {}


def _aliases(dependant: Dependant) -> set[str]:
    names = {p.alias for p in dependant.query_params}
    for sub in dependant.dependencies:
        names |= _aliases(sub)
    return names


def declared(route: APIRoute) -> frozenset[str]:
    """The query parameters a route and its dependencies declare (by their aliases)."""
    known = _DECLARED.get(id(route))
    if known is None:
        known = _DECLARED[id(route)] = frozenset(_aliases(route.dependant))
    return known


async def declared_query(request: Request) -> None:
    """A dependency of every route: refuses an API call naming a parameter its route lacks."""
    route = request.scope.get("route")
    if not isinstance(route, APIRoute) or not request.url.path.startswith("/v1/"):
        return
    if unknown := sorted(set(request.query_params) - declared(route)):
        offered = ", ".join(sorted(declared(route))) or "none"
        raise Problem(
            422,
            "unknown-parameter",
            f"not a parameter of this address: {', '.join(unknown)} (it takes: {offered})",
        )
