"""The delivery worker: claims due deliveries, sends them, and records what happened.

Any number of workers may run (claims are leased with SKIP LOCKED). Each keeps up to
`concurrency` attempts in flight, at most `per_endpoint` per endpoint; it wakes on the
outbox's NOTIFY, when an attempt ends, and every `interval` seconds. Everything it knows
is in PostgreSQL: a worker killed at any point loses nothing (its leases run out and the
deliveries are sent again, with the same webhook-id).
"""

from __future__ import annotations

import asyncio
import contextlib
from collections import Counter
from collections.abc import AsyncIterator, Awaitable, Callable
from datetime import timedelta
from typing import Any

import asyncpg
import structlog

from redress.events.recovery import Backoff, Trouble
from redress.events.store import Conn
from redress.events.timers import Clock, SystemClock
from redress.kit.webhooks.claims import Claim, claim
from redress.kit.webhooks.model import GivenUp, Notice
from redress.kit.webhooks.outbox import Webhooks
from redress.kit.webhooks.policy import BreakerPolicy, RetryPolicy
from redress.kit.webhooks.sender import Outcome, Sender
from redress.kit.webhooks.settle import settle
from redress.kit.webhooks.survey import Survey, survey

log = structlog.get_logger("redress.webhooks")

NoticeHook = Callable[[Conn, Notice], Awaitable[None]]
GivenUpHook = Callable[[Conn, GivenUp], Awaitable[None]]


