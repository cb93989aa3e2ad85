"""FastAPI dependencies shared by every service: the store, the caller, permissions."""

from __future__ import annotations

from collections.abc import Callable
from typing import Annotated

import asyncpg
from fastapi import Depends, Request
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer

from redress.events.envelope import Actor, Metadata
from redress.events.store import EventStore
from redress.kit.auth import InvalidToken, Principal
from redress.kit.authz import Action, allowed
from redress.kit.errors import Problem

_bearer = HTTPBearer(auto_error=False)


def get_store(request: Request) -> EventStore:
    store: EventStore = request.app.state.runtime.store
    return store


def get_pool(request: Request) -> asyncpg.Pool:
    pool: asyncpg.Pool = request.app.state.runtime.pool
    return pool


async def current_principal(
    request: Request,
    credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer)],
) -> Principal:
    if credentials is None:
        raise Problem(
            401,
            "unauthenticated",
            "a bearer token is required",
            headers={"WWW-Authenticate": "Bearer"},
        )
    try:
        principal: Principal = await request.app.state.runtime.verifier.verify(
            credentials.credentials
        )
    except InvalidToken as exc:
        raise Problem(
            401,
            "invalid-token",
            str(exc),
            headers={"WWW-Authenticate": 'Bearer error="invalid_token"'},
        ) from None
    return principal


Store = Annotated[EventStore, Depends(get_store)]
Pool = Annotated[asyncpg.Pool, Depends(get_pool)]
CurrentPrincipal = Annotated[Principal, Depends(current_principal)]


def permitted(action: Action) -> Callable[[Principal], Principal]:
    """A dependency that lets through only principals whose roles allow `action`."""

    def check(principal: CurrentPrincipal) -> Principal:
        if not allowed(principal.roles, action):
            raise Problem(403, "forbidden", f"your roles do not allow {action.value}")
        return principal

    return check


def metadata_for(principal: Principal) -> Metadata:
    role = sorted(principal.roles)[0] if principal.roles else "none"
    return Metadata(tenant=principal.tenant, actor=Actor(id=principal.sub, role=role))
