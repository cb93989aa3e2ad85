"""Schemathesis with every check over the referral OpenAPI, on a real referral sent to a
partner: no server error, every answer documented, valid input accepted and invalid input
refused. Failures accepted for a stated reason are in the baseline beside this file."""

from pathlib import Path

import pytest

from tests.fuzz import schemathesis

pytestmark = pytest.mark.slow

BASELINE = Path(__file__).with_name("schemathesis-baseline.json")


async def test_schemathesis_finds_nothing_on_referral(platform, tmp_path):
    await platform.register_partners()
    referral_id = await platform.file_and_escalate()
    base = f"/v1/referrals/{referral_id}"
    await platform.post(f"{base}/safety", {"imminent_danger": True})
    await platform.post(f"{base}/partners", {"partner_id": "safe-home", "services": ["shelter"]})
    staff = platform.token(roles=("officer", "admin"))
    code, output, took = await schemathesis(
        platform.referral_app, staff["Authorization"], tmp_path,
        config=f'[parameters]\nreferral_id = "{referral_id}"\npartner_id = "safe-home"\n'
        "min_version = 1\n",
        baseline=BASELINE if BASELINE.exists() else None,
    )  # fmt: skip
    print(output[-3000:], f"\nschemathesis took {took:.1f}s")
    assert code == 0, output[-20000:]
    assert "operations" in output.lower(), output[-2000:]
