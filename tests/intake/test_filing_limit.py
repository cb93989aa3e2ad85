"""Anonymous web filing is rate-limited per client and per tenant, without storing addresses."""

import pytest

from tests.intake.conftest import CLIENT_ADDRESS, TENANT, intake_settings, serving
from tests.intake.test_privacy import dump_database
from tests.intake.test_web import fresh_form, report_fields


async def send_report(harness, **headers):
    tokens = await fresh_form(harness)
    return await harness.client.post(
        f"/t/{TENANT}/report", data=report_fields(tokens), headers=headers
    )


@pytest.fixture
async def limited(system, tmp_path):
    settings = intake_settings(system, tmp_path).model_copy(
        update={
            "filing_burst_per_client": 2,
            "filings_per_hour_per_client": 4,
            "filing_burst_per_tenant": 5,
            "filings_per_hour_per_tenant": 100,
            "trusted_proxies": [CLIENT_ADDRESS[0]],
        }
    )
    async with serving(system, settings) as harness:
        yield harness


async def test_a_client_over_its_limit_gets_429_with_retry_after_and_files_nothing(limited):
    worker = {"X-Forwarded-For": "198.51.100.7"}
    for _ in range(2):
        assert (await send_report(limited, **worker)).status_code == 303
    before = await limited.events()
    refused = await send_report(limited, **worker)
    assert refused.status_code == 429, refused.text
    # A page in the worker's language that keeps what they typed (tests/intake/test_worker_errors)
    assert refused.headers["content-type"].startswith("text/html")
    assert "Overtime has not been paid for three months." in refused.text
    assert 800 <= int(refused.headers["retry-after"]) <= 900  # 4 an hour: one per 15 minutes
    assert await limited.events() == before
    # Another worker behind the same trusted proxy files on.
    assert (await send_report(limited, **{"X-Forwarded-For": "198.51.100.8"})).status_code == 303
    assert b"198.51.100.7" not in dump_database(limited.system.dsn)


async def test_the_tenant_has_a_ceiling_whoever_files(limited):
    answers = [
        (await send_report(limited, **{"X-Forwarded-For": f"198.51.100.{i}"})).status_code
        for i in range(7)
    ]
    assert answers == [303] * 5 + [429] * 2


async def test_forwarded_addresses_from_untrusted_peers_are_ignored(intake):
    # The default fixture trusts no proxy: a forged header does not buy a fresh bucket.
    statuses = [
        (await send_report(intake, **{"X-Forwarded-For": f"198.51.100.{i}"})).status_code
        for i in range(11)
    ]
    assert statuses == [303] * 10 + [429]
