"""Schemathesis with every check over the intake OpenAPI: no server error, every answer
documented (status, content type, schema, headers), valid input accepted and invalid refused.

Sites are bound to ones that exist (a valid reference to a site that does not exist is
refused, rightly); failures accepted for a stated reason are in the baseline beside this file.
"""

from pathlib import Path

import pytest

from tests.fuzz import schemathesis

pytestmark = pytest.mark.slow

BASELINE = Path(__file__).with_name("schemathesis-baseline.json")

# pp-2 is the shared site of the test tenant; fuzz-1 is a site only this run registers.
CONFIG = """
[dictionaries.shared-site]
values = ["pp-2"]

[dictionaries.fuzzed-site]
values = ["fuzz-1"]

[[operations]]
include-path-regex = "^/v1/(operator/)?grievances$|^/v1/audits$"
parameters = { "body.site_id" = { dictionary = "shared-site" } }

[[operations]]
include-path = "/v1/sites/{site_id}"
parameters = { "site_id" = "fuzz-1", "body.site_id" = { dictionary = "fuzzed-site" } }
"""


# One test is the whole schemathesis run: its bound is the run's, on a loaded machine too.
@pytest.mark.timeout(900)
async def test_schemathesis_finds_nothing_on_intake(intake, tmp_path):
    headers = intake.token(roles=("member", "operator", "admin", "auditor"))
    audit = {"audit_date": "2026-01-05", "site_id": "pp-2",
             "workers": [{"phone": "+85512345678", "language": "km"}]}  # fmt: skip
    registered = await intake.client.post("/v1/audits", json=audit, headers=headers)
    assert registered.status_code == 201, registered.text
    # Read-your-writes on a stream that exists, at a version it has: otherwise each read
    # waits its full bound for a write that never comes, which is right, and slow.
    written = f'[parameters]\nstream = "{registered.json()["stream"]}"\nmin_version = 1\n'
    code, output, took = await schemathesis(
        intake.app, headers["Authorization"], tmp_path, config=written + CONFIG, baseline=BASELINE
    )
    print(output[-3000:], f"\nschemathesis took {took:.1f}s")
    assert code == 0, output[-20000:]
    assert "operations" in output.lower(), output[-2000:]
