"""The loop of a sender over an outbox table: claim what is due, attempt each, and read again
at once while there was something to try, after `interval` otherwise.

A subclass says how it claims (a leased `UPDATE ... FOR UPDATE SKIP LOCKED`, so that any
number of senders may run) and what one attempt does: email alerts to staff
(`redress.kit.mail`), texts to workers. Its `trouble` is shown on /health while
`run_sender` runs it.
"""

from __future__ import annotations

import asyncio
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

import asyncpg

from redress.events.recovery import Trouble, working
from redress.events.store import Conn
from redress.kit.runtime import Runtime


@dataclass(frozen=True)
class Backoff:
    """`first`, then `factor` times longer after each try, never more than `cap`."""

    first: timedelta
    factor: float
    cap: timedelta

    def after(self, attempts: int) -> timedelta:
        return min(self.cap, self.first * self.factor ** min(attempts - 1, 20))


class OutboxSender:
    def __init__(
        self,
        pool: asyncpg.Pool,
        *,
        trouble: str,
        lease: timedelta = timedelta(minutes=2),
        interval: float = 1.0,
        batch: int = 20,
        io_timeout: float = 5.0,
    ) -> None:
        self.pool, self.lease, self.interval, self.batch = pool, lease, interval, batch
        self.io_timeout = io_timeout
        # Connections are taken without a timeout of our own: the pool's deadline tells a
        # burst of requests from an outage (redress.kit.pools).
        # Shown on /health: degraded while what it sends through fails.
        self.trouble = Trouble(trouble)

    async def claim(self, conn: Conn) -> Sequence[Any]:
        """Up to `batch` rows due now, leased for `lease`, each with an `attempts` counted."""
        raise NotImplementedError

    async def attempt(self, row: dict[str, Any]) -> None:
        """Send what `row` holds and settle it, or leave it for a later try."""
        raise NotImplementedError

    async def run(self) -> None:
        while True:
            tried = await self.tick()
            working()  # the outbox was read: an outage its supervisor reported is over
            if not tried:
                await asyncio.sleep(self.interval)

    async def tick(self) -> int:
        """Try what is due now; how many were tried."""
        async with self.pool.acquire() as conn:
            rows = await self.claim(conn)
        for row in rows:
            await self.attempt(dict(row))
        return len(rows)


async def run_sender(runtime: Runtime, sender: OutboxSender) -> None:
    """Run `sender` as a service's background work, its state shown on /health."""
    runtime.background.append(sender.trouble)
    try:
        await sender.run()
    finally:
        runtime.background.remove(sender.trouble)
