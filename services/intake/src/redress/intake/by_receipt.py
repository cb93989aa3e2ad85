"""A worker's receipt, read out to an operator on the phone: the grievance it opens, and
a command recorded on it for the worker.

Wrong receipts are throttled per operator (`OperatorGuard`), never per reference: an
operator mistyping a receipt never locks the worker out.
"""

from __future__ import annotations

import asyncio
import math
from collections.abc import Awaitable, Callable, Sequence
from typing import Annotated, Any

from fastapi import Depends, Request
from pydantic import BaseModel, ConfigDict, Field

from redress.events.envelope import EventData
from redress.events.store import Conn, read_stream_on
from redress.intake.context import Intake, IntakeContext
from redress.intake.domain import Grievance, decide, fold
from redress.intake.filing import grievance_stream, tenant_name
from redress.intake.receipts import normalise_reference, verify_secret
from redress.kit import idempotency
from redress.kit.auth import Principal
from redress.kit.authz import Action
from redress.kit.deps import Pool, Store, metadata_for, permitted
from redress.kit.errors import Problem
from redress.kit.idempotency import IdempotencyKey
from redress.kit.text import Line
from redress.kit.throttle import retry_after

Assisting = Annotated[Principal, Depends(permitted(Action.grievance_assist))]
# The worker's command, made once the receipt has opened their grievance (its id and state).
Command = Callable[[Conn, str, Grievance], Awaitable[Any]]


class ByReceipt(BaseModel):
    model_config = ConfigDict(extra="forbid")

    reference: Line = Field(min_length=1, max_length=40)
    secret: Line = Field(min_length=1, max_length=40)


class Recorded(BaseModel):
    stream: str
    version: int


# What a write answers, from the stream, its version and the events appended: the stream and
# version (`Recorded`), or a route's own model saying what was recorded.
Reply = Callable[[str, int, Sequence[EventData]], Recorded]


def recorded(stream: str, version: int, _: Sequence[EventData]) -> Recorded:
    return Recorded(stream=stream, version=version)


async def opened(conn: Conn, intake: Intake, principal: Principal, body: ByReceipt) -> str:
    """The grievance the receipt opens; 404 for a wrong one (counted against the operator)."""
    operator = (principal.tenant, principal.sub)
    wait = intake.operator_guard.wait(operator)
    if wait > 0:
        raise Problem(429, "too-many-tries", "too many wrong receipts; wait before trying again",
                      headers=retry_after(math.ceil(wait)))  # fmt: skip
    found = await conn.fetchrow(
        "SELECT grievance_id, receipt_hash FROM intake.receipts "
        "WHERE tenant = $1 AND reference = $2",
        principal.tenant, normalise_reference(body.reference),
    )  # fmt: skip
    stored = found["receipt_hash"] if found else None
    if not await asyncio.to_thread(verify_secret, stored, body.secret) or not found:
        intake.operator_guard.failed(operator)
        raise Problem(404, "wrong-receipt", "no report has that reference and secret number")
    return str(found["grievance_id"])


class Recorder:
    """Records a worker's command on the grievance their receipt opens, once per
    Idempotency-Key: what each by-receipt route that writes does, a dependency so that the
    route says only its command (`Recording`)."""

    def __init__(
        self, request: Request, principal: Assisting, pool: Pool, store: Store,
        intake: IntakeContext, idempotency_key: IdempotencyKey = None,
    ) -> None:  # fmt: skip
        self.request, self.principal, self.pool, self.store = request, principal, pool, store
        self.intake, self.key = intake, idempotency_key

    async def __call__(self, body: ByReceipt, command: Command, reply: Reply = recorded) -> Any:
        """Open the receipt, then record the worker's command on it; answered by `reply`."""
        principal = self.principal
        async with self.pool.acquire() as conn, conn.transaction():
            await tenant_name(conn, principal.tenant)
            first = await idempotency.claim(conn, "intake", principal, self.key, self.request,
                                            body)  # fmt: skip
            if isinstance(first, idempotency.Replay):
                return first.response()
            gid = await opened(conn, self.intake, principal, body)
            answer = await record(conn, self.store, principal, gid, command, reply)
            if first is not None:
                await first.remember(conn, answer, 201)
        return answer


Recording = Annotated[Recorder, Depends()]


async def on_call(
    pool: Pool, store: Store, principal: Principal, grievance_id: str, command: Command
) -> Recorded:
    """Record the worker's command on the grievance a call holds open: the receipt was read
    out when the call began (the hotline desk keeps the call, never the secret)."""
    async with pool.acquire() as conn, conn.transaction():
        await tenant_name(conn, principal.tenant)
        return await record(conn, store, principal, grievance_id, command)


async def record(
    conn: Conn, store: Store, principal: Principal, grievance_id: str, command: Command,
    reply: Reply = recorded,
) -> Recorded:  # fmt: skip
    """The worker's command, decided on their grievance as it stands and appended, in the
    caller's transaction: what the API and the desk do alike once the grievance is open."""
    stream = grievance_stream(grievance_id)
    history = await read_stream_on(conn, stream)
    state = fold([e.data for e in history])
    events: list[EventData] = decide(await command(conn, grievance_id, state), state)
    done = await store.append(stream, events, len(history), metadata_for(principal), conn=conn)
    return reply(stream, done.version, events)
