"""Single leaders by PostgreSQL advisory lock: one relay, one scheduler, one runner each."""

from __future__ import annotations

import asyncio
import zlib
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

import asyncpg
import structlog

from redress.events.recovery import working
from redress.events.sessions import session_settings

log = structlog.get_logger("redress.leader")


def lock_key(name: str) -> int:
    # A stable 32-bit key per role name; advisory locks take a bigint.
    return zlib.crc32(name.encode())


@asynccontextmanager
async def leadership(
    dsn: str,
    name: str,
    *,
    standby_interval: float = 1.0,
    timeout: float = 10.0,
    server_settings: dict[str, str] | None = None,
) -> AsyncIterator[asyncpg.Connection]:
    """Hold the lock `name` for the body; wait as a standby while someone else holds it.

    The lock lives as long as the returned connection, so a leader that dies frees it, and
    leaving the body (a watchdog's doing, too) closes the connection within `timeout`. The
    connection has the platform's timeouts unless `server_settings` says otherwise.
    """
    if server_settings is None:
        server_settings = session_settings(application=f"redress-{name.split(':')[0]}")
    conn: Any = await asyncpg.connect(dsn, timeout=timeout, server_settings=server_settings)
    try:
        announced = False
        while not await conn.fetchval(
            "SELECT pg_try_advisory_lock($1)", lock_key(name), timeout=timeout
        ):
            if not announced:
                log.info("standby", role=name)
                announced = True
            working()  # a standby that reaches the lock has nothing else to fail at
            await asyncio.sleep(standby_interval)
        log.info("leading", role=name)
        yield conn
    finally:
        await release(conn, timeout)


async def release(conn: asyncpg.Connection, timeout: float) -> None:
    """Close a connection, cutting it off when the server does not answer in time."""
    try:
        await asyncio.wait_for(conn.close(timeout=timeout), timeout)
    except Exception:
        conn.terminate()
    except asyncio.CancelledError:
        conn.terminate()
        raise
