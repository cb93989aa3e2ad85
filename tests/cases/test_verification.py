"""Verification and the response over HTTP (IOM steps 1 and 2): an officer records findings
with their sources, decides whether they bear the grievance out, then determines the
response; staff read it all back, members none of it, and bad input writes nothing."""

from __future__ import annotations

from tests.cases.test_authz import file_case, officer_post, read_back
from tests.events.helpers import wait_until

FINDINGS = [
    {"source": "interview", "finding": "Four workers say their passports are in the office."},
    {"source": "document", "finding": "The register lists 12 passports held 'for safety'."},
    {"source": "site_visit", "finding": "A locked cabinet of passports in the agent's office."},
]
VERIFIED = {"decision": "substantiated", "reasons": "Interviews, register and visit agree."}
RESPONSE = {
    "level": "initiative",
    "involvement": "contributed",
    "state_needed": True,
    "law_enforcement_needed": False,
    "referral_needed": True,
    "reasons": "The buyer's short lead times pushed the agent; the labour inspectorate must act.",
}


async def verified_and_answered(platform) -> str:
    case_id = await file_case(platform)
    await officer_post(platform, case_id, "/triage",
                       {"indicators": ["withheld_wages"], "severity": "medium"})  # fmt: skip
    await officer_post(platform, case_id, "/accept", {})
    for finding in FINDINGS:
        await officer_post(platform, case_id, "/findings", finding)
    await officer_post(platform, case_id, "/verification", VERIFIED)
    await officer_post(platform, case_id, "/advance", {"to": "response"})
    written = await officer_post(platform, case_id, "/response", RESPONSE)
    await read_back(platform, case_id, written["version"])
    return case_id


async def test_an_officer_verifies_and_determines_the_response_and_staff_read_it_back(platform):
    case_id = await verified_and_answered(platform)
    types = await platform.log_types(case_id)
    assert types[-2:] == ["ResponseDetermined", "ReferralRecommended"]
    body = (await platform.cases.get(f"/v1/cases/{case_id}", headers=platform.token())).json()
    assert [(f["source"], f["text"]) for f in body["findings"]] == [
        (f["source"], f["finding"]) for f in FINDINGS
    ]
    assert body["verification"] == VERIFIED
    assert body["response"] == RESPONSE
    assert body["referral_recommended"] is True

    # The findings were opened for the officer: the read is recorded, as for notes.
    # The read is an event: its record shows once the reads' view has it.
    async def recorded_read() -> bool:
        reads = (await platform.cases.get(f"/v1/cases/{case_id}/reads",
                                          headers=platform.token())).json()  # fmt: skip
        return any("findings" in item["fields"] for item in reads["items"])

    await wait_until(recorded_read)
    # Sealed in the log as the worker's words are: the text is nowhere in the event.
    events = await platform.system.store.read_stream(case_id)
    recorded = [e for e in events if e.type == "VerificationFindingRecorded"]
    assert FINDINGS[0]["finding"] not in recorded[0].data.model_dump_json()


async def test_a_member_sees_neither_findings_nor_the_response(platform):
    case_id = await verified_and_answered(platform)
    member = platform.member("acme-apparel")
    body = (await platform.cases.get(f"/v1/cases/{case_id}", headers=member)).json()
    assert not {"findings", "verification", "response"} & set(body)
    timeline = (await platform.cases.get(f"/v1/cases/{case_id}/timeline", headers=member)).json()
    types = {i["type"] for i in timeline["items"]}
    assert not types & {"VerificationFindingRecorded", "VerificationDecided",
                        "ResponseDetermined", "ReferralRecommended"}  # fmt: skip
    assert "StageEntered" in types


async def test_bad_input_and_forbidden_steps_answer_problems_and_write_nothing(platform):
    case_id = await file_case(platform)
    before = await platform.system.store.stream_version(case_id)
    officer = platform.token()
    answers = [
        # Not yet in verification: the process forbids it.
        (await platform.cases.post(f"/v1/cases/{case_id}/findings", json=FINDINGS[0],
                                   headers=officer), 409, "wrong-stage"),
        (await platform.cases.post(f"/v1/cases/{case_id}/findings",
                                   json={"source": "rumour", "finding": "x"},
                                   headers=officer), 422, "validation"),
        (await platform.cases.post(f"/v1/cases/{case_id}/findings",
                                   json={"source": "interview", "finding": "   "},
                                   headers=officer), 422, "validation"),
        (await platform.cases.post(f"/v1/cases/{case_id}/verification",
                                   json={"decision": "probably", "reasons": "x"},
                                   headers=officer), 422, "validation"),
        (await platform.cases.post(f"/v1/cases/{case_id}/response",
                                   json={**RESPONSE, "referral_needed": 1},
                                   headers=officer), 422, "validation"),
        (await platform.cases.post(f"/v1/cases/{case_id}/response",
                                   json={**RESPONSE, "involvement": "unrelated"},
                                   headers=officer), 422, "validation"),
    ]  # fmt: skip
    for answer, status, kind in answers:
        assert answer.status_code == status, answer.text
        assert answer.headers["content-type"].startswith("application/problem+json")
        assert answer.json()["type"].endswith(kind), answer.text
    await officer_post(platform, case_id, "/accept", {})
    refused = await platform.cases.post(
        f"/v1/cases/{case_id}/verification", json=VERIFIED, headers=officer
    )
    assert (refused.status_code, refused.json()["type"]) == (
        409, "urn:redress:problem:no-findings"
    )  # fmt: skip
    assert await platform.system.store.stream_version(case_id) == before + 1  # the accept
