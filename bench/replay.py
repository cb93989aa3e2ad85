"""Projection replay rate: a ProjectionRunner rebuilding a one-row-per-event read model."""

from __future__ import annotations

import time
from pathlib import Path

import asyncpg
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
_ROLE = """
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
) -> list[float]:
    """Events/s of full replays of `bus`'s stream, each into a fresh database."""
    admin = await asyncpg.connect(admin_url)
    try:
        await admin.execute(_ROLE)
    finally:
        await admin.close()
    return [await replay_rate(admin_url, component(workdir), js, bus) for _ in range(rounds)]


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
