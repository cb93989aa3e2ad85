"""Rebuilding a projection beside its live tables, then swapping the rebuilt ones in.

Readers and the live runner keep the live tables while a shadow schema fills from the start
of the stream. Once it has caught up, one short transaction holds the live checkpoint (so
the live runner's next batch that writes waits), moves the shadow tables in and carries the
checkpoint over: readers never see an empty or partial projection
(docs/decisions/0011-rebuild-beside-live-tables.md).
"""

from __future__ import annotations

import asyncio
import re

import asyncpg
import structlog
from nats.js import JetStreamContext

from redress.events.bus import Bus
from redress.events.leader import lock_key
from redress.events.projection.checkpoints import read_checkpoint
from redress.events.projection.model import Projection
from redress.events.projection.runner import Progress, ProjectionRunner
from redress.events.store import Conn, EventStore

log = structlog.get_logger("redress.projection")

# The swap waits at most this long for readers of the live tables, then tries again.
SWAP_LOCK_TIMEOUT = "2s"
SWAP_ATTEMPTS = 20
# Close enough to the live runner to make it wait while the rebuild applies the rest.
CLOSE_GAP = 2000
LOCKED_CATCH_UP = 30.0
# Each projection keeps its own checkpoints and applied versions in the shadow schema.
_BOOKKEEPING = ("checkpoints", "applied_versions")


class RebuildRunning(RuntimeError):
    """Another rebuild of the same projection holds the shadow schema."""


def shadow_schema(projection: Projection) -> str:
    return f"{projection.schema}_rebuild_{projection.name}"


async def rebuild_beside(
    projection: Projection,
    pool: asyncpg.Pool,
    js: JetStreamContext,
    bus: Bus,
    *,
    on_progress: Progress | None = None,
    store: EventStore | None = None,
    batch_size: int = 500,
) -> int:
    """Rebuild `projection` from the start of the stream and swap it in; return its position.

    Works whether the projection's live runner is running or not.
    """
    shadow = shadow_schema(projection)
    key = lock_key(f"rebuild {projection.key}")
    async with pool.acquire() as conn:
        if not await conn.fetchval("SELECT pg_try_advisory_lock($1)", key):
            raise RebuildRunning(f"a rebuild of {projection.key} is already running")
        try:
            await _prepare(conn, projection, shadow)
            runner = ProjectionRunner(
                projection, pool, js, bus, store=store, schema=shadow, batch_size=batch_size
            )
            await runner.catch_up(on_progress)
            # Unlocked while far behind the live runner: it may keep moving on meanwhile.
            for _ in range(SWAP_ATTEMPTS):
                live_at = await read_checkpoint(conn, projection)
                if live_at - runner.position <= CLOSE_GAP:
                    break
                await runner.catch_up(on_progress, end=live_at)
            for _ in range(SWAP_ATTEMPTS):
                try:
                    return await _swap(conn, runner, on_progress)
                except asyncpg.LockNotAvailableError:
                    log.warning("rebuild waits for readers", projection=projection.key)
            raise RuntimeError(f"{projection.key}: the rebuilt tables could not be swapped in")
        finally:
            await conn.execute(f"DROP SCHEMA IF EXISTS {shadow} CASCADE")
            await conn.execute("SELECT pg_advisory_unlock($1)", key)


async def _prepare(conn: Conn, projection: Projection, shadow: str) -> None:
    """An empty copy of each table (and the bookkeeping), owned and granted as the live one."""
    live = projection.schema
    async with conn.transaction():
        await conn.execute(f"DROP SCHEMA IF EXISTS {shadow} CASCADE")
        owner = await conn.fetchval(
            "SELECT nspowner::regrole::text FROM pg_namespace WHERE nspname = $1", live
        )
        await conn.execute(f"CREATE SCHEMA {shadow} AUTHORIZATION {owner}")
        for table in (*projection.tables, *_BOOKKEEPING):
            await conn.execute(f"CREATE TABLE {shadow}.{table} (LIKE {live}.{table} INCLUDING ALL)")
            for statement in await _ownership(conn, f"{live}.{table}", f"{shadow}.{table}"):
                await conn.execute(statement)
        await conn.execute(
            f"INSERT INTO {shadow}.checkpoints (name, position) VALUES ($1, 0)", projection.name
        )


