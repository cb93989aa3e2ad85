"""A request that only reads is answered 503 once the database has stopped answering it.

A PostgreSQL that stops answering (frozen, a network lost) sends no error. A request that
took an idle connection just before sends its statement and waits out the statement
timeout (30 s), then the cancel and the connection's reset: 40 s of a spinning page or a
client timing out, the first request of an outage answered last.

Here a GET or HEAD is given up after `READ_DEADLINE` I/O timeouts once no connection has
come back to the pool for one, and the server answers no question within another
(`pools.unless_stalled`: a pool kept busy gives connections back all the while, and a slow
statement's server answers; neither is an outage). It is answered 503 with Retry-After at
once, as the service answers any outage: problem+json, or the page of a console or of the
worker pages. The request's own work, cancelled, unwinds behind the answer within the
pool's deadlines, and sends nothing more.

A request that writes (POST) waits out its statements' deadlines: what it sent may have been
recorded, and only its own answer can say so. So does a read that has appended to the log
(reading a worker's data records the read), and one whose answer has begun.
"""

from __future__ import annotations

import asyncio

from starlette.requests import Request
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from redress.events.store import appends_noted
from redress.kit.pools import unless_stalled

READS = frozenset({"GET", "HEAD"})
READ_DEADLINE = 2  # I/O timeouts a read waits while no connection comes back to the pool


class ReadDeadline:
    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["method"] not in READS:
            return await self.app(scope, receive, send)
        state = scope["app"].state
        runtime = getattr(state, "runtime", None)
        if runtime is None:  # not started: nothing to wait for
            return await self.app(scope, receive, send)
        answering = False
        given_up = False

        async def sending(message: Message) -> None:
            nonlocal answering
            if not given_up:
                answering = True
                await send(message)

        # A task of its own, so that the answer need not wait for it to unwind: the request's
        # own exit stacks are entered and left inside it. It notes what it appends.
        appended: list[str] = []
        noting = appends_noted.set(appended)
        try:
            serving = asyncio.ensure_future(self.app(scope, receive, sending))
        finally:
            appends_noted.reset(noting)
        after = READ_DEADLINE * runtime.settings.io_timeout
        try:
            await unless_stalled(runtime.pool, asyncio.shield(serving), after=after)
        except TimeoutError as exc:
            if answering or serving.done() or appended:
                # Its answer is on its way, or its own failure; or it has appended (a read of
                # a worker's data records the read), which only its own answer can tell.
                return await serving
            given_up = True
            serving.cancel()  # the shield took its outcome: nothing is left unretrieved
            answer = await state.unavailable(Request(scope, receive), exc)
            await answer(scope, receive, send)
        except asyncio.CancelledError:
            serving.cancel()
            raise
