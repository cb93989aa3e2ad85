"""Schemathesis with every check over what every service gets from the kit (health, ready,
the event catalogue, errors, the size limit): metrics serves only this so far, and intake,
cases, referral and assessment have runs of their own."""

import pytest

from tests.fuzz import schemathesis

pytestmark = pytest.mark.slow


async def test_schemathesis_finds_nothing_on_the_kit(service, token, tmp_path):
    _, app = service
    code, output, took = await schemathesis(app, f"Bearer {token()}", tmp_path)
    print(output[-3000:], f"\nschemathesis took {took:.1f}s")
    assert code == 0, output[-20000:]
    # Every operation the app documents was tested (/live, /health, /ready, ... and /v1/cases).
    operations = sum(len(ops) for ops in app.openapi()["paths"].values())
    assert operations >= 5 and f"{operations} total" in output, output[-3000:]
