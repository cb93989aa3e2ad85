"""A referral the officer finds needed when determining the response (IOM step 2) reaches
the referral service as a triage's recommendation does: by `ReferralRecommended`."""

from __future__ import annotations

from redress.cases.policies import case_stream
from redress.referral.policies import referral_stream
from tests.cases.test_authz import RESPONSE
from tests.events.helpers import wait_until
from tests.referral.conftest import GRIEVANCE, _has_version

# A wage grievance: triage alone recommends no referral.
WAGES = {**GRIEVANCE, "category": "wages_and_benefits", "narrative": "No pay since March."}


async def test_a_response_that_needs_a_referral_opens_one_with_what_triage_found(platform):
    operator = platform.token(("operator",), sub="operator-1")
    filed = await platform.intake.post("/v1/operator/grievances", json=WAGES, headers=operator)
    assert filed.status_code == 201, filed.text
    case_id = case_stream(filed.json()["grievance_id"])
    store = platform.system.store
    await wait_until(lambda: _has_version(store, case_id, 2))
    for path, body in [
        ("/triage", {"indicators": ["withheld_wages"], "severity": "medium"}),
        ("/accept", {}),
        ("/findings", {"source": "interview", "finding": "Five workers unpaid since March."}),
        ("/verification", {"decision": "substantiated", "reasons": "Payroll confirms it."}),
        ("/advance", {"to": "response"}),
    ]:
        answer = await platform.cases.post(
            f"/v1/cases/{case_id}{path}", json=body, headers=platform.token()
        )
        assert answer.status_code == 200, (path, answer.text)
    referral_id = referral_stream(case_id)
    assert await store.stream_version(referral_id) == 0  # nothing recommended so far
    answer = await platform.cases.post(
        f"/v1/cases/{case_id}/response",
        json={**RESPONSE, "referral_needed": True},
        headers=platform.token(),
    )
    assert answer.status_code == 200, answer.text
    await wait_until(lambda: _has_version(store, referral_id, 1))
    (opened,) = await store.read_stream(referral_id)
    assert opened.type == "ReferralOpened"
    assert opened.data.reasons == ("withheld_wages",)
