"""Schemathesis with every check over the intake OpenAPI: no server error, every answer
documented (status, content type, schema, headers), valid input accepted and invalid refused."""

import pytest

from tests.fuzz import schemathesis

pytestmark = pytest.mark.slow


async def test_schemathesis_finds_nothing_on_intake(intake, tmp_path):
    token = intake.token(roles=("member", "operator", "admin", "auditor"))["Authorization"]
    code, output, took = await schemathesis(intake.app, token, tmp_path)
    print(output[-3000:], f"\nschemathesis took {took:.1f}s")
    assert code == 0, output[-20000:]
    assert "operations" in output.lower(), output[-2000:]
