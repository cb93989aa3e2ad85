"""Database pools whose every wait has a deadline, even when the server stops answering.

A PostgreSQL that is frozen (SIGSTOP, a lost network) answers nothing: not the query, not
the cancel request sent after the client's command timeout, not a new connection. asyncpg
waits for each of these with the command timeout, or for ever: a request would hold its
caller for the sum of them, far past any client's patience. Here:

- acquiring a connection waits while the pool makes progress, and gives up after `wait`
  seconds in which no working connection came back (the server has stopped answering) or
  after `longest` seconds in all; the caller answers 503. asyncpg's `acquire()` without a
  timeout, as almost every caller here uses it, would wait for ever. Background senders
  (texts, alerts, webhooks) take theirs the same way: a fixed timeout of their own would
  report a burst of requests as an outage, and their backoff would say so long after it;
- cancelling a timed-out command takes at most `wait` seconds; a server that does not take
  the cancel in that time has its connection cut off, and the pool opens a new one later.
  asyncpg waits a whole command timeout more, and the ROLLBACK of the caller's transaction
  waits for that cancel.

Written against asyncpg 0.32.0 (pinned in requirements.txt): `Pool._acquire(timeout)` is
the private step behind every `acquire()`, and `Connection._cancel(waiter, cancel_waiter)`
the one behind every cancel. tests/kit/test_pools.py fails if a new asyncpg renames them or
changes what they take; check it before moving the pin.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable
from typing import TYPE_CHECKING, Any, TypeVar

import asyncpg

if TYPE_CHECKING:
    _Pool = asyncpg.Pool[asyncpg.Record]
else:
    _Pool = asyncpg.Pool

T = TypeVar("T")

# What asyncpg.create_pool gives Pool by default; Pool itself takes no defaults.
_DEFAULTS: dict[str, Any] = {
    "max_queries": 50_000,
    "max_inactive_connection_lifetime": 300.0,
    "loop": None,
    "record_class": asyncpg.Record,
}


class DeadlineConnection(asyncpg.Connection):
    """A connection whose cancelling of a timed-out command is itself bounded."""

    cancel_wait = 5.0

    async def _cancel(self, waiter: Any, cancel_waiter: Any = None) -> None:
        # While asyncpg's own cancel waits for a server that may not answer at all, the
        # connection can be neither used (the caller's ROLLBACK waits) nor given back.
        cancel = super()._cancel  # type: ignore[misc]
        inner = asyncio.ensure_future(cancel(waiter, cancel_waiter))
        try:
            done, _ = await asyncio.wait({inner}, timeout=self.cancel_wait)
        finally:
            self._cancellations.discard(asyncio.current_task())  # type: ignore[attr-defined]
        if not done:
            inner.cancel()
            self.terminate()


def connection_class(cancel_wait: float) -> type[DeadlineConnection]:
    return type("DeadlineConnection", (DeadlineConnection,), {"cancel_wait": cancel_wait})


class DeadlinePool(_Pool):
    """A pool whose `acquire()` without a timeout still has one (see the module's doc).

    Await it to open it, as asyncpg.create_pool's result.
    """

    def __init__(self, dsn: str, *, wait: float, longest: float, **kwargs: Any) -> None:
        kwargs = {**_DEFAULTS, "connection_class": connection_class(wait), **kwargs}
        super().__init__(dsn, **kwargs)
        self.wait = wait
        self.longest = longest
        self._dsn = dsn
        self._question: asyncio.Future[bool] | None = None
        self._progress_at = 0.0
        # How the pool is used, for /metrics: a size is chosen from these, not guessed.
        self.peak = 0
        self.queued = 0  # acquires that found every connection taken
        self.queued_seconds = 0.0
        self.waiting = 0  # of those, the ones in line now

    @property
    def size(self) -> int:
        return int(self.get_max_size())

    @property
    def in_use(self) -> int:
        """Connections lent out now (asyncpg's own count: opened, and not idle)."""
        return int(self.get_size() - self.get_idle_size())

    async def _acquire(self, timeout: float | None) -> Any:
        loop = asyncio.get_running_loop()
        started = loop.time()
        full = self.in_use >= self.size
        self.waiting += full
        try:
            connection = await self._acquire_within(timeout, started)
        finally:
            self.waiting -= full
        self.peak = max(self.peak, self.in_use)
        if full:
            self.queued += 1
            self.queued_seconds += loop.time() - started
        return connection

    async def _acquire_within(self, timeout: float | None, started: float) -> Any:
        acquire = super()._acquire  # type: ignore[misc]
        if timeout is not None:
            return await acquire(timeout)
        loop = asyncio.get_running_loop()
        while True:
            try:
                # The slice is also the release's budget (asyncpg keeps it per connection),
                # and bounds the opening of a new connection to a server that does not answer.
                return await acquire(self.wait)
            except TimeoutError:
                now = loop.time()
                if self._silent(now) or now - started >= self.longest:
                    raise TimeoutError(
                        f"no database connection within {now - started:.1f} s"
                    ) from None

    def _silent(self, now: float) -> bool:
        return now - self._progress_at > self.wait

    def stalled(self) -> bool:
        """Connections are lent out and none came back in working order for `wait` seconds:
        the server may have stopped answering. A pool kept busy gives them back all the
        while; one slow statement on a quiet pool looks the same, until `answers` asks."""
        return self.in_use > 0 and self._silent(asyncio.get_running_loop().time())

    async def answers(self) -> bool:
        """Whether the server answers a question within `wait`, on a connection of its own:
        the pool's may all be taken by slow statements of a server that answers. One
        question at a time, whoever asks; it ends within its own deadlines, asked or not."""
        if self._question is None or self._question.done():
            self._question = asyncio.ensure_future(self._ask())
        done, _ = await asyncio.wait({self._question}, timeout=self.wait)
        return bool(done) and self._question.result()

    async def _ask(self) -> bool:
        # Any failure is no answer: refused, reset, timed out, shutting down, a login refused.
        try:
            connection = await asyncpg.connect(
                self._dsn, timeout=self.wait, connection_class=connection_class(self.wait)
            )
        except Exception:
            return False
        try:
            await connection.fetchval("SELECT 1", timeout=self.wait)
            return True
        except Exception:
            return False
        finally:
            connection.terminate()  # a close would wait on a server that may not answer

    async def release(self, connection: Any, *, timeout: float | None = None) -> None:
        try:
            working = not connection.is_closed()
        except asyncpg.InterfaceError:  # released already: asyncpg does nothing then
            working = False
        await super().release(connection, timeout=timeout)
        if working:
            # Back in working order (a command cut off by its timeout has been cancelled,
            # or the release failed above): the server answers, busy as it may be.
            self._progress_at = asyncio.get_running_loop().time()


async def unless_stalled(pool: asyncpg.Pool, work: Awaitable[T], *, after: float) -> T:
    """`work`, given up with TimeoutError once it has run `after` seconds while `pool` is
    stalled and its server does not answer a question within `wait`: a server that stopped
    answering sends no error, and a statement sent to it waits out its statement timeout and
    its cancel. Time alone cannot tell that from a busy pool, whose connections keep coming
    back, nor from a slow statement (tests/kit/test_pools.py, tests/kit/test_outage.py,
    tests/intake/test_worker_errors.py, tests/cases/test_texts_delivery.py).

    `work` is cut where it waits, and unwinds within the deadlines of its cancel and release;
    given as `asyncio.shield(task)`, it is left to unwind and the caller answers at once.
    Only for work that may be cut anywhere, such as a page that only reads.
    """
    if not isinstance(pool, DeadlinePool):
        return await work
    try:
        async with asyncio.timeout(None) as limit:
            watch = asyncio.create_task(_watch(pool, limit, after))
            try:
                return await work
            finally:
                watch.cancel()
    except TimeoutError:
        if limit.expired():
            raise TimeoutError(f"no answer from the database within {after:.0f} s") from None
        raise


async def _watch(pool: DeadlinePool, limit: asyncio.Timeout, after: float) -> None:
    # Stalling is a pause in the pool's progress, with no event to wait for: looked at on a
    # clock of a quarter of `wait`. A stalled pool whose server still answers is only slow.
    await asyncio.sleep(after)
    while True:
        if pool.stalled() and not await pool.answers():
            limit.reschedule(asyncio.get_running_loop().time())  # the timeout cuts work off
            return
        await asyncio.sleep(pool.wait / 4)
