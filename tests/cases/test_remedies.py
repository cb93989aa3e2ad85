"""The remedy delivered over HTTP: recorded quantified, linked to the worker's own word on
its plan action, actions waived with a reason, and closing as resolved only when the plan is
settled and the right to go to court attested; bad input writes nothing; rebuild = live."""

from __future__ import annotations

import contextlib
from datetime import UTC, datetime, time, timedelta
from zoneinfo import ZoneInfo

import asyncpg
import pytest

from redress.cases.projections import CaseViews
from redress.cases.remedies_views import CaseRemedies
from redress.events.projection import rebuild_beside
from redress.events.timers import FixedClock
from tests.cases.test_deadlines import controlled, file_case, in_time_zone, post
from tests.cases.test_rebuild import stop_live_runners
from tests.cases.test_worker_loop import CATALOGUES, Worker, _shows, officer_post, the_case
from tests.cases.test_worker_plan import plan_form, plan_with_one_action
from tests.events.helpers import wait_until
from tests.kit.documented import Documented

PROBLEM = "application/problem+json"


def remedy(platform, action_id: str | None = None, **extra) -> dict:
    today = platform.cases_app.state.runtime.extras["cases"].clock.now().date().isoformat()
    body = {"remedy": "wage_restitution", "amount": "1843250.50", "currency": "BDT",
            "workers_covered": 212, "description": "Three months of overtime paid back",
            "delivered_on": today}  # fmt: skip
    if action_id:
        body["action_id"] = action_id
    return {**body, **extra}


async def remedies(platform, case_id: str, version: int | None = None) -> dict:
    if version:
        await wait_until(lambda: _readable(platform, case_id, version))
    answer = await _read(platform, case_id, version)
    assert answer.status_code == 200, answer.text
    return answer.json()


async def _readable(platform, case_id: str, version: int) -> bool:
    return (await _read(platform, case_id, version)).status_code == 200


async def _read(platform, case_id: str, version: int | None = None):
    params = {"min_version": version} if version else {}
    return await platform.cases.get(
        f"/v1/cases/{case_id}/remedies", params=params, headers=platform.token()
    )


@pytest.mark.parametrize("zone", ["Pacific/Kiritimati", "Pacific/Pago_Pago"])
async def test_a_remedy_is_in_the_future_after_the_tenants_day_not_after_utcs(platform, zone):
    """At 10:30 UTC it is already tomorrow in Kiritimati (UTC+14), and still yesterday in
    Pago Pago (UTC-11): a remedy delivered on the tenant's date is recorded, one delivered
    the day after it is refused as not delivered yet, whatever the date in UTC."""
    case_id = await file_case(platform)
    for path, body in (("/accept", {}), ("/advance", {"to": "response"}),
                       ("/advance", {"to": "remediation_plan"})):  # fmt: skip
        await post(platform, case_id, path, body)
    await in_time_zone(platform, zone)
    at = datetime.combine(datetime.now(UTC).date(), time(10, 30), tzinfo=UTC)
    controlled(platform, at)
    local = at.astimezone(ZoneInfo(zone)).date()
    assert local != at.date()

    on_the_day = remedy(platform, delivered_on=local.isoformat())
    recorded = await officer_post(platform, case_id, "/remedies", on_the_day)
    assert recorded.status_code == 201, recorded.text
    tomorrow = remedy(platform, delivered_on=(local + timedelta(days=1)).isoformat())
    ahead = await officer_post(platform, case_id, "/remedies", tomorrow)
    assert ahead.status_code == 409, ahead.text
    assert ahead.json()["type"].endswith("in-the-future")
    assert (await platform.log_types(case_id)).count("RemedyDelivered") == 1


