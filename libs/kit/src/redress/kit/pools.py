"""Database pools whose wait for a connection has a deadline, even when the server stops answering.

A PostgreSQL that is frozen (SIGSTOP, a lost network) answers nothing. A command on a pooled
connection ends at the client's command timeout; but a caller in line for a connection, with
asyncpg's `acquire()` and no timeout (as almost every caller here), waits for ever: the
connections in use come back only once their commands time out, and a new one never
connects. Here, acquiring a connection waits while the pool makes progress, and gives up
(TimeoutError, which a service answers 503) after `wait` seconds in which no working
connection came back, or after `longest` seconds in all.

Written against asyncpg 0.32.0 (pinned in requirements.txt): `Pool._acquire(timeout)` is
the private step behind every `acquire()`. tests/kit/test_pools.py fails if a new asyncpg
renames it or changes what it takes; check it before moving the pin.
"""

from __future__ import annotations

import asyncio
from typing import TYPE_CHECKING, Any

import asyncpg

if TYPE_CHECKING:
    _Pool = asyncpg.Pool[asyncpg.Record]
else:
    _Pool = asyncpg.Pool

# What asyncpg.create_pool gives Pool by default; Pool itself takes no defaults.
_DEFAULTS: dict[str, Any] = {
    "max_queries": 50_000,
    "max_inactive_connection_lifetime": 300.0,
    "loop": None,
    "connection_class": asyncpg.Connection,
    "record_class": asyncpg.Record,
}


class DeadlinePool(_Pool):
    """A pool whose `acquire()` without a timeout still has one (see the module's doc).

    Await it to open it, as asyncpg.create_pool's result.
    """

    def __init__(self, dsn: str, *, wait: float, longest: float, **kwargs: Any) -> None:
        super().__init__(dsn, **{**_DEFAULTS, **kwargs})
        self.wait = wait
        self.longest = longest
        self._progress_at = 0.0

    async def _acquire(self, timeout: float | None) -> Any:
        acquire = super()._acquire  # type: ignore[misc]
        if timeout is not None:
            return await acquire(timeout)
        loop = asyncio.get_running_loop()
        started = loop.time()
        while True:
            try:
                # The slice is also the release's budget (asyncpg keeps it per connection),
                # and bounds the opening of a new connection to a server that does not answer.
                return await acquire(self.wait)
            except TimeoutError:
                now = loop.time()
                if now - self._progress_at > self.wait or now - started >= self.longest:
                    raise TimeoutError(
                        f"no database connection within {now - started:.1f} s"
                    ) from None

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
