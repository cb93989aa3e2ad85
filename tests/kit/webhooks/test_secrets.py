"""Secrets: Standard Webhooks' format, sealed at rest (bound to their endpoint), and the
retry and breaker schedules as documented."""

from __future__ import annotations

import os
from datetime import timedelta

import pytest
from standardwebhooks import Webhook

from redress.kit.keyset import derive
from redress.kit.webhooks import BadSecret, BreakerPolicy, RetryPolicy, SecretBox, new_secret
from redress.kit.webhooks.secrets import check_secret
from tests.kit.webhooks.conftest import SCHEMA, TENANT, Outbox


def test_a_new_secret_is_one_the_reference_library_takes() -> None:
    secret = new_secret()
    assert secret.startswith("whsec_") and secret != new_secret()
    Webhook(secret)  # accepted as is
    assert check_secret(secret) == secret
    for bad in ("whsec_short", "not-prefixed" + secret[6:], "whsec_!!!!"):
        with pytest.raises(BadSecret):
            check_secret(bad)


async def test_secrets_are_sealed_at_rest_and_bound_to_their_endpoint(outbox: Outbox) -> None:
    async with outbox.pool.acquire() as conn:
        made = await outbox.hooks.add_endpoint(
            conn, tenant=TENANT, owner="p", url="http://127.0.0.1:9/x"
        )
        other = await outbox.hooks.add_endpoint(
            conn, tenant=TENANT, owner="q", url="http://127.0.0.1:9/y"
        )
        rows = await conn.fetch(f"SELECT id, endpoint_id, sealed FROM {SCHEMA}.webhook_secrets")
        dumped = await conn.fetchval(
            f"SELECT string_agg(t::text, '') FROM {SCHEMA}.webhook_secrets t"
        )
        assert await outbox.hooks.signing_secrets(conn, made.endpoint.id) == [made.secret]
    raw = made.secret.removeprefix("whsec_")
    assert raw not in dumped and made.secret not in dumped
    mine = next(r for r in rows if r["endpoint_id"] == made.endpoint.id)
    # Moved to another endpoint's row, or opened with another root, it does not open.
    with pytest.raises(BadSecret):
        outbox.hooks.box.open(mine["sealed"], f"webhook-secret:{other.endpoint.id}:{mine['id']}")
    with pytest.raises(BadSecret):
        SecretBox(os.urandom(32)).open(
            mine["sealed"], f"webhook-secret:{made.endpoint.id}:{mine['id']}"
        )


def test_the_box_of_a_deployment_comes_from_its_root_secret() -> None:
    root = os.urandom(32)
    sealed = SecretBox.from_root(root).seal("whsec_x", "c")
    assert SecretBox.from_root(root).open(sealed, "c") == "whsec_x"
    assert SecretBox(derive(root, "webhook-signing-secrets")).open(sealed, "c") == "whsec_x"


def test_retries_span_more_than_three_days_with_growing_waits() -> None:
    policy = RetryPolicy()
    waits = policy.schedule()
    assert sum(waits, timedelta()) >= timedelta(days=3)
    assert waits[:6] == [
        timedelta(seconds=15),
        timedelta(minutes=1),
        timedelta(minutes=4),
        timedelta(minutes=16),
        timedelta(minutes=64),
        timedelta(minutes=256),
    ]
    assert all(w == timedelta(hours=6) for w in waits[6:]) and len(waits) == 18
    assert policy.delay(1, lambda: 0.0) == timedelta(seconds=12)  # jitter: -20 %
    assert policy.delay(1, lambda: 1.0) == timedelta(seconds=18)  # +20 %


def test_the_breaker_waits_twice_as_long_each_time_up_to_its_cap() -> None:
    breaker = BreakerPolicy()
    assert [breaker.open_for(n).total_seconds() for n in range(1, 7)] == [
        30,
        60,
        120,
        240,
        480,
        600,
    ]
