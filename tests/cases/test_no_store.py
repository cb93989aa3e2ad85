"""Every answer of the JSON APIs is `Cache-Control: no-store`: they carry personal data.

Checked over HTTP on intake and cases, for answers with decrypted data and for errors, so
that no shared or browser cache keeps a narrative, a contact or a thread.
"""

from __future__ import annotations

import httpx

from tests.cases.test_authz import GRIEVANCE, file_case


def assert_no_store(answers: dict[str, httpx.Response]) -> None:
    cached = {k: (a.status_code, a.headers.get("cache-control")) for k, a in answers.items()
              if a.headers.get("cache-control") != "no-store"}  # fmt: skip
    assert not cached, cached


async def test_intake_answers_are_never_stored_by_a_cache(platform):
    operator = platform.token(("operator",), sub="operator-1")
    answers = {
        "filed": await platform.intake.post(
            "/v1/operator/grievances", json=GRIEVANCE, headers=operator
        ),
        "invalid": await platform.intake.post(
            "/v1/operator/grievances", json={"narrative": ""}, headers=operator
        ),
        "no token": await platform.intake.post("/v1/operator/grievances", json=GRIEVANCE),
        "forbidden": await platform.intake.post(
            "/v1/operator/grievances", json=GRIEVANCE, headers=platform.token()
        ),
        "too large": await platform.intake.post(
            "/v1/operator/grievances", content=b"x" * 2_000_000, headers=operator
        ),
        "unknown route": await platform.intake.get("/v1/nothing-here", headers=operator),
    }
    assert [a.status_code for a in answers.values()] == [201, 422, 401, 403, 413, 404]
    assert_no_store(answers)


async def test_cases_answers_with_personal_data_and_errors_are_never_stored(platform):
    case_id = await file_case(platform, consent=True)
    officer, member = platform.token(), platform.member()
    answers = {
        "detail": await platform.cases.get(f"/v1/cases/{case_id}", headers=officer),
        "member detail": await platform.cases.get(f"/v1/cases/{case_id}", headers=member),
        "queue": await platform.cases.get("/v1/cases", headers=officer),
        "timeline": await platform.cases.get(f"/v1/cases/{case_id}/timeline", headers=officer),
        "written": await platform.cases.post(
            f"/v1/cases/{case_id}/notes", json={"text": "Seen"}, headers=officer
        ),
        "not yet": await platform.cases.get(
            f"/v1/cases/{case_id}", params={"min_version": 1000}, headers=officer
        ),
        "not found": await platform.cases.get(f"/v1/cases/{case_id}x", headers=officer),
        "invalid": await platform.cases.get("/v1/cases", params={"limit": 0}, headers=officer),
        "no token": await platform.cases.get(f"/v1/cases/{case_id}"),
        "refused": await platform.cases.post(
            f"/v1/cases/{case_id}/close", json={}, headers=officer
        ),
    }
    assert [a.status_code for a in answers.values()] == [200, 200, 200, 200, 201, 202, 404,
                                                         422, 401, 422]  # fmt: skip
    assert answers["detail"].json()["grievance"]["narrative"] == GRIEVANCE["narrative"]
    assert answers["member detail"].json()["grievance"]["contact"]["name"] == "Rahima"
    assert_no_store(answers)
