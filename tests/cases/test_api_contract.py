"""What the cases OpenAPI promises, the API keeps: input the schema calls valid is taken, and
input it calls invalid is refused with 422 (found by schemathesis: `assign {}`, text of
spaces alone, cursors)."""

import re

from tests.cases.test_openapi_fuzz import GRIEVANCE
from tests.events.helpers import wait_until


async def a_case(platform) -> str:
    filed = await platform.intake.post("/v1/grievances", json=GRIEVANCE, headers=platform.member())
    assert filed.status_code == 201, filed.text

    async def opened():
        answer = await platform.cases.get("/v1/cases", headers=platform.token())
        return answer.json()["items"]

    await wait_until(opened)
    return (await opened())[0]["case_id"]


def schema_of(platform, path: str) -> dict:
    doc = platform.cases_app.openapi()
    body = doc["paths"][path]["post"]["requestBody"]["content"]["application/json"]["schema"]
    return resolve(doc, body)


def resolve(doc, schema):
    if "$ref" in schema:
        return resolve(doc, doc["components"]["schemas"][schema["$ref"].rsplit("/", 1)[1]])
    return schema


async def test_assign_takes_exactly_one_of_officer_or_facilitator(platform):
    case_id = await a_case(platform)
    schema = schema_of(platform, "/v1/cases/{case_id}/assign")
    doc = platform.cases_app.openapi()
    branches = [resolve(doc, s) for s in schema["anyOf"]]
    assert sorted(b["required"] for b in branches) == [["facilitator"], ["officer"]]
    assert all(b["additionalProperties"] is False for b in branches)
    url = f"/v1/cases/{case_id}/assign"
    for body in ({}, {"officer": "a", "facilitator": "b"}, {"officer": None}, {"officer": "  "}):
        answer = await platform.cases.post(url, json=body, headers=platform.token())
        assert answer.status_code == 422, (body, answer.text)
        assert answer.headers["content-type"] == "application/problem+json"
    for body in ({"officer": "officer-2"}, {"facilitator": "Fair Labour NGO"}):
        answer = await platform.cases.post(url, json=body, headers=platform.token())
        assert answer.status_code == 200, (body, answer.text)
    assert (await platform.log_types(case_id))[-2:] == ["OfficerAssigned", "FacilitatorAssigned"]


async def test_text_of_spaces_alone_is_invalid_in_the_schema_and_refused(platform):
    case_id = await a_case(platform)
    text = schema_of(platform, "/v1/cases/{case_id}/notes")["properties"]["text"]
    assert re.search(text["pattern"], "   ") is None and re.search(text["pattern"], " a ")
    before = await platform.log_types(case_id)
    answer = await platform.cases.post(
        f"/v1/cases/{case_id}/notes", json={"text": " \t "}, headers=platform.token()
    )
    assert answer.status_code == 422, answer.text
    assert await platform.log_types(case_id) == before


async def test_every_cursor_the_pattern_admits_is_taken(platform):
    case_id = await a_case(platform)
    doc = platform.cases_app.openapi()
    (param,) = [p for p in doc["paths"]["/v1/cases"]["get"]["parameters"] if p["name"] == "cursor"]
    pattern = param["schema"]["anyOf"][0]["pattern"]
    token = platform.token()
    first = await platform.cases.get("/v1/cases", params={"limit": 1}, headers=token)
    assert first.json()["items"][0]["case_id"] == case_id
    # The queue pages by filing time, ties broken by the case's position in the log.
    for cursor, items in [
        ("0~0", 1),  # before the first case
        ("999999999999999999~0", 0),  # past the end of time
        ("1~999999999999999999", 1),
    ]:
        assert re.fullmatch(pattern, cursor)
        answer = await platform.cases.get("/v1/cases", params={"cursor": cursor}, headers=token)
        assert answer.status_code == 200, (cursor, answer.text)
        assert len(answer.json()["items"]) == items, cursor
    for cursor in ("nonsense", "12~case-x", "-1~0", "1~" + case_id, "1~12\x00"):
        assert not re.fullmatch(pattern, cursor)
        answer = await platform.cases.get("/v1/cases", params={"cursor": cursor}, headers=token)
        assert answer.status_code == 422, (cursor, answer.text)


async def test_a_boolean_is_true_or_false_and_a_number_a_number(platform):
    case_id = await a_case(platform)
    for step, body in [
        ("triage", {"severity": "low"}),
        ("accept", {}),
        ("advance", {"to": "response"}),
        ("advance", {"to": "remediation_plan"}),
    ]:
        done = await platform.cases.post(
            f"/v1/cases/{case_id}/{step}", json=body, headers=platform.token()
        )
        assert done.status_code == 200, (step, done.text)
    action = {"remedy": "training", "owner": "supplier", "due_on": "2030-01-31",
              "description": "Train the supervisors"}  # fmt: skip
    added = await platform.cases.post(
        f"/v1/cases/{case_id}/actions", json=action, headers=platform.token()
    )
    assert added.status_code == 201, added.text
    detail = await platform.cases.get(
        f"/v1/cases/{case_id}", params={"min_version": added.json()["version"]},
        headers=platform.token(),
    )  # fmt: skip
    action_id = detail.json()["actions"][0]["action_id"]
    before = await platform.log_types(case_id)
    for done in (0, 1, "yes"):
        answer = await platform.cases.post(
            f"/v1/cases/{case_id}/actions/{action_id}",
            json={"progress": "Half trained", "done": done}, headers=platform.token(),
        )  # fmt: skip
        assert answer.status_code == 422, (done, answer.text)
    for score in ("4", True):
        answer = await platform.cases.post(
            f"/v1/cases/{case_id}/satisfaction", json={"score": score}, headers=platform.token()
        )
        assert answer.status_code == 422, (score, answer.text)
    assert await platform.log_types(case_id) == before
