"""Checkpoints of projections, rebuilding, and waiting for a projection to catch up."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Mapping, Sequence
from typing import Any

import asyncpg

from redress.events.projection.announce import LISTENING, channel, parse_applied
from redress.events.projection.model import CheckpointMoved, Projection
from redress.events.projection.versions import LIVE, Versions
from redress.events.store import Conn

__all__ = ["LIVE", "claim", "read_checkpoint", "record_versions", "reset", "wait_for_version"]


async def read_checkpoint(conn: Conn, projection: Projection, schema: str | None = None) -> int:
    """The position `projection` has applied, in its own schema or in `schema` (a rebuild's).

    A plain read first: it never waits. The insert that creates a missing row would wait
    behind a runner whose batch has moved the checkpoint and not yet committed (a stopped
    process holds it until the idle timeout ends its session), longer than a statement may.
    """
    schema = schema or projection.schema
    query = f"SELECT position FROM {schema}.checkpoints WHERE name = $1"
    position = await conn.fetchval(query, projection.name)
    if position is None:
        await conn.execute(
            f"INSERT INTO {schema}.checkpoints (name, position) VALUES ($1, 0) "
            "ON CONFLICT (name) DO NOTHING",
            projection.name,
        )
        position = await conn.fetchval(query, projection.name)
    return int(position)


async def claim(
    conn: Conn,
    projection: Projection,
    start: int,
    end: int,
    schema: str | None = None,
    *,
    settings: Mapping[str, str] | None = None,
) -> None:
    """Move the checkpoint from `start` to `end`, its row held until the transaction ends;
    give way if it is no longer at `start` (another runner or a rebuild's swap moved it).
    `settings` hold for the rest of the transaction, as SET LOCAL would set them.

    One statement where a lock, a later update and the settings took three round trips: the
    update itself locks the row before the batch is applied, and a concurrent claim from the
    same start waits for it, then finds the position moved.
    """
    schema = schema or projection.schema
    settings = settings or {}
    # Never backwards: a batch retried after its own commit finds the checkpoint moved.
    # Both scalar subqueries are evaluated, whatever the other finds.
    moved = await conn.fetchval(
        f"""WITH moved AS (
              UPDATE {schema}.checkpoints SET position = $3
              WHERE name = $1 AND position = $2 AND $3 > $2 RETURNING 1)
            SELECT (SELECT count(*) FROM moved),
                   (SELECT count(set_config(n, v, true))
                    FROM unnest($4::text[], $5::text[]) AS s(n, v))""",
        projection.name,
        start,
        end,
        list(settings),
        list(settings.values()),
    )
    if moved != 1:
        raise CheckpointMoved


async def record_versions(
    conn: Conn,
    projection: Projection,
    versions: dict[str, int],
    schema: str | None = None,
    *,
    messages: Sequence[str] = (),
    timeout: float | None = None,
) -> None:
    """Record the stream versions a batch applied, for read-your-writes, and tell the
    service's other processes `messages` (`announce.tell`) in the same round trip."""
    if not versions:
        return
    schema = schema or projection.schema
    # The insert runs to its end whether or not anything reads it (PostgreSQL's rule for
    # data-modifying WITH); the NOTIFYs are heard when the transaction commits.
    await conn.execute(
        f"""WITH recorded AS (
              INSERT INTO {schema}.applied_versions AS a (projection, stream, version)
              SELECT $1, s, v FROM unnest($2::text[], $3::int[]) AS t(s, v)
              ON CONFLICT (projection, stream)
              DO UPDATE SET version = greatest(a.version, excluded.version))
            SELECT pg_notify($4, m) FROM unnest($5::text[]) AS m""",
        projection.name,
        list(versions),
        list(versions.values()),
        channel(schema),
        list(messages),
        timeout=timeout,
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
) -> bool:
    """Read-your-writes: wait (bounded) until `projection` has applied `stream` up to a version.

    Never polls (ADR 0036). Where the projection's runner runs in this process, it says what
    it applied as it commits; where it runs in another process of the service, it announces
    it, and this process's listener hears it. The applied versions are read once, for what
    was applied before the wait began; then the wait is woken, not repeated. A process with
    no listener (a command-line tool, a test) listens for the length of its wait.
    """
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    runner = LIVE.get(projection.key)
    if runner is not None and runner.recent.get(stream) >= min_version:
        return True
    listener = LISTENING.get(projection.schema)
    heard = listener.versions(projection.name) if listener and listener.connected else None
    if heard is not None and heard.get(stream) >= min_version:
        return True
    told = [v for v in (runner.recent if runner else None, heard) if v is not None]
    if not told:
        return await _listening_meanwhile(pool, projection, stream, min_version, deadline)
    with contextlib.ExitStack() as waits:
        reached = [waits.enter_context(v.waiting(stream, min_version)) for v in told]
        async with pool.acquire() as conn:
            if await _applied(conn, projection, stream) >= min_version:
                return True
        return await _first(reached, deadline - loop.time())


async def _listening_meanwhile(
    pool: asyncpg.Pool, projection: Projection, stream: str, min_version: int, deadline: float
) -> bool:
    """Wait on a connection of the pool that listens for the length of the wait."""
    versions = Versions(bound=1)

    def heard(_conn: Any, _pid: int, _channel: str, payload: object) -> None:
        applied = parse_applied(str(payload))
        if applied is not None and applied.projection == projection.name:
            versions.record({s: v for s, v in applied.versions.items() if s == stream})

    async with pool.acquire() as conn:
        await conn.add_listener(channel(projection.schema), heard)
        try:
            with versions.waiting(stream, min_version) as reached:
                if await _applied(conn, projection, stream) >= min_version:
                    return True
                return await _first([reached], deadline - asyncio.get_running_loop().time())
        finally:
            await conn.remove_listener(channel(projection.schema), heard)


async def _first(futures: list[asyncio.Future[None]], timeout: float) -> bool:
    if timeout <= 0:
        return any(f.done() for f in futures)
    done, _ = await asyncio.wait(futures, timeout=timeout, return_when=asyncio.FIRST_COMPLETED)
    return bool(done)


async def _applied(conn: Conn, projection: Projection, stream: str) -> int:
    version = await conn.fetchval(
        f"""SELECT version FROM {projection.schema}.applied_versions
            WHERE projection = $1 AND stream = $2""",
        projection.name,
        stream,
    )
    return int(version or 0)
