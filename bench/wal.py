"""How often PostgreSQL flushed its WAL to disk during a run, per submission: every commit
that waits for its flush costs one (or shares one with commits beside it), and a flush is
milliseconds on a disk that syncs; read from `pg_stat_wal` (PostgreSQL 14 and later)."""

from __future__ import annotations

import asyncpg


async def flushes(dsn: str) -> int:
    """The server's WAL flushes since its statistics were last reset."""
    conn = await asyncpg.connect(dsn, timeout=10)
    try:
        return int(await conn.fetchval("SELECT wal_sync FROM pg_stat_wal", timeout=10))
    finally:
        await conn.close()


def note(flushed: int, filed: int) -> str:
    per = flushed / filed if filed else 0.0
    return (
        f"e2e: PostgreSQL flushed its WAL {flushed:,} times during the run at the offered rate, "
        f"{per:.2f} per submission filed."
    )
