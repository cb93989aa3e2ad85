"""The cases API's lists and supply-chain reads answer what its OpenAPI documents, to each
reader: staff, a member company and a supplier; a field a handler adds, or drops, without its
model fails here."""

from __future__ import annotations

from redress.cases.deadlines import deadline_scheduler
from tests.cases.test_authz import read_back
from tests.cases.test_deadlines import caught_up, controlled, file_case, noon, opened_on, set_frames
from tests.cases.test_plan_parties import party, planned
from tests.cases.test_supply_chain import SUSPENSION_STEPS, filed
from tests.events.helpers import wait_until
from tests.kit.documented import Documented


async def test_the_queue_the_plan_actions_and_the_reads_are_as_documented_to_each_reader(
    platform,
):
    documented = Documented(platform.cases_app)
    case_id = await planned(platform, "supplier", "facilitator", "member_company", consent=True)
    await read_back(platform, case_id, 1)  # staff read the worker's contact: a read recorded
    readers = {
        "staff": platform.token(),
        "member": platform.member(),
        "supplier": party(platform, "supplier", "dhaka-1"),
    }
    for who, headers in readers.items():
        for path in ("/v1/cases", "/v1/plan-actions"):
            answer = await platform.cases.get(path, headers=headers)
            assert answer.status_code == 200, (who, answer.text)
            body = documented.check(answer, path)
            assert body["items"], (who, path)
    queued = {
        who: set((await platform.cases.get("/v1/cases", headers=h)).json()["items"][0])
        for who, h in readers.items()
    }
    # What only staff see is documented as theirs, and only they get it.
    assert queued["supplier"] < queued["member"] < queued["staff"]

    async def reads():
        return await platform.cases.get(f"/v1/cases/{case_id}/reads", headers=readers["staff"])

    async def recorded() -> bool:
        return bool((await reads()).json()["items"])

    await wait_until(recorded)
    documented.check(await reads(), "/v1/cases/{case_id}/reads")
    indicators = await platform.cases.get(
        "/v1/indicators", params={"category": "identity_documents"}, headers=readers["staff"]
    )
    assert documented.check(indicators, "/v1/indicators")["suggested"]
    assert documented.unseen() == {}


async def test_the_missed_deadlines_are_as_documented(platform):
    documented = Documented(platform.cases_app)
    await set_frames(platform, acknowledge_days=3)
    late = await file_case(platform)
    clock = controlled(platform, noon(await opened_on(platform, late), 4))
    assert await deadline_scheduler(platform.system.pool, platform.system.store, clock).tick() == 1
    await caught_up(platform, late, 3)
    supervisor = platform.token(("supervisor",), sub="supervisor-1")
    told = await platform.cases.get("/v1/supervision/missed-deadlines", headers=supervisor)
    assert documented.check(told, "/v1/supervision/missed-deadlines")["items"]
    assert documented.unseen() == {}


async def test_the_suppliers_and_the_systemic_issues_are_as_documented(platform):
    documented = Documented(platform.cases_app)
    officer = platform.token()
    case_ids = await filed(platform, 2)
    opened = await platform.cases.post("/v1/systemic-issues", headers=officer, json={
        "title": "Night shifts at Dhaka 1", "site_id": "dhaka-1",
        "category": "child_labour", "case_ids": case_ids[:1]})  # fmt: skip
    assert opened.status_code == 201, opened.text
    issue_id = opened.json()["stream"]
    for path, body in [
        (f"/v1/systemic-issues/{issue_id}/cases", {"case_ids": case_ids[1:]}),
        (f"/v1/systemic-issues/{issue_id}/actions",
         {"description": "Age checks at the gate", "owner": "supplier"}),
        (f"/v1/systemic-issues/{issue_id}/actions",
         {"description": "Wages paid", "owner": "member_company", "due_on": "2027-01-15"}),
        ("/v1/suppliers/dhaka-1/consequences",
         {"consequence": "suspension", "reasons": "Night work", "case_ids": case_ids,
          "steps": SUSPENSION_STEPS}),
        ("/v1/suppliers/dhaka-1/consequences",
         {"consequence": "reinstatement", "reasons": "The plan was carried out"}),
    ]:  # fmt: skip
        written = await platform.cases.post(path, headers=officer, json=body)
        assert written.status_code in (200, 201), (path, written.text)

    async def listed() -> bool:
        issues = (await platform.cases.get("/v1/systemic-issues", headers=officer)).json()
        suppliers = (await platform.cases.get("/v1/suppliers", headers=officer)).json()
        return [i["cases"] for i in issues["items"]] == [2] and suppliers["by_consequence"] == {
            "reinstatement": 1
        }

    await wait_until(listed, timeout=30)
    supervisor = platform.token(("supervisor",), sub="supervisor-1")
    for headers in (officer, supervisor):  # staff read what officers decided
        for path in ("/v1/suppliers", "/v1/suppliers/{site_id}", "/v1/systemic-issues",
                     "/v1/systemic-issues/{issue_id}"):  # fmt: skip
            url = path.format(site_id="dhaka-1", issue_id=issue_id)
            answer = await platform.cases.get(url, headers=headers)
            assert answer.status_code == 200, (path, answer.text)
            assert documented.check(answer, path), path
    issue = (await platform.cases.get(f"/v1/systemic-issues/{issue_id}", headers=officer)).json()
    assert [a["due_on"] for a in issue["actions"]] == [None, "2027-01-15"]
    assert documented.unseen() == {}
