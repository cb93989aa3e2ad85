"""Suppliers and systemic issues over HTTP: QIMA's story end to end, who may do what, and bad
input refused with nothing written."""

from __future__ import annotations

from datetime import UTC, datetime, time, timedelta

from redress.cases.policies import case_stream
from tests.cases.test_console import officer as officer_browser
from tests.cases.test_deadlines import controlled, in_time_zone
from tests.events.helpers import wait_until

CHILD_LABOUR = {
    "country": "BD",
    "site_id": "dhaka-1",
    "category": "child_labour",
    "narrative": "Children of 13 work the night shift in the packing hall.",
}
SUSPENSION_STEPS = [
    "Orders paused for 90 days; the children's wages paid in full meanwhile",
    "The children enrolled in school with a stipend until 15, paid by the member",
    "Adult family members offered the children's jobs",
]
EXIT_STEPS = [
    "Three months' notice to the supplier",
    "Severance and wages owed paid before the last order",
    "Workers introduced to two other suppliers of the member",
]


async def filed(platform, n: int) -> list[str]:
    """`n` grievances filed by the operator of the callback line; their cases, once open."""
    operator = platform.token(("operator",), sub="operator-1")
    case_ids = []
    for _ in range(n):
        answer = await platform.intake.post(
            "/v1/operator/grievances", json=CHILD_LABOUR, headers=operator
        )
        assert answer.status_code == 201, answer.text
        case_ids.append(case_stream(answer.json()["grievance_id"]))

    async def opened() -> bool:
        count = await platform.system.pool.fetchval(
            "SELECT count(*) FROM cases.cases WHERE case_id = ANY($1::text[])", case_ids
        )
        return count == n

    await wait_until(opened, timeout=60)
    return case_ids


async def test_fourteen_underage_labour_grievances_one_issue_one_supplier_exited(platform):
    officer = platform.token()
    cases = platform.cases
    case_ids = await filed(platform, 14)
    issue = await cases.post("/v1/systemic-issues", headers=officer, json={
        "title": "Underage workers at Dhaka 1", "site_id": "dhaka-1",
        "category": "child_labour", "case_ids": case_ids[:10]})  # fmt: skip
    assert issue.status_code == 201, issue.text
    issue_id = issue.json()["stream"]
    linked = await cases.post(f"/v1/systemic-issues/{issue_id}/cases", headers=officer,
                              json={"case_ids": case_ids[8:]})  # fmt: skip
    assert linked.status_code == 200, linked.text
    planned = await cases.post(f"/v1/systemic-issues/{issue_id}/actions", headers=officer, json={
        "description": "Age checks at the gate with documents", "owner": "supplier",
        "due_on": "2027-01-15"})  # fmt: skip
    assert planned.status_code == 200, planned.text

    supplier = "/v1/suppliers/dhaka-1/consequences"
    suspended = await cases.post(supplier, headers=officer, json={
        "consequence": "suspension", "reasons": "Fourteen children found working at night",
        "case_ids": case_ids, "steps": SUSPENSION_STEPS})  # fmt: skip
    assert suspended.status_code == 201, suspended.text
    exited = await cases.post(supplier, headers=officer, json={
        "consequence": "exit", "reasons": "Children still found after the suspension",
        "case_ids": case_ids, "steps": EXIT_STEPS})  # fmt: skip
    assert exited.status_code == 201, exited.text
    again = await cases.post(supplier, headers=officer, json={
        "consequence": "corrective_action", "reasons": "late", "case_ids": case_ids[:1],
        "steps": ["x"]})  # fmt: skip
    assert again.status_code == 409
    assert again.json()["type"] == "urn:redress:problem:supplier-exited"

    # The officer's view.
    shown = (await cases.get(f"/v1/systemic-issues/{issue_id}", headers=officer)).json()
    assert sorted(shown["cases"]) == sorted(case_ids)
    assert shown["title"] == "Underage workers at Dhaka 1"
    assert [a["owner"] for a in shown["actions"]] == ["supplier"]
    assert [a["action_id"] for a in shown["actions"]] == [planned.json()["action_id"]]

    async def listed() -> bool:
        issues = (await cases.get("/v1/systemic-issues", headers=officer)).json()["items"]
        suppliers = (await cases.get("/v1/suppliers", headers=officer)).json()
        return [i["cases"] for i in issues] == [14] and suppliers["by_consequence"] == {"exit": 1}

    await wait_until(listed, timeout=30)
    history = (await cases.get("/v1/suppliers/dhaka-1", headers=officer)).json()
    assert history["standing"] == "exit"
    assert [c["consequence"] for c in history["consequences"]] == ["suspension", "exit"]
    assert history["consequences"][0]["steps"] == SUSPENSION_STEPS
    assert len(history["consequences"][1]["case_ids"]) == 14


