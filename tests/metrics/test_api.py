"""The figures over HTTP: an admin sets disclosure control and publishes a closed period,
once however often retried; anyone downloads the release as JSON and CSV and verifies it
with the initiative's published keys; no one but the initiative's admins writes.

| principal                              | admin writes     | public reads |
| -------------------------------------- | ---------------- | ------------ |
| admin of the initiative                | 2xx or domain    | 200          |
| officer, supervisor, operator, member, partner, auditor | 403 | 200    |
| token with no role                     | 403              | 200          |
| no token                               | 401              | 200          |
"""

from __future__ import annotations

import csv
import io
import uuid

from redress.events.envelope import Actor, Metadata
from redress.metrics import publishing
from redress.metrics.releases import handlers
from redress.metrics.releases.document import verify_release
from redress.tenancy.domain import SetMinimumCount
from redress.tenancy.handlers import execute as tenancy
from tests.cases.test_authz import json_routes
from tests.kit.earlier_fingerprints import as_sent, fingerprinted_as_before
from tests.metrics.conftest import API_TENANT

MONTH = "2025-01"
HEADER = "Idempotency-Key"
KEY = {HEADER: "publish-2025-01"}


async def ended(api, asked) -> dict:
    """The publication an accepted request names, once its work in this process is done."""
    assert asked.status_code == 202, asked.text
    await publishing.finished(api.app.state.runtime, uuid.UUID(asked.json()["id"]))
    got = await api.client.get(asked.headers["location"], headers=api.token())
    assert got.status_code == 200, got.text
    return got.json()


async def test_an_admin_publishes_a_closed_month_once_and_anyone_verifies_it(figures_api):
    c, admin = figures_api.client, figures_api.token()
    # The tenant's minimum count, as its admin sets it (intake's PUT /v1/tenant/minimum-count).
    await tenancy(figures_api.system.store, API_TENANT, SetMinimumCount(7),
                  Metadata(tenant=API_TENANT, actor=Actor(id="admin-1", role="admin")))  # fmt: skip
    settings = await c.post("/v1/figures/disclosure", json={},
                            headers=admin | {"Idempotency-Key": "none"})  # fmt: skip
    assert settings.status_code == 200, settings.text
    assert settings.json()["epsilon"] is None
    asked = await c.post("/v1/figures/releases", json={"period": MONTH}, headers=admin | KEY)
    assert asked.headers["location"] == f"/v1/figures/publications/{asked.json()['id']}"
    assert asked.json()["state"] in ("queued", "working")
    first = await ended(figures_api, asked)
    assert (first["state"], first["step"], first["problem"]) == ("published", "published", None)
    assert first["audited"] == first["to_audit"] and first["number"] == 1
    assert first["release"] == f"/t/{API_TENANT}/figures/releases/{first['release_id']}"
    # The same key is the same publication, as it stands now: no second job, no second release.
    again = await c.post("/v1/figures/releases", json={"period": MONTH}, headers=admin | KEY)
    assert (again.status_code, again.json()) == (202, first)
    assert again.headers["location"] == asked.headers["location"]
    twice = await c.post("/v1/figures/releases", json={"period": MONTH}, headers=admin)
    assert twice.status_code == 409
    assert twice.headers["content-type"] == "application/problem+json"
    assert twice.json()["type"].endswith("already-published")
    # It names the release as people do, and by the id a correction must name.
    assert f"as release 1 ({first['release_id']})" in twice.json()["detail"]
    listed = (await c.get(f"/t/{API_TENANT}/figures/releases")).json()
    [item] = listed["items"]
    assert (item["release"], item["period"]) == (first["release_id"], MONTH)
    signed = (await c.get(item["json"])).json()
    keys = (await c.get(listed["keys"])).json()["keys"]
    assert verify_release(signed, keys)
    assert signed["document"]["disclosure"]["k"] == 7
    tampered = signed | {"document": signed["document"] | {"period": "2025-02"}}
    assert not verify_release(tampered, keys)
    got = await c.get(item["csv"])
    assert got.headers["content-type"].startswith("text/csv")
    rows = list(csv.DictReader(io.StringIO(got.text)))
    totals = [r for r in rows if r["name"] == "received.country" and r["dimensions"] == ""]
    assert [r["value"] for r in totals] == ["0"]
    correction = await ended(figures_api, await c.post(
        "/v1/figures/releases", json={"period": MONTH, "corrects": item["release"]},
        headers=admin,
    ))  # fmt: skip
    assert (correction["state"], correction["corrects"]) == ("published", item["release"])
    listed = (await c.get(f"/t/{API_TENANT}/figures/releases")).json()
    assert listed["items"][0]["corrected_by"] == correction["release_id"]
    # The pages link each to the other, as the list does.
    first_id, second_id = item["release"], correction["release_id"]
    base = f"/t/{API_TENANT}/figures"
    to_second = f'<a href="{base}/releases/{second_id}?lang=en">Corrected by release 2.</a>'
    to_first = f'<a href="{base}/releases/{first_id}?lang=en">It corrects release 1.</a>'
    listing = (await c.get(f"{base}?lang=en")).text
    assert to_second in listing and to_first in listing
    assert to_second in (await c.get(f"{base}/releases/{first_id}?lang=en")).text
    assert to_first in (await c.get(f"{base}/releases/{second_id}?lang=en")).text