class Deliverer:
    def __init__(
        self,
        pool: asyncpg.Pool,
        hooks: Webhooks,
        *,
        sender: Sender | None = None,
        retry: RetryPolicy | None = None,
        breaker: BreakerPolicy | None = None,
        concurrency: int = 32,
        per_endpoint: int = 8,
        lease: timedelta = timedelta(minutes=2),
        interval: float = 1.0,
        survey_every: float = 5.0,
        io_timeout: float = 5.0,
        wall: Clock | None = None,
        on_notice: NoticeHook | None = None,
        on_given_up: GivenUpHook | None = None,
    ) -> None:
        """`wall` dates the signatures (receivers check them against their own clock),
        while `hooks.clock` decides what is due; `on_notice` runs in the transaction that
        disables an endpoint (to append an event, say), `on_given_up` in the one that gives
        a delivery up (to queue an alert to admins, say)."""
        self.pool = pool
        self.hooks = hooks
        self.sender = sender or Sender(hooks.guard)
        self.retry = retry or RetryPolicy()
        self.breaker = breaker or BreakerPolicy()
        self.concurrency = concurrency
        self.per_endpoint = per_endpoint
        self.lease = lease
        self.interval = interval
        self.survey_every = survey_every
        self.io_timeout = io_timeout
        # Connections are taken without a timeout of our own: the pool's deadline tells a
        # burst of requests from an outage (redress.kit.pools).
        self.wall = wall or SystemClock()
        self.on_notice = on_notice
        self.on_given_up = on_given_up
        self.trouble = Trouble(f"{hooks.schema}.webhooks")
        # Deliveries held up by partners' endpoints (or given up), surveyed every
        # `survey_every` seconds: /health says they are, /metrics how many.
        self.endpoints = Trouble(f"{hooks.schema}.webhook_endpoints")
        self.surveyed = Survey()
        self._surveyed_at: float | None = None
        # Attempts settled, by outcome, for /metrics.
        self.attempts: Counter[str] = Counter()
        self._busy: Counter[str] = Counter()
        self._tasks: set[asyncio.Task[None]] = set()
        self._wake = asyncio.Event()
        self._round = max(1, concurrency // 4)

    # Running.

    async def run(self) -> None:
        """Deliver until cancelled; a lost database connection is waited out with backoff."""
        backoff = Backoff(initial=0.5, cap=30.0)
        try:
            while True:
                try:
                    await self._serve()
                except Exception as exc:
                    self.trouble.report(exc)
                    await backoff.wait()
        finally:
            await self._stop_attempts()

    async def tick(self) -> int:
        """Send everything due now, one round after another, until nothing is due; return
        how many attempts were made (tests move a fixed clock and tick)."""
        made = 0
        while claims := await self._claim():
            await asyncio.gather(*(self._attempt(c) for c in claims))
            made += len(claims)
        return made

    async def close(self) -> None:
        await self._stop_attempts()
        await self.sender.aclose()

    async def _serve(self) -> None:
        async with self._listening() as listener:
            while True:
                if listener.is_closed():
                    raise ConnectionError("the connection listening for new webhooks was lost")
                self._wake.clear()
                room = self.concurrency - len(self._tasks)
                # Claim in rounds, not one slot at a time: a claim costs a transaction.
                claims = await self._claim() if room >= self._round or not self._tasks else []
                self.trouble.clear()
                for c in claims:
                    self._start(c)
                await self._survey_when_due()
                if not claims or len(self._tasks) >= self.concurrency - self._round:
                    with contextlib.suppress(TimeoutError):
                        await asyncio.wait_for(self._wake.wait(), self.interval)

    @contextlib.asynccontextmanager
    async def _listening(self) -> AsyncIterator[asyncpg.pool.PoolConnectionProxy]:
        """LISTEN for the outbox's NOTIFY on a connection of the pool, for as long as we run."""
        conn = await self.pool.acquire()

        def woken(*_: Any) -> None:
            self._wake.set()

        try:
            await conn.add_listener(self.hooks.channel, woken)
            try:
                yield conn
            finally:
                with contextlib.suppress(Exception):
                    await asyncio.wait_for(
                        conn.remove_listener(self.hooks.channel, woken), self.io_timeout
                    )
        finally:
            await self.pool.release(conn, timeout=self.io_timeout)

    async def _survey_when_due(self) -> None:
        now = asyncio.get_running_loop().time()
        if self._surveyed_at is not None and now - self._surveyed_at < self.survey_every:
            return
        await self.look()
        self._surveyed_at = now

    async def look(self) -> Survey:
        """Survey the outbox now: what /health and /metrics say of it follows."""
        async with self.pool.acquire() as conn:
            self.surveyed = await survey(conn, self.hooks.schema)
        problem = self.surveyed.problem(self.hooks.clock.now())
        if problem is None:
            self.endpoints.clear()
        else:
            self.endpoints.note(problem)
        return self.surveyed

    def _start(self, c: Claim) -> None:
        self._busy[c.endpoint_id] += 1
        task = asyncio.create_task(self._attempt(c), name=f"webhook {c.webhook_id}")
        self._tasks.add(task)

        def ended(t: asyncio.Task[None]) -> None:
            self._tasks.discard(t)
            self._busy[c.endpoint_id] -= 1
            if self._busy[c.endpoint_id] <= 0:
                del self._busy[c.endpoint_id]
            self._wake.set()
            if not t.cancelled() and t.exception() is not None:
                self.trouble.report(t.exception() or RuntimeError("attempt failed"))

        task.add_done_callback(ended)

    async def _stop_attempts(self) -> None:
        tasks = list(self._tasks)
        for task in tasks:
            task.cancel()
        if tasks:
            await asyncio.wait(tasks, timeout=self.io_timeout)

    # One attempt.

    async def _claim(self) -> list[Claim]:
        async with self.pool.acquire() as conn:
            return await claim(
                conn,
                self.hooks.schema,
                self.hooks.box,
                self.hooks.clock.now(),
                room=self.concurrency - len(self._tasks),
                per_endpoint=self.per_endpoint,
                busy=self._busy,
                lease=self.lease,
            )

    async def _attempt(self, c: Claim) -> None:
        if c.secrets:
            outcome = await self.sender.send(
                c.endpoint_id, c.url, c.webhook_id, c.body, c.secrets, self.wall.now()
            )
        else:
            outcome = Outcome(None, 0, "no valid signing secret")
        async with self.pool.acquire() as conn:
            notice = await settle(
                conn,
                self.hooks.schema,
                c,
                outcome,
                self.hooks.clock.now(),
                self.retry,
                self.breaker,
                self.on_notice,
                self.on_given_up,
            )
        self.attempts["delivered" if outcome.delivered else "failed"] += 1
        if notice is not None:
            self.attempts["endpoint_disabled"] += 1
        if outcome.delivered:
            log.debug("webhook delivered", webhook_id=c.webhook_id, endpoint=str(c.endpoint_id))
        else:
            log.info(
                "webhook attempt failed",
                webhook_id=c.webhook_id,
                endpoint=str(c.endpoint_id),
                attempt=c.attempts + 1,
                status=outcome.status,
                error=outcome.error,
            )
        if notice is not None:
            log.warning("webhook endpoint disabled", endpoint=str(c.endpoint_id), why=notice.detail)
