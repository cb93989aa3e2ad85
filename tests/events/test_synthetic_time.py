"""Only a tenant listed as synthetic may have its events dated, and only while
`redress.event_time` is set (docs/decisions/0022-synthetic-history.md)."""

from __future__ import annotations

from datetime import UTC, datetime

import asyncpg
import pytest

from redress.events.catalogue.tenant import TenantRegistered
from redress.events.envelope import Metadata
from redress.events.lag import delivery_lag

PAST = datetime(2024, 3, 1, 9, 30, tzinfo=UTC)


async def dated(conn, stream: str, tenant: str) -> datetime:
    await conn.execute("SELECT set_config('redress.event_time', $1, false)", PAST.isoformat())
    try:
        await conn.execute(
            "INSERT INTO eventlog.events (id, stream, version, type, tenant, data, metadata) "
            "VALUES (gen_random_uuid(), $1, 1, 'TenantRegistered', $2, '{}', '{}')",
            stream, tenant,
        )  # fmt: skip
    finally:
        await conn.execute("RESET redress.event_time")
    return await conn.fetchval("SELECT time FROM eventlog.events WHERE stream = $1", stream)


async def test_a_synthetic_tenants_events_take_the_time_set_and_no_other_tenants_do(system):
    async with system.pool.acquire() as conn:
        await conn.execute("INSERT INTO eventlog.synthetic_tenants VALUES ('made-up')")
        assert await dated(conn, "tenant-a", "made-up") == PAST
        with pytest.raises(asyncpg.RaiseError, match="not synthetic"):
            await dated(conn, "tenant-b", "real")
    # Without the setting, a synthetic tenant's events take their transaction's time.
    before = await system.pool.fetchval("SELECT now()")
    meta = Metadata(tenant="made-up")
    await system.store.append("tenant-c", [TenantRegistered(name="Made up")], 0, meta)
    events = await system.store.read_stream("tenant-c")
    assert events[0].time >= before > PAST


async def test_a_service_role_can_list_no_tenant_as_synthetic(system):
    async with system.pool.acquire() as conn, conn.transaction():
        await conn.execute("SET LOCAL ROLE redress_intake")
        with pytest.raises(asyncpg.InsufficientPrivilegeError):
            await conn.execute("INSERT INTO eventlog.synthetic_tenants VALUES ('x')")


async def test_a_synthetic_tenants_past_dates_do_not_age_the_delivery_lag(system):
    """Seeding made-up history is not a relay stopped two years ago: waiting events are
    counted, and only real ones say for how long."""
    async with system.pool.acquire() as conn:
        await conn.execute("INSERT INTO eventlog.synthetic_tenants VALUES ('made-up')")
        await dated(conn, "tenant-a", "made-up")
    lag = await delivery_lag(system.pool, system.js, system.bus)
    assert lag.events == 1 and lag.seconds == 0
    async with system.pool.acquire() as conn:
        await conn.execute(
            "INSERT INTO eventlog.events (id, stream, version, type, tenant, data, metadata, time) "
            "VALUES (gen_random_uuid(), 'tenant-b', 1, 'TenantRegistered', 'real', '{}', '{}', "
            "now() - interval '1 hour')"
        )
    lag = await delivery_lag(system.pool, system.js, system.bus)
    assert lag.events == 2 and 3500 < lag.seconds < 3700
