"""Tenant commands on the real store: concurrent admins each get their change recorded."""

import asyncio

from redress.events.envelope import Actor, Metadata
from redress.tenancy.domain import AdmitMember, RegisterTenant
from redress.tenancy.handlers import execute, load

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