async def test_setting_noise_says_how_far_off_every_count_will_be(figures_api):
    """An epsilon means little to an admin: the answer says the noise it gives each count,
    and a release published under it has that noise (its tables, one per table, over it)."""
    c, admin = figures_api.client, figures_api.token()
    body = {"epsilon": 2.0, "yearly_budget": 10.0}
    settings = await c.post("/v1/figures/disclosure", json=body, headers=admin)
    assert settings.status_code == 200, settings.text
    announced = settings.json()["noise_scale"]
    assert announced > 50  # a release has over a hundred tables: ε = 2 is noisy
    released = await ended(
        figures_api, await c.post("/v1/figures/releases", json={"period": MONTH}, headers=admin)
    )
    assert released["state"] == "published", released
    [item] = (await c.get(f"/t/{API_TENANT}/figures/releases")).json()["items"]
    noise = (await c.get(item["json"])).json()["document"]["disclosure"]["noise"]
    assert noise["scale"] == announced and noise["epsilon"] == 2.0


async def test_bad_publications_are_refused_as_problems_and_write_nothing(figures_api):
    c, admin = figures_api.client, figures_api.token()
    for body, status, kind in [
        ({"period": "2999-01"}, 409, "period-open"),
        ({"period": "9999"}, 409, "period-open"),  # no year 10000 to end before: not a 500
        ({"period": "9999-12"}, 409, "period-open"),
        ({"period": "2025-13"}, 422, "bad-period"),  # said in words, not as a pattern
        ({"period": "garbage"}, 422, "bad-period"),
        ({"period": "1900"}, 422, "bad-period"),  # a slip: signed for good if published
        ({"period": MONTH, "corrects": "0190c3d2-0000-4000-8000-000000000000"}, 404,
         "unknown-release"),
        ({"period": MONTH, "extra": 1}, 422, "validation"),
    ]:  # fmt: skip
        answer = await c.post("/v1/figures/releases", json=body, headers=admin)
        assert answer.status_code == status, (body, answer.text)
        assert answer.headers["content-type"] == "application/problem+json"
        assert kind in answer.json()["type"], answer.json()
        assert "should match pattern" not in answer.json()["detail"]
    low = await c.post("/v1/figures/disclosure", json={"k": 2}, headers=admin)
    assert low.status_code == 422  # k is the tenant's setting, not the release stream's
    half = await c.post("/v1/figures/disclosure", json={"epsilon": 1.0}, headers=admin)
    assert half.status_code == 422 and half.json()["type"].endswith("budget-needed")
    listed = await c.get(f"/t/{API_TENANT}/figures/releases")
    assert listed.json()["items"] == []
    unknown = f"/t/{API_TENANT}/figures/releases/0190c3d2-0000-4000-8000-000000000000"
    for path in ("/t/nobody-here/figures/releases", "/t/nobody-here/figures/keys",
                 f"{unknown}.json", f"{unknown}.csv"):  # fmt: skip
        answer = await c.get(path)
        assert answer.status_code == 404, path
        assert answer.headers["content-type"] == "application/problem+json"


