"""NUL and other control characters are refused at the edge (422), never reach SQL (500)."""

import json

from tests.intake.conftest import TENANT
from tests.intake.test_api import GRIEVANCE
from tests.intake.test_web import fresh_form, report_fields


async def test_api_bodies_with_control_characters_get_422_and_record_nothing(intake):
    before = await intake.events()
    bad = [
        {**GRIEVANCE, "site_id": None, "site_text": "Dhaka\x00Knit"},
        {**GRIEVANCE, "member_reference": "REF\x00-1"},
        {**GRIEVANCE, "narrative": "Wages\x00withheld"},
        {**GRIEVANCE, "narrative": "Wages\x1bwithheld"},
        {**GRIEVANCE, "contact": {"name": "Ra\x07hima"}},
        {**GRIEVANCE, "member_reference": "line\nbreak"},  # a reference is one line
    ]
    for body in bad:
        answer = await intake.client.post("/v1/grievances", json=body, headers=intake.token())
        assert answer.status_code == 422, (body, answer.text)
        assert answer.headers["content-type"] == "application/problem+json"
        assert "control characters" in answer.json()["detail"]
    operator = {k: v for k, v in GRIEVANCE.items() if k != "member_reference"}
    answer = await intake.client.post(
        "/v1/operator/grievances",
        json={**operator, "narrative": "a\x00b"},
        headers=intake.token(roles=("operator",)),
    )
    assert answer.status_code == 422, answer.text
    admin = intake.token(roles=("admin",))
    site = {"site_id": "hcm-3", "name": "Saigon\x00Shoes", "country": "VN"}
    answer = await intake.client.put("/v1/sites/hcm-3", json=site, headers=admin)
    assert answer.status_code == 422, answer.text
    assert await intake.events() == before


async def test_a_narrative_keeps_its_line_breaks_and_tabs(intake):
    body = {**GRIEVANCE, "narrative": "First line.\r\nSecond line,\tindented."}
    answer = await intake.client.post("/v1/grievances", json=body, headers=intake.token())
    assert answer.status_code == 201, answer.text


async def test_an_import_row_with_nul_is_refused_on_its_own(intake):
    rows = [
        {**GRIEVANCE, "member_reference": "NUL-\x00-1"},
        {**GRIEVANCE, "member_reference": "OK-2", "site_text": "a\x00b"},
        {**GRIEVANCE, "member_reference": "OK-3"},
    ]
    answer = await intake.client.post(
        "/v1/grievances/import",
        content="\n".join(json.dumps(r) for r in rows),
        headers={**intake.token(), "Content-Type": "application/x-ndjson"},
    )
    assert answer.status_code == 200, answer.text
    report = answer.json()
    assert (report["accepted"], report["refused"]) == (1, 2)
    assert "control characters" in report["rows"][0]["errors"][0]


async def test_paths_and_query_parameters_with_nul_get_422(intake):
    # Refused before anything else is looked at: the body, the token, the site.
    answer = await intake.client.put("/v1/sites/a%00b", json={})
    assert answer.status_code == 422, answer.text
    assert answer.headers["content-type"] == "application/problem+json"
    # On a worker's page, the refusal is a page in the worker's language.
    for path, lang in [
        (f"/t/{TENANT}/report?lang=bn&site=a%00b", "bn"),
        ("/t/ac%00me/report?lang=km", "km"),
        (f"/t/{TENANT}/report?lang=e%00n", "en"),
    ]:
        answer = await intake.client.get(path)
        assert answer.status_code == 422, (path, answer.text)
        assert answer.headers["content-type"].startswith("text/html"), path
        assert f'lang="{lang}"' in answer.text, path
    answer = await intake.client.get(
        "/v1/callbacks/due?language=b%00n", headers=intake.token(("operator",))
    )
    assert answer.status_code == 422


async def test_worker_form_with_nul_is_shown_again_and_files_nothing(intake):
    before = await intake.events()
    tokens = await fresh_form(intake)
    fields = report_fields(tokens, site_id="", site_text="Factory\x00 by the river")
    page = await intake.client.post(f"/t/{TENANT}/report", data=fields)
    assert page.status_code == 422
    assert await intake.events() == before


async def test_a_callback_time_with_control_characters_is_refused(intake):
    worker = {"phone": "+8801711000000", "language": "bn", "good_time": "a\x00b"}
    body = {"site_id": "dhaka-1", "audit_date": "2025-03-10", "workers": [worker]}
    answer = await intake.client.post("/v1/audits", json=body, headers=intake.token(("auditor",)))
    assert answer.status_code == 422, answer.text
