"""The assessment API's reads answer what its OpenAPI documents, to a member and to an
officer; a field a handler adds, or drops, without its model fails here."""

from __future__ import annotations

from redress.assessment.facts import MemberFacts
from redress.events.catalogue.tenant import DEFAULT_WORKING_DAYS
from redress.events.envelope import Actor, Metadata
from redress.events.ids import derived_stream
from redress.events.projection import wait_for_version
from redress.metrics.releases.handlers import publish, release_stream
from redress.tenancy.domain import ChangeSettings, SetTimeFrames
from redress.tenancy.handlers import execute
from tests.assessment.conftest import ACME, MEMBERS
from tests.assessment.test_evidence import generate
from tests.assessment.test_files import upload
from tests.assessment.test_flow import GOVERNANCE, agreed
from tests.assessment.test_minimum_count import AT, RECEIVED
from tests.kit.documented import Documented

DETAIL = "/v1/assessments/{assessment_id}"


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


async def test_an_assessment_is_as_documented_a_members_and_the_initiatives(platform):
    p, store = platform, platform.system.store
    documented = Documented(p.app)
    officer = p.token()
    await generate(p.system, ACME, on_time=4, late=6)  # "met" on imp-l1 is contradicted
    rated = await agreed(p, GOVERNANCE)
    again = await p.start()  # a re-assessment: the rating before stands beside it
    base = f"/v1/assessments/{again}"
    await p.answer(again, "imp-l1")
    await p.answer(again, "gov-l1")
    await p.answer(again, "gov-e1", "not_applicable")  # with no reason: counts as not met
    assert (await upload(p, again, "gov-l1")).status_code == 201
    await p.post(f"{base}/submit")
    await p.post(f"{base}/answers/gov-l1/challenge", {"comment": "Unsigned."}, officer)
    await p.post(f"{base}/answers/gov-l1/reply", {"comment": "Signed next month."})
    await p.post(f"{base}/answers/gov-l1/verify", {"comment": "Agreed."}, officer)
    await p.post(f"{base}/rating", {"comment": "Well evidenced"}, officer)
    await p.caught_up(rated)

    # The initiative's own, with its time frames set and figures published.
    admin = Metadata(tenant="acme", actor=Actor(id="admin", role="admin"))
    settings = ChangeSettings("Acme Initiative", "UTC", DEFAULT_WORKING_DAYS, ("en", "bn"))
    await execute(store, "acme", settings, admin)
    await execute(store, "acme", SetTimeFrames(5, 60, 30), admin)
    await publish(store, admin, "2025-01", RECEIVED, AT)
    for stream in (release_stream("acme"), derived_stream("tenant", "acme")):
        version = await store.stream_version(stream)
        assert await wait_for_version(p.system.pool, MemberFacts(), stream, version, timeout=30)
    own = await p.post("/v1/assessments", {"framework": "un-msi-questions"}, officer)
    own_id = own["assessment_id"]
    await p.answer(own_id, "q3-1", headers=officer)
    await p.post(f"/v1/assessments/{own_id}/submit", headers=officer)

    async def read(assessment_id: str, headers: dict) -> dict:
        await p.caught_up(assessment_id)
        answer = await p.client.get(f"/v1/assessments/{assessment_id}", headers=headers)
        assert answer.status_code == 200, answer.text
        return documented.check(answer, DETAIL)

    for headers in (p.member(), officer):
        reviewed = await read(again, headers)
        assert reviewed["status"] == "rating_proposed" and reviewed["files"]
        assert reviewed["answers"]["gov-l1"]["review"] == "verified"
        assert reviewed["answers"]["gov-l1"]["evidence"]  # opened
        assert [c["criterion"] for c in reviewed["evidence"]["contradicted"]] == ["imp-l1"]
        assert reviewed["not_applicable_without_reason"] == ["gov-e1"]
        assert reviewed["previous"]["assessment_id"] == rated
        final = await read(rated, headers)
        assert final["status"] == "final" and final["levels"] and final["previous"] is None
    initiatives = await read(own_id, officer)
    assert initiatives["status"] == "final" and initiatives["org"] == ""
    assert initiatives["evidence"]["time_frames"]["plan_days"] == 30
    assert initiatives["evidence"]["figures_published"]["latest"]["period"] == "2025-01"
    assert documented.unseen() == {}
