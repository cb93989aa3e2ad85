"""The assessment API's reads answer what its OpenAPI documents, to a member and to an
officer; a field a handler adds, or drops, without its model fails here."""

from __future__ import annotations

from tests.assessment.conftest import ACME, MEMBERS
from tests.assessment.test_flow import GOVERNANCE, agreed
from tests.kit.documented import Documented


async def test_the_assessments_plans_frameworks_ratings_and_benchmark_are_as_documented(
    platform,
):
    p = platform
    documented = Documented(p.app)
    readers = {"member": p.member(), "officer": p.token()}
    rated = await agreed(p, GOVERNANCE)
    due = {"owner": "Head of sourcing", "due_on": "2027-03-31"}
    await p.call("PUT", f"/v1/assessments/{rated}/actions/gov-e1", due)
    await p.post(f"/v1/assessments/{rated}/actions/gov-e1/progress", {"note": "Begun"})
    proposed = await p.submitted(GOVERNANCE[:1])
    await p.post(f"/v1/assessments/{proposed}/rating", {}, readers["officer"])
    await p.caught_up(rated)
    await p.caught_up(proposed)

    async def check(path: str, url: str, headers: dict) -> dict:
        answer = await p.client.get(url, headers=headers)
        assert answer.status_code == 200, (path, answer.text)
        return documented.check(answer, path)

    hidden = {}
    for who, headers in readers.items():
        listed = await check("/v1/assessments", "/v1/assessments", headers)
        assert {a["status"] for a in listed["items"]} == {"final", "rating_proposed"}, who
        plan = await check(
            "/v1/assessments/{assessment_id}/plan", f"/v1/assessments/{rated}/plan", headers
        )
        assert plan["actions"] and plan["to_plan_first"], who
        ratings = await check(
            "/v1/organisations/{org}/ratings", f"/v1/organisations/{ACME}/ratings", headers
        )
        assert [r["assessment_id"] for r in ratings["items"]] == [rated], who
        hidden[who] = await check("/v1/benchmark", "/v1/benchmark", headers)
        frameworks = await check("/v1/frameworks", "/v1/frameworks", headers)
        for f in frameworks["items"]:
            url = f"/v1/frameworks/{f['id']}/{f['version']}"
            await check("/v1/frameworks/{framework}/{version}", url, headers)
        assert {f["kind"] for f in frameworks["items"]} == {"journey", "questionnaire"}
    # Only a member has ratings of its own beside the benchmark.
    assert hidden["member"]["yours"] is not None and hidden["officer"]["yours"] is None
    assert not hidden["member"]["shown"]

    for org in MEMBERS[1:]:  # five members rated: the distribution is shown
        member = p.member(org)
        other = await p.submitted(GOVERNANCE[:1], member)
        await p.post(f"/v1/assessments/{other}/rating", {}, readers["officer"])
        await p.post(f"/v1/assessments/{other}/rating/agree", headers=member)
        await p.caught_up(other)
    for headers in readers.values():
        shown = await check("/v1/benchmark", "/v1/benchmark", headers)
        assert shown["shown"] and shown["distribution"]
    assert documented.unseen() == {}
