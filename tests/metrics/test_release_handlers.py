"""Publishing releases on the real log: one release per period however many admins press
at once, the budget kept, and a release unchanged by everything recorded after it."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime

import pytest

from redress.events.envelope import Actor, Metadata
from redress.metrics.disclosure import Release, Table
from redress.metrics.releases.document import verify_release
from redress.metrics.releases.domain import ReleaseRefused, SetDisclosure
from redress.metrics.releases.handlers import (
    Publishing,
    configure,
    publish,
    published,
    releases,
    signed_release,
    tenant_keys,
)
from redress.tenancy.domain import RegisterTenant
from redress.tenancy.handlers import execute as tenancy

ROOT = bytes(range(32))
META = Metadata(tenant="acme-msi", actor=Actor(id="admin-1", role="admin"))


def by_site(a: int) -> Release:
    counts = {("a",): a, ("b",): 3, ("c",): 12}
    sites = {"site": ("a", "b", "c")}
    return Release((Table("received-by-site", "received", ("site",), counts, sites),))


FIGURES = by_site(30)


async def register(store, time_zone="Asia/Dhaka"):
    await tenancy(store, "acme-msi", RegisterTenant("acme-msi", "Acme MSI", time_zone), META)


async def test_admins_publishing_one_period_at_once_get_one_release_and_refusals(system):
    await register(system.store)
    at = Publishing(ROOT, datetime(2025, 4, 1, 8, tzinfo=UTC))
    outcomes = await asyncio.gather(
        *(publish(system.store, META, "2025-Q1", FIGURES, at) for _ in range(4)),
        return_exceptions=True,
    )
    done = [o for o in outcomes if not isinstance(o, BaseException)]
    assert len(done) == 1
    assert {o.kind for o in outcomes if isinstance(o, ReleaseRefused)} == {"already-published"}
    [recorded] = await releases(system.store, "acme-msi")
    assert verify_release(signed_release(recorded), tenant_keys(ROOT, "acme-msi"))
    assert signed_release(recorded)["document"]["tables"][0]["margins"][0]["cells"] == [
        {"key": [], "count": 45}
    ]


async def test_the_period_is_over_only_in_the_tenants_own_time_zone(system):
    await register(system.store, "Pacific/Kiritimati")  # UTC+14
    late_in_utc = Publishing(ROOT, datetime(2025, 3, 31, 11, tzinfo=UTC))  # 1 April there
    assert published(await publish(system.store, META, "2025-03", FIGURES, late_in_utc))
    with pytest.raises(ReleaseRefused) as refused:
        await publish(system.store, META, "2025-04", FIGURES, late_in_utc)
    assert refused.value.kind == "period-open"


async def test_a_release_is_unchanged_by_what_is_recorded_after_it(system):
    await register(system.store)
    at = Publishing(ROOT, datetime(2025, 7, 2, tzinfo=UTC))
    first = published(await publish(system.store, META, "2025-Q1", FIGURES, at))
    bigger = by_site(31)
    await publish(system.store, META, "2025-Q2", bigger, at)
    await publish(system.store, META, "2025-Q1", bigger, at, corrects=first.release_id)
    recorded = await releases(system.store, "acme-msi")
    assert [r.period for r in recorded] == ["2025-Q1", "2025-Q2", "2025-Q1"]
    assert recorded[0] == first and recorded[2].corrects == first.release_id
    keys = tenant_keys(ROOT, "acme-msi")
    assert all(verify_release(signed_release(r), keys) for r in recorded)


async def test_an_exhausted_budget_is_refused_and_records_nothing(system):
    await register(system.store)
    await configure(system.store, SetDisclosure(epsilon=1.0, yearly_budget=1.0), META)
    at = Publishing(ROOT, datetime(2025, 7, 2, tzinfo=UTC), noise=lambda c, s, e: list(c))
    await publish(system.store, META, "2025-Q1", FIGURES, at)
    with pytest.raises(ReleaseRefused) as refused:
        await publish(system.store, META, "2025-Q2", FIGURES, at)
    assert refused.value.kind == "budget-exhausted"
    assert [r.period for r in await releases(system.store, "acme-msi")] == ["2025-Q1"]


async def test_a_tenant_unknown_to_the_platform_publishes_nothing(system):
    at = Publishing(ROOT, datetime(2025, 7, 2, tzinfo=UTC))
    with pytest.raises(ReleaseRefused) as refused:
        await publish(system.store, META, "2025-Q1", FIGURES, at)
    assert refused.value.kind == "unknown-tenant" and refused.value.status == 404
