"""FastAPI dependencies shared by every service: the store, the caller, permissions."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Annotated

import asyncpg
from fastapi import Depends, Request
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer

from redress.events.envelope import Actor, Metadata
from redress.events.store import EventStore
from redress.kit.auth import InvalidToken, Principal
from redress.kit.authz import Action, authorising_role, refusal
from redress.kit.errors import Problem

_bearer = HTTPBearer(auto_error=False)


async def get_store(request: Request) -> EventStore:
    store: EventStore = request.app.state.runtime.store
    return store


async def get_pool(request: Request) -> asyncpg.Pool:
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


def authorise(principal: Principal, action: Action) -> Principal:
    """The principal acting under the role that allows `action`; 403 when none does."""
    role = authorising_role(principal.roles, action)
    if role is None:
        raise Problem(403, "forbidden", refusal(principal.roles, action))
    return principal.model_copy(update={"acting_as": role})


def permitted(action: Action) -> Callable[[Principal], Awaitable[Principal]]:
    """A dependency that lets through only principals whose roles allow `action`."""

    async def check(principal: CurrentPrincipal) -> Principal:
        return authorise(principal, action)

    return check


def metadata_for(principal: Principal) -> Metadata:
    """Who acted (the token's subject) and the role that authorised the action.

    A principal that was never authorised for an action has no role to record: writing
    for it is a programming error, not something to guess from its roles.
    """
    if principal.acting_as is None:
        raise RuntimeError("metadata_for needs a principal passed through authorise()")
    actor = Actor(id=principal.sub, role=principal.acting_as)
    return Metadata(tenant=principal.tenant, actor=actor)
