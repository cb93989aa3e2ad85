"""Tenant commands on the real store: concurrent admins each get their change recorded."""

import asyncio

import asyncpg

from redress.events.catalogue.tenant import MemberOrganisationJoined
from redress.events.envelope import Actor, Metadata
from redress.events.store import EventStore
from redress.tenancy.domain import AdmitMember, RegisterTenant
from redress.tenancy.handlers import execute, load, read_tenant, tenant_stream
from tests.conftest import new_database

META = Metadata(tenant="acme-msi", actor=Actor(id="admin-1", role="admin"))


async def test_concurrent_commands_are_decided_again_and_all_recorded(system):
    await execute(system.store, "acme-msi", RegisterTenant("acme-msi", "Acme MSI"), META)
    orgs = [f"member-{i}" for i in range(5)]
    done = await asyncio.gather(
        *(execute(system.store, "acme-msi", AdmitMember(o, o.title()), META) for o in orgs)
    )
    assert sorted(d.version for d in done) == [2, 3, 4, 5, 6]
    state, version = await load(system.store, "acme-msi")
    assert set(state.members) == set(orgs) and version == 6
    # The same again is decided to change nothing, and appends nothing.
    again = await execute(system.store, "acme-msi", AdmitMember("member-0", "Member-0"), META)
    assert again.recorded == [] and again.version == 6


async def test_a_tenant_read_sees_each_change_and_never_another_databases_tenant(
    system, servers, database_components
):
    """Reads keep the tenant folded in the process: each read still sees every change
    committed since, and a tenant of the same name in another database is its own."""
    await execute(system.store, "acme-msi", RegisterTenant("acme-msi", "Acme MSI"), META)
    assert (await load(system.store, "acme-msi"))[1] == 1
    await execute(system.store, "acme-msi", AdmitMember("member-0", "Member 0"), META)
    state, version = await load(system.store, "acme-msi")
    assert version == 2 and set(state.members) == {"member-0"}
    async with system.pool.acquire() as conn:
        assert set((await read_tenant(conn, "acme-msi")).members) == {"member-0"}
    other = await asyncpg.create_pool(await new_database(servers.database_url, database_components))
    try:
        elsewhere = EventStore(other)
        assert (await load(elsewhere, "acme-msi"))[1] == 0
        await execute(elsewhere, "acme-msi", RegisterTenant("acme-msi", "Other MSI"), META)
        state, version = await load(elsewhere, "acme-msi")
        assert (state.settings.name, version, dict(state.members)) == ("Other MSI", 1, {})
        state, version = await load(system.store, "acme-msi")
        assert (state.settings.name, version) == ("Acme MSI", 2)
        assert set(state.members) == {"member-0"}
    finally:
        await other.close()
    # A transaction's own tenant events are read in it; once rolled back, nobody sees them.
    joined = MemberOrganisationJoined(org="member-9", name="Member 9")
    async with system.pool.acquire() as conn:
        transaction = conn.transaction()
        await transaction.start()
        await system.store.append(tenant_stream("acme-msi"), [joined], 2, META, conn=conn)
        assert "member-9" in (await read_tenant(conn, "acme-msi")).members
        await transaction.rollback()
    state, version = await load(system.store, "acme-msi")
    assert (version, set(state.members)) == (2, {"member-0"})