async def test_a_consequence_is_decided_on_the_tenants_day_not_on_utcs(platform):
    """At 10:30 UTC it is already the next day in Kiritimati (UTC+14): the consequence is
    recorded as decided on that day, and the issue's page asks for a due date from it."""
    [case_id] = await filed(platform, 1)
    officer = platform.token()
    issue = await platform.cases.post("/v1/systemic-issues", headers=officer, json={
        "title": "Night shifts at Dhaka 1", "case_ids": [case_id]})  # fmt: skip
    assert issue.status_code == 201, issue.text
    await in_time_zone(platform, "Pacific/Kiritimati")
    at = datetime.combine(datetime.now(UTC).date(), time(10, 30), tzinfo=UTC)
    controlled(platform, at)
    local = (at.date() + timedelta(days=1)).isoformat()

    body = {"consequence": "suspension", "reasons": "Night work", "case_ids": [case_id],
            "steps": SUSPENSION_STEPS}  # fmt: skip
    decided = await platform.cases.post(
        "/v1/suppliers/dhaka-1/consequences", headers=officer, json=body
    )
    assert decided.status_code == 201, decided.text
    history = (await platform.cases.get("/v1/suppliers/dhaka-1", headers=officer)).json()
    assert [c["decided_on"] for c in history["consequences"]] == [local]
    async with officer_browser(platform) as client:
        page = await client.get(f"/console/systemic-issues/{issue.json()['stream']}")
    assert page.status_code == 200
    assert f'id="action-due-on" name="due_on" type="date" min="{local}"' in page.text


async def test_only_officers_decide_and_only_staff_read(platform):
    [case_id] = await filed(platform, 1)
    body = {"consequence": "corrective_action", "reasons": "r", "case_ids": [case_id],
            "steps": ["s"]}  # fmt: skip
    member, partner = platform.member(), platform.token(("partner",), org="ngo-1")
    for who in (member, partner):
        assert (await platform.cases.post("/v1/suppliers/dhaka-1/consequences", json=body,
                                          headers=who)).status_code == 403  # fmt: skip
        assert (await platform.cases.post("/v1/systemic-issues", headers=who, json={
            "title": "t", "case_ids": [case_id]})).status_code == 403  # fmt: skip
        for path in ("/v1/suppliers", "/v1/systemic-issues", "/v1/suppliers/dhaka-1"):
            assert (await platform.cases.get(path, headers=who)).status_code == 403, path
    assert (await platform.cases.get("/v1/suppliers")).status_code == 401
    # Another initiative's officer: the case is not theirs, and nothing of ours shows.
    other = platform.token(tenant="other-msi")
    refused = await platform.cases.post("/v1/suppliers/dhaka-1/consequences", json=body,
                                        headers=other)  # fmt: skip
    assert refused.status_code == 404
    assert refused.json()["type"] == "urn:redress:problem:not-found"
    officer = platform.token()
    written = await platform.cases.post("/v1/systemic-issues", headers=officer, json={
        "title": "t", "case_ids": [case_id]})  # fmt: skip
    issue_id = written.json()["stream"]
    assert (await platform.cases.get(f"/v1/systemic-issues/{issue_id}",
                                     headers=other)).status_code == 404  # fmt: skip
    assert (await platform.cases.post(f"/v1/systemic-issues/{issue_id}/cases", headers=other,
                                      json={"case_ids": [case_id]})).status_code == 404  # fmt: skip


async def test_bad_input_is_refused_and_writes_nothing(platform):
    [case_id] = await filed(platform, 1)
    officer = platform.token()
    before = await platform.system.pool.fetchval("SELECT count(*) FROM eventlog.events")
    path = "/v1/suppliers/dhaka-1/consequences"
    for body, status, kind in [
        ({"consequence": "suspension", "reasons": "r", "case_ids": [case_id]}, 422, "validation"),
        ({"consequence": "exit", "reasons": "r", "steps": ["s"]}, 422, "validation"),
        ({"consequence": "exit", "reasons": "r", "case_ids": [], "steps": ["s"]}, 422,
         "validation"),
        ({"consequence": "reinstatement", "reasons": "r"}, 409, "wrong-consequence"),
        ({"consequence": "ban", "reasons": "r"}, 422, "validation"),
        ({"consequence": "exit", "reasons": " ", "case_ids": [case_id], "steps": ["s"]}, 422,
         "validation"),
        ({"consequence": "exit", "reasons": "r", "case_ids": ["case-nope"], "steps": ["s"]}, 404,
         "not-found"),
    ]:  # fmt: skip
        answer = await platform.cases.post(path, json=body, headers=officer)
        assert answer.status_code == status, (body, answer.text)
        assert answer.json()["type"] == f"urn:redress:problem:{kind}", answer.text
    bad_site = await platform.cases.post("/v1/suppliers/DHAKA 1/consequences", headers=officer,
                                         json={"consequence": "exit", "reasons": "r"})  # fmt: skip
    assert bad_site.status_code == 422
    for body in ({"title": "t", "case_ids": []}, {"title": "", "case_ids": [case_id]},
                 {"title": "t\x07", "case_ids": [case_id]}):  # fmt: skip
        answer = await platform.cases.post("/v1/systemic-issues", json=body, headers=officer)
        assert answer.status_code == 422, (body, answer.text)
    unknown = await platform.cases.post("/v1/systemic-issues/systemic-nope/cases",
                                        json={"case_ids": [case_id]}, headers=officer)  # fmt: skip
    assert unknown.status_code == 404
    assert await platform.system.pool.fetchval("SELECT count(*) FROM eventlog.events") == before