async def test_only_the_initiatives_admins_write_and_anyone_reads(figures_api):
    c = figures_api.client
    routes = json_routes(figures_api.app)
    assert routes == {("POST", "/v1/figures/disclosure"), ("POST", "/v1/figures/releases"),
                      ("GET", "/v1/figures/publications/{publication_id}"),
                      ("GET", "/v1/figures/member"), ("GET", "/v1/figures/officer")}  # fmt: skip
    writes = sorted(path for method, path in routes if method == "POST")
    bodies = {"/v1/figures/disclosure": {}, "/v1/figures/releases": {"period": "2999"}}
    refused = {role: 403 for role in
               ("officer", "supervisor", "operator", "member", "partner", "auditor", "supplier",
                "facilitator")}  # fmt: skip
    for path in writes:
        for role, status in refused.items():
            answer = await c.post(path, json=bodies[path],
                                  headers=figures_api.token((role,), sub=f"{role}-1"))  # fmt: skip
            assert answer.status_code == status, (path, role, answer.text)
        nobody = await c.post(path, json=bodies[path],
                              headers=figures_api.token((), sub="x"))  # fmt: skip
        assert nobody.status_code == 403
        assert (await c.post(path, json=bodies[path])).status_code == 401
        admin = await c.post(path, json=bodies[path], headers=figures_api.token())
        assert admin.status_code in (200, 409), admin.text  # reached: 2999 is not over
    # How a publication goes is the admins' too; one not found is a problem, not a 500.
    job = "/v1/figures/publications/0190c3d2-0000-4000-8000-000000000000"
    for role in refused:
        assert (await c.get(job, headers=figures_api.token((role,), sub="x"))).status_code == 403
    assert (await c.get(job)).status_code == 401
    unknown = await c.get(job, headers=figures_api.token())
    assert unknown.status_code == 404 and unknown.json()["type"].endswith("unknown-publication")
    for path in (f"/t/{API_TENANT}/figures/releases", f"/t/{API_TENANT}/figures/keys"):
        assert (await c.get(path)).status_code == 200


async def test_an_explicit_null_is_the_same_request_as_the_field_left_out(figures_api):
    """A retry is compared on what its body means, as the route validated it (ADR 47)."""
    c, admin = figures_api.client, figures_api.token() | KEY
    first = await ended(
        figures_api, await c.post("/v1/figures/releases", json={"period": MONTH}, headers=admin)
    )
    same = await c.post(
        "/v1/figures/releases", json={"period": MONTH, "corrects": None}, headers=admin
    )
    assert (same.status_code, same.json()) == (202, first)
    for other in ({"period": "2024-12"}, {"period": MONTH, "corrects": first["release_id"]}):
        refused = await c.post("/v1/figures/releases", json=other, headers=admin)
        assert refused.status_code == 422, (other, refused.text)
        assert refused.json()["type"] == "urn:redress:problem:idempotency-key-reused"
    # A body the route takes as a model, its defaults sent or not: one request too.
    none = {"Idempotency-Key": "no-noise"}
    kept = await c.post("/v1/figures/disclosure", json={}, headers=admin | none)
    again = await c.post("/v1/figures/disclosure", headers=admin | none,
                         json={"epsilon": None, "yearly_budget": None})  # fmt: skip
    assert (again.status_code, again.json()) == (200, kept.json())
    assert len(await handlers.releases(figures_api.system.store, API_TENANT)) == 1


async def test_a_key_claimed_before_bodies_were_compared_as_validated_still_replays(figures_api):
    c, admin = figures_api.client, figures_api.token() | KEY
    body = {"period": MONTH, "corrects": None}
    first = await ended(figures_api, await c.post("/v1/figures/releases", json=body,
                                                  headers=admin))  # fmt: skip
    before = fingerprinted_as_before(figures_api.app, "/v1/figures/releases", as_sent(body))
    async with figures_api.system.pool.acquire() as conn:
        changed = await conn.execute(
            "UPDATE metrics.idempotency SET body_hash = $2 WHERE key = $1", KEY[HEADER], before
        )
    assert changed == "UPDATE 1"
    retried = await c.post("/v1/figures/releases", json=body, headers=admin)
    assert (retried.status_code, retried.json()) == (202, first)
    other = await c.post("/v1/figures/releases", json={"period": "2024-12"}, headers=admin)
    assert other.status_code == 422, other.text
