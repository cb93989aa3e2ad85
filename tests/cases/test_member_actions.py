"""A member company adds an action to a case's plan and is told the action's id: it reports
progress on it at once, without reading the case back and matching on the description."""

from __future__ import annotations

from tests.cases.test_authz import ACTION, read_back
from tests.cases.test_plan_parties import planned


async def test_adding_an_action_answers_its_id_and_a_retry_answers_the_same(platform):
    case_id = await planned(platform, facilitator=None)
    member = {**platform.member(), "Idempotency-Key": "plan-repayment-1"}
    action = {**ACTION, "owner": "member_company", "description": "Repay the recruitment fees"}
    answer = await platform.cases.post(f"/v1/cases/{case_id}/actions", json=action, headers=member)
    assert answer.status_code == 201, answer.text
    added = answer.json()
    assert set(added) == {"case_id", "version", "action_id"} and added["case_id"] == case_id
    case = await read_back(platform, case_id, added["version"], platform.member())
    assert [(a["action_id"], a["description"]) for a in case["actions"]] == [
        (added["action_id"], "Repay the recruitment fees")
    ]
    again = await platform.cases.post(f"/v1/cases/{case_id}/actions", json=action, headers=member)
    assert (again.status_code, again.json()) == (201, added)
    progress = await platform.cases.post(
        f"/v1/cases/{case_id}/actions/{added['action_id']}",
        json={"progress": "The first repayment was made"}, headers=platform.member(),
    )  # fmt: skip
    assert progress.status_code == 200, progress.text


async def test_the_openapi_documents_the_new_actions_id(platform):
    spec = (await platform.cases.get("/openapi.json")).json()
    created = spec["paths"]["/v1/cases/{case_id}/actions"]["post"]["responses"]["201"]
    ref = created["content"]["application/json"]["schema"]["$ref"].rsplit("/", 1)[-1]
    schema = spec["components"]["schemas"][ref]
    assert {"case_id", "version", "action_id"} <= set(schema["required"])
    assert "actions/{action_id}" in schema["properties"]["action_id"]["description"]
