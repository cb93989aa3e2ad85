"""The demo seed sets its tenant up through the tenancy domain, once."""

from redress.intake.seed import TENANT, seed_demo
from redress.tenancy.handlers import load


async def test_the_demo_seed_registers_its_tenant_through_the_domain_once(intake):
    await seed_demo(intake.settings)
    state, version = await load(intake.system.store, TENANT)
    assert state.settings is not None and state.settings.name == "Demo Initiative"
    assert set(state.members) == {"acme-apparel", "oceanic-foods"}
    assert state.sites["bangkok-seafood"].member_orgs == ("oceanic-foods", "acme-apparel")
    async with intake.system.pool.acquire() as conn:
        filed = await conn.fetchval(
            "SELECT count(*) FROM eventlog.events WHERE tenant = $1 AND type = $2",
            TENANT,
            "GrievanceSubmitted",
        )
    assert filed == 4
    await seed_demo(intake.settings)  # a second run finds the tenant and does nothing
    assert (await load(intake.system.store, TENANT))[1] == version
