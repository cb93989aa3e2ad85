"""A projection process for crash tests: `python -m tests.events.projector DSN NATS STREAM PREFIX`.

Its apply is slowed down, so that a kill lands in the middle of a batch."""

from __future__ import annotations

import asyncio
import sys

import asyncpg
import nats

from redress.events.bus import Bus
from redress.events.envelope import Event
from redress.events.projection import ProjectionRunner
from redress.events.store import Conn
from tests.events.helpers import OpenedCases


class SlowOpenedCases(OpenedCases):
    async def apply(self, conn: Conn, event: Event) -> None:
        await super().apply(conn, event)
        await conn.execute("SELECT pg_sleep(0.002)")


async def main(dsn: str, nats_url: str, stream: str, prefix: str) -> None:
    pool = await asyncpg.create_pool(dsn, min_size=1, max_size=2)
    nc = await nats.connect(nats_url)
    runner = ProjectionRunner(
        SlowOpenedCases(), pool, nc.jetstream(), Bus(stream, prefix), batch_size=200
    )
    await runner.run()


if __name__ == "__main__":
    asyncio.run(main(*sys.argv[1:5]))
