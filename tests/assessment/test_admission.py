"""An assessment is started only in an initiative that exists, and only by a member
organisation it has admitted, by the API and by the console's form alike: the rule intake
applies to a grievance filed (tests/intake/test_member_sites.py)."""

from __future__ import annotations

from redress.events.envelope import Actor, Metadata
from redress.tenancy.domain import Offboard
from redress.tenancy.handlers import execute
from tests.assessment.conftest import TENANT
from tests.assessment.test_pages import logged_in


async def events(p) -> int:
    async with p.system.pool.acquire() as conn:
        return await conn.fetchval("SELECT count(*) FROM eventlog.events")


def documented(p, status: int) -> str:
    responses = p.app.openapi()["paths"]["/v1/assessments"]["post"]["responses"]
    return str(responses[str(status)]["description"])


async def test_an_initiative_that_does_not_exist_starts_nothing(platform):
    p = platform
    before = await events(p)
    member, officer = p.member(tenant="nowhere"), p.token(tenant="nowhere")
    for headers, body in (
        (member, {"title": "2026"}),
        (member | {"Idempotency-Key": "start-1"}, {}),
        (officer, {"framework": "un-msi-questions"}),
    ):
        answer = await p.client.post("/v1/assessments", json=body, headers=headers)
        assert answer.status_code == 404, answer.text
        assert answer.headers["content-type"] == "application/problem+json"
        assert answer.json()["type"] == "urn:redress:problem:unknown-tenant"
    assert "urn:redress:problem:unknown-tenant" in documented(p, 404)
    # The console's form answers the refusal as one of its pages.
    _, csrf = await logged_in(p, member["Authorization"].split()[1])
    page = await p.client.post("/assessments/start", data={"csrf": csrf, "title": "2026"})
    assert page.status_code == 404, page.text
    assert page.headers["content-type"].startswith("text/html")
    assert 'data-problem="unknown-tenant"' in page.text
    assert await events(p) == before


async def test_an_organisation_the_initiative_has_not_admitted_starts_nothing(platform):
    p = platform
    stranger = p.member("stranger-apparel")
    before = await events(p)
    for headers, body in (
        (stranger, {"title": "2026"}),
        (stranger | {"Idempotency-Key": "start-1"}, {}),
        (stranger, {"framework": "gm-journey", "version": 1}),
    ):
        answer = await p.client.post("/v1/assessments", json=body, headers=headers)
        assert answer.status_code == 403, answer.text
        assert answer.headers["content-type"] == "application/problem+json"
        assert answer.json()["type"] == "urn:redress:problem:not-a-member"
    assert "urn:redress:problem:not-a-member" in documented(p, 403)
    _, csrf = await logged_in(p, stranger["Authorization"].split()[1])
    page = await p.client.post("/assessments/start", data={"csrf": csrf, "title": "2026"})
    assert page.status_code == 403, page.text
    assert page.headers["content-type"].startswith("text/html")
    assert 'data-problem="not-a-member"' in page.text
    assert await events(p) == before
    # Once the initiative admits it, it starts its own.
    await p.admit("stranger-apparel")
    await p.start(stranger)


async def test_an_initiative_that_has_left_the_platform_starts_nothing(platform):
    p = platform
    meta = Metadata(tenant=TENANT, actor=Actor(id="ops", role="platform"))
    await execute(p.system.store, TENANT, Offboard("left the platform"), meta)
    before = await events(p)
    for headers in (p.member(), p.token()):
        answer = await p.client.post("/v1/assessments", json={}, headers=headers)
        assert answer.status_code == 409, answer.text
        assert answer.json()["type"] == "urn:redress:problem:tenant-offboarded"
    assert "urn:redress:problem:tenant-offboarded" in documented(p, 409)
    assert await events(p) == before
