"""Retryable writes: a client's `Idempotency-Key` makes a retry give the first answer again.

A client that timed out cannot tell whether its write happened; it sends the same request
with the same key, and gets the first answer, not a second grievance or a second action.
The same key with another request (a body that means something else once validated, another
path: `redress.kit.fingerprints`) is refused with 422: the client is confused, and guessing
which request it meant would be worse.

Each service keeps the keys in its own schema, in an `idempotency` table
(tenant, principal, key, body_hash, status, response), per caller (its user and
organisation), claimed in the transaction that
writes: a write that fails leaves no claim, and a retry that races the first waits on the
row's lock, then replays. The body is kept only as a keyed hash: bodies hold narratives and
phone numbers, and a plain hash of a short phone number is a phone number. The first answer
is kept sealed: an operator's filing answers with the receipt's secret.
"""

from __future__ import annotations

import asyncio
import contextlib
import hmac
import json
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Annotated, Any

import asyncpg
from fastapi import Depends, Header, Request
from fastapi.responses import JSONResponse
from pydantic import BaseModel, ValidationError

from redress.events.application import Recorded
from redress.events.catalogue.grievance import Sealed
from redress.events.store import Conn
from redress.kit.auth import Principal
from redress.kit.crypto import DataKey
from redress.kit.errors import Problem
from redress.kit.fingerprints import body_model, canonical, derived, earlier, fingerprint

HEADER = "Idempotency-Key"
# How long a key gives its first answer again. A client retries within minutes; an operator's
# tool may retry after an outage of hours. Past this, the key and its sealed answer (which can
# hold a receipt's secret) are deleted.
KEPT_FOR = timedelta(days=7)
SWEEP_EVERY_S = 3600.0
# Declared by every retryable route, so that the OpenAPI document says it may be sent.
IdempotencyKey = Annotated[
    str | None,
    Header(
        alias=HEADER,
        min_length=1,
        max_length=200,
        description="Send the same key to retry safely: the first answer is given again.",
    ),
]


def _answers(request: Request, schema: str) -> DataKey:
    return DataKey(f"idempotency-{schema}", derived(request, "idempotency-answers"))


@dataclass(frozen=True)
class Replay:
    """The first answer to this key, to give again."""

    answer: Any
    status: int

    def response(self) -> JSONResponse:
        return JSONResponse(self.answer, self.status)


def caller(principal: Principal) -> str:
    """Whose keys these are: the user and the organisation it acts for. Two member companies'
    systems may log in with the same user id; a key of one must never answer the other.

    A caller of no organisation (staff, an SMS provider) is its user id, as keys were kept
    before organisations counted: its retries across an upgrade still find their first
    answer. A member's keys kept before then are no longer found (a retry across the
    upgrade writes again); they expire with the others."""
    return principal.sub if principal.org is None else json.dumps([principal.sub, principal.org])


@dataclass(frozen=True)
class Claim:
    """A key claimed by this request: remember the answer in the same transaction."""

    schema: str
    principal: Principal
    key: str
    sealer: DataKey

    async def remember(self, conn: Conn, answer: BaseModel, status: int) -> None:
        await conn.execute(
            f"""UPDATE {self.schema}.idempotency SET status = $4, response = $5::jsonb
                WHERE tenant = $1 AND principal = $2 AND key = $3""",
            self.principal.tenant,
            caller(self.principal),
            self.key,
            status,
            self.sealer.seal(answer.model_dump_json().encode()).model_dump_json(),
        )


async def claim(
    conn: Conn,
    schema: str,
    principal: Principal,
    key: str | None,
    request: Request,
    body: BaseModel | bytes | None,
    sent: bytes | None = None,
) -> Claim | Replay | None:
    """Claim `key` inside the caller's transaction.

    None: no key was sent, write as usual. A Claim: the first request with this key, write
    and `remember` the answer. A Replay: the first answer, to give again. `sent`: the model's
    JSON as the client sent it (keys sorted), as the release before fingerprinted it.
    """
    if key is None:
        return None
    body_hash = fingerprint(request, body)
    claimed = await conn.fetchval(
        f"""INSERT INTO {schema}.idempotency (tenant, principal, key, body_hash)
            VALUES ($1, $2, $3, $4) ON CONFLICT DO NOTHING RETURNING 1""",
        principal.tenant,
        caller(principal),
        key,
        body_hash,
    )
    if claimed is not None:
        return Claim(schema, principal, key, _answers(request, schema))
    first = await conn.fetchrow(
        f"""SELECT body_hash, status, response FROM {schema}.idempotency
            WHERE tenant = $1 AND principal = $2 AND key = $3""",
        principal.tenant,
        caller(principal),
        key,
    )
    same = (body_hash, *earlier(request, body, sent))
    if first is None or not any(hmac.compare_digest(first["body_hash"], h) for h in same):
        raise Problem(
            422,
            "idempotency-key-reused",
            f"this {HEADER} was used with a different request",
        )
    sealed = Sealed.model_validate_json(first["response"])
    return Replay(json.loads(_answers(request, schema).open(sealed)), first["status"])


