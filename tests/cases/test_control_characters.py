"""NUL and other control characters in cases' filters, paths and bodies: 422, nothing written."""

from tests.cases.test_flow import file_by_web_form, queued
from tests.events.helpers import wait_until


async def test_filters_cursors_and_paths_with_nul_get_422(platform):
    officer = platform.token()
    for path in (
        "/v1/cases?officer=a%00b",
        "/v1/cases?officer=a%0Ab",
        "/v1/cases/case-%00",
        "/v1/indicators?category=a%00",
    ):
        answer = await platform.cases.get(path, headers=officer)
        assert answer.status_code == 422, (path, answer.text)
        assert answer.headers["content-type"] == "application/problem+json"
    cursor = "1~12\x00"
    answer = await platform.cases.get("/v1/cases", params={"cursor": cursor}, headers=officer)
    assert answer.status_code == 422, answer.text
    assert answer.json()["type"] == "urn:redress:problem:control-characters"


async def test_bodies_with_nul_get_422_and_append_nothing(platform):
    await file_by_web_form(platform)
    await wait_until(lambda: _one_case(platform))
    (case,) = await queued(platform)
    case_id, officer = case["case_id"], platform.token()
    before = await platform.log_types(case_id)
    for path, body in [
        ("/notes", {"text": "seen\x00"}),
        ("/messages", {"text": "hello\x1b[31m"}),
        ("/assign", {"officer": "of\x00ficer"}),
        ("/triage", {"indicators": ["a\x00"], "severity": "low"}),
    ]:
        answer = await platform.cases.post(f"/v1/cases/{case_id}{path}", json=body,
                                           headers=officer)  # fmt: skip
        assert answer.status_code == 422, (path, answer.text)
        assert answer.headers["content-type"] == "application/problem+json"
    assert await platform.log_types(case_id) == before
    note = {"text": "two\nlines\tand a tab"}
    kept = await platform.cases.post(f"/v1/cases/{case_id}/notes", json=note, headers=officer)
    assert kept.status_code == 201, kept.text


async def _one_case(platform):
    return len(await queued(platform)) == 1


async def test_a_filter_the_list_does_not_offer_is_refused_not_ignored(platform):
    """`?category=` is no filter of the case list: answered as if it were, every case would
    come back to an officer who asked for some. Refused, naming what the list takes."""
    officer = platform.token()
    answer = await platform.cases.get("/v1/cases?category=forced_labour", headers=officer)
    assert answer.status_code == 422, answer.text
    assert answer.headers["content-type"] == "application/problem+json"
    problem = answer.json()
    assert problem["type"] == "urn:redress:problem:unknown-parameter"
    assert "category" in problem["detail"] and "stage" in problem["detail"]
    assert (
        await platform.cases.get("/v1/cases?stage=verification", headers=officer)
    ).status_code == 200
