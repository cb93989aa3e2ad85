"""Schemathesis with every check over the assessment OpenAPI, on real assessments, with a
member's token and with an officer's: no server error, every answer documented, valid input
accepted and invalid input refused. Failures accepted for a stated reason are in the
baseline beside this file."""

from pathlib import Path

import pytest

from tests.fuzz import schemathesis

pytestmark = pytest.mark.slow

BASELINE = Path(__file__).with_name("schemathesis-baseline.json")


async def run(platform, workdir: Path, authorization: str, assessment_id: str) -> None:
    code, output, took = await schemathesis(
        platform.app, authorization, workdir,
        config=f'[parameters]\nassessment_id = "{assessment_id}"\ncriterion = "gov-l2"\n'
        'framework = "gm-journey"\nversion = 1\norg = "acme-apparel"\nmin_version = 1\n',
        baseline=BASELINE if BASELINE.exists() else None,
    )  # fmt: skip
    print(output[-3000:], f"\nschemathesis took {took:.1f}s")
    assert code == 0, output[-20000:]
    assert "operations" in output.lower(), output[-2000:]


async def test_schemathesis_finds_nothing_on_assessment(platform, tmp_path):
    draft = await platform.start()
    challenged = await platform.submitted(["gov-l1", "gov-l2"])
    await platform.post(f"/v1/assessments/{challenged}/answers/gov-l2/challenge",
                        {"comment": "Why?"}, platform.token())  # fmt: skip
    for who in ("member", "officer"):
        (tmp_path / who).mkdir()
    await run(platform, tmp_path / "member", platform.member()["Authorization"], draft)
    await run(platform, tmp_path / "officer", platform.token()["Authorization"], challenged)