async def test_a_remedy_is_recorded_confirmed_by_the_worker_and_the_case_closes_resolved(platform):
    worker = Worker(platform.intake)
    reference, secret = await worker.file("bn")
    case_id = await the_case(platform)
    action_id = await plan_with_one_action(platform, case_id, "bn")
    second = await officer_post(platform, case_id, "/actions", {
        "remedy": "training", "owner": "supplier", "due_on": "2030-01-31",
        "description": "Train the line supervisors"})  # fmt: skip
    assert second.status_code == 201
    await officer_post(platform, case_id, "/advance", {"to": "implementation"})

    recorded = await officer_post(platform, case_id, "/remedies", remedy(platform, action_id))
    assert recorded.status_code == 201, recorded.text
    done = await officer_post(platform, case_id, f"/actions/{action_id}",
                              {"progress": "Paid", "done": True})  # fmt: skip
    assert done.status_code == 200
    # The worker says it reached them: the remedy shows their word.
    await wait_until(lambda: _shows(worker, reference, secret, "Paid"))
    said = await plan_form(worker, "bn", {"action": action_id, "delivered": "yes"})
    assert said.status_code == 303, said.text
    await wait_until(lambda: _confirmed(platform, case_id))
    (paid,) = (await remedies(platform, case_id))["remedies"]
    assert paid | {"remedy_id": None} == {
        "remedy_id": None, "remedy": "wage_restitution", "action_id": action_id,
        "amount": "1843250.50", "currency": "BDT", "workers_covered": 212,
        "reinstated_on": [], "description": "Three months of overtime paid back",
        "delivered_on": paid["delivered_on"], "worker_confirmed": True,
    }  # fmt: skip

    # Not resolved while an action is open; then not without the attestation.
    refused = await officer_post(platform, case_id, "/close", {"outcome": "resolved"})
    assert refused.status_code == 409 and refused.json()["type"].endswith("plan-not-done")
    (training,) = {a["action_id"] for a in (await _detail(platform, case_id))["actions"]} - {
        action_id
    }
    waived = await officer_post(platform, case_id, f"/actions/{training}/waive",
                                {"reason": "The supplier closed that line"})  # fmt: skip
    assert waived.status_code == 200, waived.text
    # The worker's page says it will not be done, rather than give its date.
    no_longer = str(CATALOGUES.get("bn").gettext("No longer planned."))
    assert no_longer != "No longer planned."
    await wait_until(lambda: _shows(worker, reference, secret, no_longer))
    # Past its due date, a waived action is not overdue (the case's page, and its queue).
    cases = platform.cases_app.state.runtime.extras["cases"]
    kept, cases.clock = cases.clock, FixedClock(datetime(2030, 2, 1, 12, tzinfo=UTC))

    async def waived_is_not_late() -> bool:
        detail = await _detail(platform, case_id)
        return {a["action_id"]: a["overdue"] for a in detail["actions"]}[training] is False

    try:
        await wait_until(waived_is_not_late)
    finally:
        cases.clock = kept
    again = await officer_post(platform, case_id, f"/actions/{training}/waive", {"reason": "x"})
    assert again.status_code == 409 and again.json()["type"].endswith("action-waived")
    unattested = await officer_post(platform, case_id, "/close", {"outcome": "resolved"})
    assert unattested.status_code == 409
    assert unattested.json()["type"].endswith("right-to-court-unattested")
    # Closed while the remedies read model is held back: reading the close back waits for
    # the attestation, which that read model holds (not for the case's last event, which it
    # does not read), and says it is not readable yet rather than show the case unattested.
    async with held(platform, CaseRemedies()):
        closed = await officer_post(
            platform, case_id, "/close", {"outcome": "resolved", "no_court_waiver_attested": True}
        )
        assert closed.status_code == 200, closed.text
        types = await platform.log_types(case_id)
        assert types[-3:] == ["RightToCourtAttested", "CaseClosed", "StageEntered"]
        early = await _read(platform, case_id, closed.json()["version"])
        assert early.status_code == 202 and early.headers["retry-after"] == "1", early.text
    view = await remedies(platform, case_id, closed.json()["version"])
    # What the remedies and the timeline answer is what the OpenAPI documents, to staff and
    # to the member company (whose timeline leaves out what only staff see).
    documented = Documented(platform.cases_app)
    documented.check(await _read(platform, case_id), "/v1/cases/{case_id}/remedies")
    for headers in (platform.token(), platform.member()):
        timeline = await platform.cases.get(f"/v1/cases/{case_id}/timeline", headers=headers)
        assert documented.check(timeline, "/v1/cases/{case_id}/timeline")["items"]
    assert documented.unseen() == {}
    assert view["waived"][0]["action_id"] == training
    assert view["waived"][0]["reason"] == "The supplier closed that line"
    assert view["right_to_court_attested_at"] is not None
    late = await officer_post(platform, case_id, "/remedies", remedy(platform))
    assert late.status_code == 409 and late.json()["type"].endswith("not-open")

    # Rebuilt from the log, the remedies and the case views hold what the live ones hold.
    await stop_live_runners(platform)
    for projection in (CaseRemedies(), CaseViews()):
        live = await _rows(platform, projection)
        as_service = await asyncpg.create_pool(
            platform.system.dsn, min_size=1, max_size=2, server_settings={"role": "redress_cases"}
        )
        try:
            await rebuild_beside(projection, as_service, platform.system.js, platform.system.bus,
                                 store=platform.system.store)  # fmt: skip
        finally:
            await as_service.close()
        assert await _rows(platform, projection) == live, projection.key


