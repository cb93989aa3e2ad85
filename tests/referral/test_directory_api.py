"""The directory's admin API on real servers: partners, endpoints whose secrets are answered
once and never stored, rotation with an overlap, the acknowledgement time frame."""

from __future__ import annotations

import base64
from datetime import UTC, datetime, timedelta

from redress.events.timers import FixedClock
from redress.kit.keyset import derive, root_secret
from redress.referral.directory import DIRECTORY
from redress.referral.policies import directory_stream
from redress.referral.secrets import PURPOSE, signing_secrets, webhook_secret
from tests.referral.conftest import SHELTER
from tests.referral.test_flow import PHONE, chosen

# Far ahead of the system clock, so that the app's own scheduler never finds the referral due.
NOW = datetime(2100, 3, 2, 4, 0, tzinfo=UTC)


def test_a_webhook_secret_is_a_standard_webhooks_secret_of_its_own_per_version():
    key = b"k" * 32
    secret = webhook_secret(key, "acme", "safe-home", "ep_1", "s1")
    assert secret.startswith("whsec_") and len(base64.b64decode(secret[6:])) == 32
    assert secret == webhook_secret(key, "acme", "safe-home", "ep_1", "s1")
    others = {
        webhook_secret(key, *args)
        for args in (
            ("other", "safe-home", "ep_1", "s1"),
            ("acme", "nrm-bd", "ep_1", "s1"),
            ("acme", "safe-home", "ep_2", "s1"),
            ("acme", "safe-home", "ep_1", "s2"),
        )
    }
    assert len(others) == 4 and secret not in others
    assert webhook_secret(b"x" * 32, "acme", "safe-home", "ep_1", "s1") != secret


async def test_an_endpoints_secret_is_answered_once_and_never_recorded(platform):
    admin = platform.admin()
    platform.referral_app.state.runtime.extras["referral"].clock = FixedClock(NOW)
    assert (
        await platform.referral.put("/v1/partners/safe-home", json=SHELTER, headers=admin)
    ).status_code == 200
    added = await platform.post(
        "/v1/partners/safe-home/endpoints", {"url": "https://hooks.safehome.example/redress"}, admin
    )
    endpoint = added["endpoint_id"]
    rotated = await platform.post(
        f"/v1/partners/safe-home/endpoints/{endpoint}/rotate", {"overlap_hours": 24}, admin
    )
    assert rotated["previous_until"] == (NOW + timedelta(hours=24)).isoformat().replace(
        "+00:00", "Z"
    )
    assert added["secret"] != rotated["secret"]
    # Nothing that signs is in the log or the read models, and no read shows it again.
    await platform.caught_up(directory_stream("acme"))
    async with platform.system.pool.acquire() as conn:
        log = await conn.fetchval("SELECT string_agg(data::text, ' ') FROM eventlog.events")
        views = await conn.fetchval("SELECT string_agg(secrets::text, ' ') FROM referral.endpoints")
    for secret in (added["secret"], rotated["secret"]):
        assert secret not in log and secret[6:] not in log and secret not in views
    shown = await platform.referral.get("/v1/partners/safe-home", headers=admin)
    assert "whsec_" not in shown.text and shown.json()["endpoints"][0]["endpoint_id"] == endpoint
    # During the overlap both secrets sign; the signer derives them from the ids.
    stream = directory_stream("acme")
    state = DIRECTORY.fold(stream, await platform.system.store.read_stream(stream))
    versions = state.partners["safe-home"].endpoints[endpoint]
    key = derive(root_secret(platform.settings), PURPOSE)
    during = signing_secrets(key, "acme", "safe-home", endpoint, versions.signing(NOW))
    after = signing_secrets(
        key, "acme", "safe-home", endpoint, versions.signing(NOW + timedelta(hours=25))
    )
    assert during == [added["secret"], rotated["secret"]] and after == [rotated["secret"]]


async def test_officers_read_the_directory_without_endpoints_and_cannot_change_it(platform):
    admin, officer = platform.admin(), platform.token()
    await platform.referral.put("/v1/partners/safe-home", json=SHELTER, headers=admin)
    await platform.post("/v1/partners/safe-home/endpoints", {"url": "https://h.example/x"}, admin)
    await platform.caught_up(directory_stream("acme"))
    shown = (await platform.referral.get("/v1/partners/safe-home", headers=officer)).json()
    assert shown["name"] == SHELTER["name"] and "endpoints" not in shown
    answer = await platform.referral.put("/v1/partners/safe-home", json=SHELTER, headers=officer)
    assert answer.status_code == 403


async def test_bad_directory_input_is_refused_and_writes_nothing(platform):
    admin, store = platform.admin(), platform.system.store
    await platform.referral.put("/v1/partners/safe-home", json=SHELTER, headers=admin)
    before = await store.stream_version(directory_stream("acme"))
    for method, path, body in [
        ("PUT", "/v1/partners/x", SHELTER | {"languages": ["xx"]}),
        ("PUT", "/v1/partners/x", SHELTER | {"countries": []}),
        ("PUT", "/v1/partners/Bad Id", SHELTER),
        ("POST", "/v1/partners/safe-home/endpoints", {"url": "https://user:pw@h.example/x"}),
        ("POST", "/v1/partners/safe-home/endpoints", {"url": "ftp://h.example/x"}),
        ("POST", "/v1/partners/nobody/endpoints", {"url": "https://h.example/x"}),
        ("POST", "/v1/partners/safe-home/endpoints/ep_nothere/rotate", {"overlap_hours": 200}),
        ("PUT", "/v1/referral-settings", {"acknowledge_hours": 0}),
    ]:
        answer = await platform.referral.request(method, path, json=body, headers=admin)
        assert 400 <= answer.status_code < 500, (path, answer.text)
        assert answer.headers["content-type"] == "application/problem+json", path
    assert await store.stream_version(directory_stream("acme")) == before


async def test_the_tenants_acknowledgement_time_frame_sets_when_a_referral_is_due(platform):
    await platform.register_partners()
    admin = platform.admin()
    assert (await platform.referral.get("/v1/referral-settings", headers=admin)).json() == {
        "acknowledge_hours": 72
    }
    await platform.referral.put(
        "/v1/referral-settings", json={"acknowledge_hours": 48}, headers=admin
    )
    referral_id = await platform.file_and_escalate()
    await chosen(platform, referral_id)
    platform.referral_app.state.runtime.extras["referral"].clock = FixedClock(NOW)
    await platform.post(f"/v1/referrals/{referral_id}/partners/safe-home/consent", PHONE)
    sent = (await platform.system.store.read_stream(referral_id))[-1].data
    assert sent.acknowledge_by == NOW + timedelta(hours=48)
