"""Every platform connection runs as its own role with its timeouts in effect.

`ALTER ROLE ... SET` would not do: connections log in as one user and then take their role,
and a role's settings apply only at login. So the settings travel with each connection.
"""

from __future__ import annotations

import asyncpg
import pytest

from redress.events.leader import leadership
from redress.kit.relay import build_relay
from redress.kit.runtime import open_pool


async def shown(conn) -> tuple[str, str, str]:
    return (
        await conn.fetchval("SELECT current_user"),
        await conn.fetchval("SHOW statement_timeout"),
        await conn.fetchval("SHOW idle_in_transaction_session_timeout"),
    )


async def test_a_service_pool_runs_as_the_service_role_with_timeouts(service):
    _, app = service
    async with app.state.runtime.pool.acquire() as conn:
        assert await shown(conn) == ("redress_intake", "30s", "10s")


async def test_the_relay_leads_as_its_own_role_with_timeouts(system, settings):
    relay = build_relay(settings, system.nc)
    lead = leadership(relay.dsn, "relay:sessions", server_settings=relay.server_settings)
    async with lead as conn:
        assert await shown(conn) == ("redress_relay", "30s", "10s")
        # The relay may read the log, and nothing more.
        await conn.fetchval("SELECT count(*) FROM eventlog.events")
        with pytest.raises(asyncpg.InsufficientPrivilegeError):
            await conn.execute("DELETE FROM eventlog.events")


async def test_the_statement_timeout_is_a_setting_and_cancels_a_long_statement(system, settings):
    relay = build_relay(settings.model_copy(update={"statement_timeout": 0.2}), system.nc)
    async with leadership(relay.dsn, "relay:sessions", server_settings=relay.server_settings) as c:
        assert await c.fetchval("SHOW statement_timeout") == "200ms"
        with pytest.raises(asyncpg.QueryCanceledError):
            await c.execute("SELECT pg_sleep(5)")


async def test_a_scheduler_leads_with_timeouts_too(system):
    async with leadership(system.dsn, "scheduler:sessions") as conn:
        assert (await shown(conn))[1:] == ("30s", "10s")


async def test_migrations_run_without_a_statement_timeout(settings):
    # `redress migrate` opens its pool so: building an index on a large log may take long.
    pool = await open_pool(settings, size=1, bounded=False)
    try:
        async with pool.acquire() as conn:
            assert (await shown(conn))[1:] == ("0", "10s")
    finally:
        await pool.close()
