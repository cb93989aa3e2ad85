"""Projection replay rate: a ProjectionRunner rebuilding a one-row-per-event read model."""

from __future__ import annotations

import asyncio
import time
from pathlib import Path
from uuid import UUID

import asyncpg
from nats.aio.msg import Msg
from nats.js import JetStreamContext

from bench.servers import fresh_database
from bench.workload import POOL_SIZE, rate
from redress.events.bus import Bus
from redress.events.envelope import Event
from redress.events.migrations import Component
from redress.events.projection import Projection, ProjectionRunner
from redress.events.store import Conn

SCHEMA = "bench"

_TABLE = """
CREATE TABLE IF NOT EXISTS bench.replayed (
    id uuid PRIMARY KEY, stream text NOT NULL, version int NOT NULL, sequence bigint NOT NULL
);
"""

# The migrations make a service schema owned by `redress_<schema>`; the log's own
# migration only creates the roles of the real services.
ROLE = """
DO $$ BEGIN
    IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = 'redress_bench') THEN
        CREATE ROLE redress_bench NOLOGIN;
    END IF;
END $$
"""


class Replayed(Projection):
    """One row per event: the simplest read model that still writes for every event."""

    name = "replayed"
    schema = SCHEMA
    tables = ("replayed",)

    async def apply(self, conn: Conn, event: Event) -> None:
        await self.apply_batch(conn, [event])

    async def apply_batch(self, conn: Conn, events: list[Event]) -> None:
        # One statement per batch, as a read model written for replay speed does it.
        await conn.execute(
            """INSERT INTO bench.replayed
               SELECT * FROM unnest($1::uuid[], $2::text[], $3::int[], $4::bigint[])""",
            [e.id for e in events],
            [e.stream for e in events],
            [e.version for e in events],
            [e.sequence for e in events],
        )


def component(workdir: Path) -> Component:
    directory = workdir / "replay-migrations"
    directory.mkdir(parents=True, exist_ok=True)
    (directory / "001_replayed.sql").write_text(_TABLE)
    return Component(SCHEMA, directory, schema=SCHEMA)


async def measure(
    admin_url: str, workdir: Path, js: JetStreamContext, bus: Bus, rounds: int
) -> tuple[list[float], list[float]]:
    """Events/s of full replays of `bus`'s stream, each into a fresh database: through the
    runner, and the raw baseline of the same rounds."""
    admin = await asyncpg.connect(admin_url)
    try:
        await admin.execute(ROLE)
    finally:
        await admin.close()
    ours, raw = [], []
    for _ in range(rounds):
        ours.append(await replay_rate(admin_url, component(workdir), js, bus))
        raw.append(await raw_rate(admin_url, component(workdir), js, bus))
    return ours, raw


async def replay_rate(
    admin_url: str, migrations: Component, js: JetStreamContext, bus: Bus
) -> float:
    async with (
        fresh_database(admin_url, (migrations,)) as dsn,
        asyncpg.create_pool(dsn, min_size=2, max_size=POOL_SIZE) as pool,
    ):
        runner = ProjectionRunner(Replayed(), pool, js, bus)
        start = time.perf_counter()
        events = await runner.replay()
        elapsed = time.perf_counter() - start
        rows = await pool.fetchval("SELECT count(*) FROM bench.replayed")
        assert rows == events, f"replayed {events} events but projected {rows}"
        return rate(events, elapsed)


async def raw_rate(admin_url: str, migrations: Component, js: JetStreamContext, bus: Bus) -> float:
    """The floor under any runner: nats-py's ordered consumer and one `unnest` insert per 500
    messages of the ids alone, with no envelope decoded, no data validated, no checkpoint."""
    last = await bus.last_sequence(js)
    async with (
        fresh_database(admin_url, (migrations,)) as dsn,
        asyncpg.create_pool(dsn, min_size=2, max_size=POOL_SIZE) as pool,
    ):
        queue: asyncio.Queue[Msg] = asyncio.Queue()

        async def deliver(msg: Msg) -> None:
            queue.put_nowait(msg)

        start = time.perf_counter()
        sub = await js.subscribe(bus.subjects_for(None)[0], stream=bus.stream, cb=deliver,
                                 ordered_consumer=True, pending_msgs_limit=-1)  # fmt: skip
        done = 0
        try:
            while done < last:
                batch = [await queue.get()]
                while len(batch) < 500 and not queue.empty():
                    batch.append(queue.get_nowait())
                ids = [UUID((m.headers or {})["Nats-Msg-Id"]) for m in batch]
                await pool.execute(
                    """INSERT INTO bench.replayed
                       SELECT id, '', 0, 0 FROM unnest($1::uuid[]) AS id""",
                    ids,
                )
                done += len(batch)
        finally:
            await sub.unsubscribe()
        return rate(done, time.perf_counter() - start)
