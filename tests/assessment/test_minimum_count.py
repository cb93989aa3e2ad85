"""The tenant's minimum count k is one setting, set by its admin on the tenant (intake's
`PUT /v1/tenant/minimum-count`), that assessment and metrics each read from the tenant's
events: the peer benchmark waits for k members, a release withholds counts below k."""

from __future__ import annotations

import json
from datetime import UTC, datetime

from redress.assessment.facts import MemberFacts
from redress.events.envelope import Actor, Metadata
from redress.events.projection import wait_for_version
from redress.metrics.disclosure import Release, Table
from redress.metrics.releases.handlers import Publishing, publish, published
from redress.tenancy.handlers import tenant_stream
from tests.assessment.test_flow import GOVERNANCE
from tests.intake.conftest import TENANT, intake  # noqa: F401 - the fixture

ADMIN = Metadata(tenant=TENANT, actor=Actor(id="admin-1", role="admin"))
RECEIVED = Release((Table("received.country", "received", ("country",),
                          {("BD",): 40, ("KH",): 4, ("TH",): 12},
                          {"country": ("BD", "KH", "TH")}),))  # fmt: skip
AT = Publishing(bytes(range(32)), datetime(2026, 1, 10, tzinfo=UTC))


async def release_of(system, month: str) -> tuple[int, dict]:
    """A month's release as metrics publishes it now: the k it used and its cells."""
    event = published(await publish(system.store, ADMIN, month, RECEIVED, AT))
    cells = json.loads(event.document)["tables"][0]["cells"]
    return event.k, {c["key"][0]: c["count"] for c in cells}


async def set_k(admin_api, system, k: int):
    admin = admin_api.token(roles=("admin",), org=None)
    answer = await admin_api.client.put("/v1/tenant/minimum-count", json={"k": k}, headers=admin)
    if answer.is_success:
        stream = tenant_stream(TENANT)
        version = await system.store.stream_version(stream)
        assert await wait_for_version(system.pool, MemberFacts(), stream, version, timeout=30)
    return answer


async def test_the_tenants_k_decides_what_assessment_and_metrics_hide(
    intake,  # noqa: F811
    platform,
):
    p, system = platform, platform.system
    for org in ("acme-apparel", "brand-b", "brand-c"):
        member = p.member(org)
        assessment_id = await p.submitted(GOVERNANCE[:1], member)
        await p.post(f"/v1/assessments/{assessment_id}/rating", {}, p.token())
        await p.post(f"/v1/assessments/{assessment_id}/rating/agree", headers=member)
        await p.caught_up(assessment_id)
    hidden = await p.call("GET", "/v1/benchmark")
    assert (hidden["shown"], hidden["minimum_count"]) == (False, 5)  # 3 members, k 5
    assert await release_of(system, "2025-01") == (5, {"BD": 40, "KH": None, "TH": None})

    # k = 2 is refused as a problem and changes nothing, for either service.
    before = await system.store.stream_version(tenant_stream(TENANT))
    low = await set_k(intake, system, 2)
    assert low.status_code == 422
    assert low.headers["content-type"] == "application/problem+json"
    assert low.json()["type"] == "urn:redress:problem:k-too-low"
    assert await system.store.stream_version(tenant_stream(TENANT)) == before
    assert (await p.call("GET", "/v1/benchmark"))["shown"] is False
    assert (await release_of(system, "2025-02"))[0] == 5

    answer = await set_k(intake, system, 3)
    assert answer.status_code == 200, answer.text
    assert answer.json()["k"] == 3
    shown = await p.call("GET", "/v1/benchmark")
    assert (shown["shown"], shown["members"], shown["minimum_count"]) == (True, 3, 3)
    assert await release_of(system, "2025-03") == (3, {"BD": 40, "KH": 4, "TH": 12})

    assert (await set_k(intake, system, 8)).status_code == 200
    again = await p.call("GET", "/v1/benchmark")
    assert (again["shown"], again["minimum_count"]) == (False, 8)
    k, cells = await release_of(system, "2025-04")
    assert k == 8 and cells["KH"] is None
    tenant = await intake.client.get("/v1/tenant", headers=intake.token(roles=("admin",)))
    assert tenant.json()["minimum_count"] == 8