async def _ownership(conn: Conn, live: str, shadow: str) -> list[str]:
    """The statements giving `shadow` the owner and grants of `live`."""
    owner = await conn.fetchval(
        "SELECT relowner::regrole::text FROM pg_class WHERE oid = $1::regclass", live
    )
    grants = await conn.fetch(
        """SELECT CASE WHEN a.grantee = 0 THEN 'PUBLIC' ELSE a.grantee::regrole::text END,
                  a.privilege_type
           FROM pg_class c, aclexplode(c.relacl) a
           WHERE c.oid = $1::regclass AND a.grantee <> c.relowner""",
        live,
    )
    return [f"ALTER TABLE {shadow} OWNER TO {owner}"] + [
        f"GRANT {privilege} ON {shadow} TO {grantee}" for grantee, privilege in grants
    ]


async def _swap(conn: Conn, runner: ProjectionRunner, on_progress: Progress | None) -> int:
    """Hold the live checkpoint, bring the rebuild up to it, and move the shadow tables in.

    Returns the position swapped in.
    """
    projection = runner.projection
    live, shadow, name = projection.schema, runner.schema, projection.name
    async with conn.transaction():
        await conn.execute(f"SET LOCAL lock_timeout = '{SWAP_LOCK_TIMEOUT}'")
        # Idle while the rebuild applies the last events; bounded by LOCKED_CATCH_UP.
        await conn.execute(
            f"SET LOCAL idle_in_transaction_session_timeout = '{2 * LOCKED_CATCH_UP:g}s'"
        )
        await read_checkpoint(conn, projection)
        # Held until commit: the live runner's next batch that writes waits here (one of
        # nothing it reads writes nothing: ADR 37), then starts again from the carried-over
        # position (CheckpointMoved) or goes on if it is the same.
        live_at = await conn.fetchval(
            f"SELECT position FROM {live}.checkpoints WHERE name = $1 FOR UPDATE", name
        )
        if runner.position < live_at:
            await asyncio.wait_for(runner.catch_up(on_progress, end=live_at), LOCKED_CATCH_UP)
        shadow_at = await conn.fetchval(
            f"SELECT position FROM {shadow}.checkpoints WHERE name = $1 FOR UPDATE", name
        )
        if shadow_at < live_at:
            raise RuntimeError(f"{projection.key}: the rebuild stopped at {shadow_at}")
        await projection.carry_over(conn, shadow)
        for table in projection.tables:
            names = await _index_names(conn, f"{live}.{table}")
            await conn.execute(f"DROP TABLE {live}.{table}")
            await conn.execute(f"ALTER TABLE {shadow}.{table} SET SCHEMA {live}")
            for definition, index in (await _index_names(conn, f"{live}.{table}")).items():
                if definition in names and names[definition] != index:
                    await conn.execute(f"ALTER INDEX {live}.{index} RENAME TO {names[definition]}")
        await conn.execute(
            f"UPDATE {live}.checkpoints SET position = $2 WHERE name = $1", name, shadow_at
        )
        await conn.execute(f"DELETE FROM {live}.applied_versions WHERE projection = $1", name)
        await conn.execute(
            f"""INSERT INTO {live}.applied_versions
                SELECT * FROM {shadow}.applied_versions WHERE projection = $1""",
            name,
        )
        await conn.execute(f"DROP SCHEMA {shadow} CASCADE")
    log.info("rebuild swapped in", projection=projection.key, position=shadow_at)
    return int(shadow_at)


async def _index_names(conn: Conn, table: str) -> dict[str, str]:
    """Each index of `table` by its definition without its name: copies get new names."""
    rows = await conn.fetch(
        """SELECT i.relname, pg_get_indexdef(i.oid) FROM pg_index x
           JOIN pg_class i ON i.oid = x.indexrelid WHERE x.indrelid = $1::regclass""",
        table,
    )
    return {re.sub(r"^CREATE (UNIQUE )?INDEX \S+ ON \S+ ", r"\1", d): n for n, d in rows}