@dataclass(frozen=True)
class Retry:
    """A route's retryable write: the key the client sent, and where to keep it.

    For routes whose handlers are shared (the console calls them without a key): the body
    is the route's model as it validated the request's JSON, so that a client sending an
    explicit null for a field it left out before, or re-serialising the same object, is not
    refused; a body the route takes as no model is the JSON, compared with its keys sorted.
    """

    request: Request
    pool: asyncpg.Pool
    key: str | None
    content: bytes | None = None
    """What the request asks, said by its route where the raw body differs between two
    sendings of the same request (a multipart body's boundary is new each time)."""

    @property
    def status(self) -> int:
        route = self.request.scope.get("route")
        status: int | None = getattr(route, "status_code", None)
        return status or 200

    async def claim(self, conn: Conn, schema: str, principal: Principal) -> Claim | Replay | None:
        if self.content is not None:
            return await claim(conn, schema, principal, self.key, self.request, self.content)
        raw = await self.request.body()
        try:
            sent = json.loads(raw)
        except ValueError:
            return await claim(conn, schema, principal, self.key, self.request, raw)
        model, meant = body_model(self.request), None
        # Validated again as the route did (from the parsed JSON): what the handler is given.
        # One that refuses what its route took a moment ago (a validator reading the clock)
        # is compared as sent, as every body was before ADR 47.
        with contextlib.suppress(ValidationError):
            meant = None if model is None else model.model_validate(sent)
        if meant is None:
            return await claim(conn, schema, principal, self.key, self.request, canonical(sent))
        return await claim(conn, schema, principal, self.key, self.request, meant, canonical(sent))


@dataclass
class Once:
    """An Idempotency-Key's claim, committed with the write it guards.

    The application layer's `execute` runs it in the write's transaction: `begin` claims
    the key (or finds the first answer, which ends the write), `end` remembers the answer.
    """

    retry: Retry
    schema: str
    principal: Principal
    answer: Callable[[Recorded], BaseModel]
    claimed: Claim | None = None

    @classmethod
    def of(
        cls,
        retry: Retry | None,
        schema: str,
        principal: Principal,
        answer: Callable[[Recorded], BaseModel],
    ) -> Once | None:
        """None when no key was sent: the write goes on as any other."""
        if retry is None or retry.key is None:
            return None
        return cls(retry, schema, principal, answer)

    async def begin(self, conn: Conn) -> Any:
        first = await self.retry.claim(conn, self.schema, self.principal)
        if isinstance(first, Replay):
            return first.answer
        self.claimed = first
        return None

    async def end(self, conn: Conn, recorded: Recorded) -> None:
        if self.claimed is not None:
            await self.claimed.remember(conn, self.answer(recorded), self.retry.status)


async def retryable(request: Request, idempotency_key: IdempotencyKey = None) -> Retry:
    return Retry(request, request.app.state.runtime.pool, idempotency_key)


# `= None` where a handler is also called without a request (the console's forms).
Retryable = Annotated[Retry | None, Depends(retryable)]


async def forget_old_keys(conn: Conn, schema: str, now: datetime) -> int:
    """Delete the keys older than `KEPT_FOR`; how many went."""
    done = await conn.execute(
        f"DELETE FROM {schema}.idempotency WHERE created_at < $1", now - KEPT_FOR
    )
    return int(done.split()[-1])


def key_sweeper(schema: str) -> Callable[[Any], Awaitable[None]]:
    """Background work for a service that keeps keys: forget old ones, every hour."""

    async def forget_idempotency_keys(runtime: Any) -> None:
        while True:
            async with runtime.pool.acquire() as conn:
                await forget_old_keys(conn, schema, datetime.now(UTC))
            await asyncio.sleep(SWEEP_EVERY_S)

    return forget_idempotency_keys