@contextlib.asynccontextmanager
async def held(platform, projection):
    """Hold a projection's checkpoint: its runner applies nothing until the block ends."""
    conn = await asyncpg.connect(platform.system.dsn)
    try:
        async with conn.transaction():
            await conn.execute(
                f"SELECT 1 FROM {projection.schema}.checkpoints WHERE name = $1 FOR UPDATE",
                projection.name,
            )
            yield
    finally:
        await conn.close()


async def _confirmed(platform, case_id: str) -> bool:
    found = (await remedies(platform, case_id))["remedies"]
    return bool(found) and found[0]["worker_confirmed"] is True


async def _detail(platform, case_id: str) -> dict:
    answer = await platform.cases.get(f"/v1/cases/{case_id}", headers=platform.token())
    return answer.json()


async def _rows(platform, projection) -> dict[str, list]:
    async with platform.system.pool.acquire() as conn:
        return {
            t: [dict(r) for r in await conn.fetch(f"SELECT * FROM cases.{t} ORDER BY 1, 2")]
            for t in projection.tables
        }


async def test_bad_remedies_and_waivers_answer_problem_json_and_write_nothing(platform):
    worker = Worker(platform.intake)
    await worker.file("bn")
    case_id = await the_case(platform)
    action_id = await plan_with_one_action(platform, case_id, "bn")
    before = await platform.log_types(case_id)
    bad = [
        ("/remedies", remedy(platform, currency="XYZ")),
        ("/remedies", remedy(platform, currency="bdt")),
        ("/remedies", remedy(platform, amount="-5")),
        ("/remedies", remedy(platform, amount="12.345")),
        ("/remedies", remedy(platform, workers_covered=0)),
        ("/remedies", remedy(platform, workers_covered="many")),
        ("/remedies", remedy(platform, delivered_on="yesterday")),
        ("/remedies", remedy(platform, description="  ")),
        ("/remedies", remedy(platform, extra="field")),
        ("/remedies", remedy(platform, amount=None)),  # a currency without its amount
        ("/remedies", remedy(platform, action_id="no-such-action")),
        ("/remedies", remedy(platform, reinstated_on=["2026-01-05"])),  # not a reinstatement
        ("/remedies", remedy(platform, remedy="reinstatement", amount=None, currency=None)),
        ("/remedies", remedy(platform, delivered_on="2999-01-01")),
        (f"/actions/{action_id}/waive", {"reason": ""}),
        (f"/actions/{action_id}/waive", {}),
        ("/actions/no-such-action/waive", {"reason": "gone"}),
    ]
    for path, body in bad:
        body = {k: v for k, v in body.items() if v is not None}
        answer = await officer_post(platform, case_id, path, body)
        assert answer.status_code in (409, 422), (path, body, answer.text)
        assert answer.headers["content-type"] == PROBLEM, (path, body)
    member = await platform.cases.post(
        f"/v1/cases/{case_id}/remedies", json=remedy(platform), headers=platform.member()
    )
    assert member.status_code == 403 and member.headers["content-type"] == PROBLEM
    waiver = await platform.cases.post(f"/v1/cases/{case_id}/actions/{action_id}/waive",
                                       json={"reason": "r"}, headers=platform.member())  # fmt: skip
    assert waiver.status_code == 403
    assert await platform.log_types(case_id) == before
    # Reinstated workers: the dates they went back, in order.
    reinstated = remedy(platform, remedy="reinstatement", workers_covered=3,
                        reinstated_on=["2026-01-20", "2026-01-05"])  # fmt: skip
    del reinstated["amount"], reinstated["currency"]
    ok = await officer_post(platform, case_id, "/remedies", reinstated)
    assert ok.status_code == 201, ok.text
    await wait_until(lambda: _listed(platform, case_id))
    view = await remedies(platform, case_id)
    assert view["remedies"][0]["reinstated_on"] == ["2026-01-05", "2026-01-20"]
    assert view["remedies"][0]["amount"] is None


async def _listed(platform, case_id: str) -> bool:
    return bool((await remedies(platform, case_id))["remedies"])
