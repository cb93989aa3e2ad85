"""Checkpoints of projections, rebuilding, and waiting for a projection to catch up."""

from __future__ import annotations

import asyncio
from typing import TYPE_CHECKING

import asyncpg

from redress.events.projection.model import CheckpointMoved, Projection
from redress.events.store import Conn

if TYPE_CHECKING:
    from redress.events.projection.runner import ProjectionRunner

# The runner of each projection running in this process, by key.
LIVE: dict[str, ProjectionRunner] = {}


async def read_checkpoint(conn: Conn, projection: Projection, schema: str | None = None) -> int:
    """The position `projection` has applied, in its own schema or in `schema` (a rebuild's)."""
    schema = schema or projection.schema
    await conn.execute(
        f"INSERT INTO {schema}.checkpoints (name, position) VALUES ($1, 0) "
        "ON CONFLICT (name) DO NOTHING",
        projection.name,
    )
    return int(
        await conn.fetchval(
            f"SELECT position FROM {schema}.checkpoints WHERE name = $1",
            projection.name,
        )
    )


async def claim(conn: Conn, projection: Projection, start: int, schema: str | None = None) -> None:
    """Lock the checkpoint for this transaction; give way if it is no longer at `start`."""
    schema = schema or projection.schema
    stored = await conn.fetchval(
        f"SELECT position FROM {schema}.checkpoints WHERE name = $1 FOR UPDATE",
        projection.name,
    )
    if stored != start:
        raise CheckpointMoved


async def advance(
    conn: Conn,
    projection: Projection,
    end: int,
    versions: dict[str, int],
    schema: str | None = None,
) -> None:
    """Move the checkpoint to `end` and record the stream versions the batch applied."""
    schema = schema or projection.schema
    await conn.execute(
        f"UPDATE {schema}.checkpoints SET position = $2 WHERE name = $1",
        projection.name,
        end,
    )
    if versions:
        await conn.execute(
            f"""INSERT INTO {schema}.applied_versions AS a
                    (projection, stream, version)
                SELECT $1, s, v FROM unnest($2::text[], $3::int[]) AS t(s, v)
                ON CONFLICT (projection, stream)
                DO UPDATE SET version = greatest(a.version, excluded.version)""",
            projection.name,
            list(versions),
            list(versions.values()),
        )


async def reset(conn: Conn, projection: Projection) -> None:
    """Empty the projection's tables in place (an offline rebuild: readers see them empty)."""
    for table in projection.tables:
        await conn.execute(f"TRUNCATE {projection.schema}.{table}")
    await conn.execute(
        f"DELETE FROM {projection.schema}.applied_versions WHERE projection = $1", projection.name
    )
    await conn.execute(
        f"""INSERT INTO {projection.schema}.checkpoints (name, position) VALUES ($1, 0)
            ON CONFLICT (name) DO UPDATE SET position = 0""",
        projection.name,
    )


async def wait_for_version(
    pool: asyncpg.Pool,
    projection: Projection,
    stream: str,
    min_version: int,
    *,
    timeout: float = 2.0,
    interval: float = 0.02,
) -> bool:
    """Read-your-writes: wait (bounded) until `projection` has applied `stream` up to a version.

    Where the projection runs in this process, its runner says what it applied, so waiting
    costs no queries; otherwise the checkpoint table is polled.
    """
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    runner = LIVE.get(projection.key)
    if runner is not None and runner.recent.get(stream, 0) >= min_version:
        return True
    while True:
        if await _applied(pool, projection, stream) >= min_version:
            return True
        remaining = deadline - loop.time()
        if remaining <= 0:
            return False
        if runner is None:
            await asyncio.sleep(min(interval, remaining))
        # Slices, so that the log (written by other processes too) is checked now and then.
        elif await runner.applied(stream, min_version, min(remaining, 0.25)):
            return True


async def _applied(pool: asyncpg.Pool, projection: Projection, stream: str) -> int:
    async with pool.acquire() as conn:
        version = await conn.fetchval(
            f"""SELECT version FROM {projection.schema}.applied_versions
                WHERE projection = $1 AND stream = $2""",
            projection.name,
            stream,
        )
    return int(version or 0)
