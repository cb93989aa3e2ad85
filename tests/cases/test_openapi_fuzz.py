"""Schemathesis with every check over the cases OpenAPI, on a real case: no server error,
every answer documented (status, content type, schema, headers), valid input accepted and
invalid input refused. Failures accepted for a stated reason are in the baseline beside this
file."""

from pathlib import Path

import pytest

from tests.events.helpers import wait_until
from tests.fuzz import schemathesis

pytestmark = pytest.mark.slow

BASELINE = Path(__file__).with_name("schemathesis-baseline.json")

GRIEVANCE = {
    "country": "BD",
    "site_id": "dhaka-1",
    "category": "working_hours",
    "narrative": "Sixteen-hour shifts every day before the shipment.",
    "language": "bn",
}


# One test is the whole schemathesis run: its bound is the run's, on a loaded machine too.
@pytest.mark.timeout(900)
async def test_schemathesis_finds_nothing_on_cases(platform, tmp_path):
    filed = await platform.intake.post("/v1/grievances", json=GRIEVANCE, headers=platform.member())
    assert filed.status_code == 201, filed.text
    officer = platform.token(roles=("officer", "supervisor"))

    async def opened():
        answer = await platform.cases.get("/v1/cases", headers=officer)
        return answer.json()["items"]

    await wait_until(opened)
    (case,) = await opened()
    issue = await platform.cases.post(
        "/v1/systemic-issues",
        headers=officer,
        json={"title": "Shifts", "case_ids": [case["case_id"]]},
    )
    assert issue.status_code == 201, issue.text
    # The case exists at version 1 at least: reads do not wait out their bound. The issue
    # and the site exist too, so that their operations reach past 404.
    config = (
        f'[parameters]\ncase_id = "{case["case_id"]}"\nmin_version = 1\n'
        f'issue_id = "{issue.json()["stream"]}"\nsite_id = "dhaka-1"\n'
    )
    code, output, took = await schemathesis(
        platform.cases_app, officer["Authorization"], tmp_path, config=config, baseline=BASELINE,
    )  # fmt: skip
    print(output[-3000:], f"\nschemathesis took {took:.1f}s")
    assert code == 0, output[-20000:]
    assert "operations" in output.lower(), output[-2000:]
