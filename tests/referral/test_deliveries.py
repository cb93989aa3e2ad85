"""Admins see and act on deliveries through the API: each endpoint's health and attempts,
dead letters redelivered or skipped, an endpoint the delivery disabled enabled again.

The served apps with the relay send real referrals; the service's own delivery worker is
stopped and a worker on the same outbox with a clock the test moves delivers it (3 days of
retries take one step of that clock). A real receiver on loopback verifies every request
with `standardwebhooks`; it answers 500 to the webhook-ids it is told to fail, or 410.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from redress.events.projection import wait_for_version
from redress.events.timers import FixedClock
from redress.kit.webhooks import Deliverer
from redress.kit.webhooks.service import webhooks_for
from redress.referral.delivery import PartnerWebhooks
from redress.referral.policies import directory_stream
from tests.kit.webhooks.receiver import Receiver
from tests.referral.conftest import stop_delivery
from tests.referral.test_flow import PHONE, chosen
from tests.referral.test_webhooks import assert_clean, deliveries, endpoint_for

HORIZON = timedelta(days=3, hours=7)  # past a delivery's 3 days of retries


class Delivering:
    """The outbox of the platform, delivered by a worker on a clock the test moves."""

    def __init__(self, platform) -> None:
        self.platform = platform
        self.hooks = webhooks_for("referral", platform.settings)
        self.clock = FixedClock(datetime.now(UTC))
        self.hooks.clock = self.clock
        self.worker = Deliverer(platform.system.pool, self.hooks, interval=0.05)

    async def tick(self, after: timedelta = timedelta(0)) -> int:
        self.clock.at += after
        return await self.worker.tick()


@pytest.fixture
async def receiver():
    receiver = Receiver(secrets=[])
    await receiver.start()
    yield receiver
    await receiver.stop()


async def sent_and_updated(platform) -> str:
    """A referral sent to the shelter by consent, then updated (a safety check): two webhooks
    of one referral, in the outbox."""
    referral_id = await platform.file_and_escalate()
    await chosen(platform, referral_id)
    base = f"/v1/referrals/{referral_id}"
    on_phone = platform.token(sub="officer-on-the-phone")
    await platform.post(f"{base}/partners/safe-home/consent", PHONE, on_phone)
    await platform.post(f"{base}/safety", {"imminent_danger": True})
    version = await platform.system.store.stream_version(referral_id)
    assert await wait_for_version(platform.system.pool, PartnerWebhooks(platform.settings),
                                  referral_id, version, timeout=30)  # fmt: skip
    return referral_id


async def admin_post(platform, path: str, key: str | None = None, status=200) -> dict:
    headers = platform.admin() | ({"Idempotency-Key": key} if key else {})
    answer = await platform.referral.post(path, headers=headers)
    assert answer.status_code == status, (path, answer.text)
    return answer.json()


async def admin_get(platform, path: str, **params) -> dict:
    answer = await platform.referral.get(path, params=params, headers=platform.admin())
    assert answer.status_code == 200, (path, answer.text)
    return answer.json()


async def test_a_dead_letter_is_listed_redelivered_once_per_key_and_its_referral_follows(
    platform, receiver
):
    await stop_delivery(platform.referral_app)
    await platform.register_partners()
    made = await endpoint_for(platform, receiver)
    stuck, flowing = await sent_and_updated(platform), await sent_and_updated(platform)
    head = (await deliveries(platform, stuck))[0]
    receiver.fail_ids = {head.webhook_id}
    out = Delivering(platform)
    try:
        await out.tick()  # the other referral flows on; the stuck one's head fails
        await out.tick(HORIZON)  # 3 days later it fails again: a dead letter
        letters = await admin_get(platform, "/v1/dead-letters")
        [letter] = letters["items"]
        assert letters["next"] is None
        assert (letter["delivery_id"], letter["referral_id"]) == (head.id, stuck)
        assert letter["event_type"] == "referral.sent" and letter["held_back"] == 1
        assert letter["state"] == "dead" and letter["last_status"] == 500
        assert letter["partner_id"] == "safe-home" and letter["attempts"] == 2

        # The endpoint's page of the API: its latest attempts, newest first, no bodies.
        path = f"/v1/partners/safe-home/endpoints/{made['endpoint_id']}/deliveries"
        report = await admin_get(platform, path)
        assert report["health"] == "failing" and report["dead_letters"] == 1
        statuses = [a["status"] for a in report["attempts"]]
        assert statuses[0] == 500 and statuses.count(204) == 2 and statuses.count(500) == 2
        assert all(a["latency_ms"] >= 0 for a in report["attempts"])
        assert "body" not in str(report) and "whsec_" not in str(report)

        # Redelivered with an Idempotency-Key: a retry answers the same, records nothing more.
        directory = directory_stream("acme")
        before = await platform.log_types(directory)
        route = f"/v1/dead-letters/{head.id}/redeliver"
        first = await admin_post(platform, route, key="redeliver-1")
        assert await admin_post(platform, route, key="redeliver-1") == first
        assert first["state"] == "pending" and first["stream"] == directory
        assert await platform.log_types(directory) == [*before, "DeadLetterRedelivered"]
        [event] = (await platform.system.store.read_stream(directory))[-1:]
        assert event.actor.id == "admin-1" and event.data.webhook_id == head.webhook_id
        refused = await admin_post(platform, route, status=409)  # not a dead letter now
        assert refused["type"] == "urn:redress:problem:not-dead"
        assert (await admin_get(platform, "/v1/dead-letters"))["items"] == []

        receiver.fail_ids = set()  # the partner fixed its side
        await out.tick()
        await out.tick(timedelta(minutes=1))
    finally:
        await out.worker.close()
    assert_clean(receiver)
    for referral_id in (stuck, flowing):
        told = [b["type"] for b in receiver.processed if b["subject"] == referral_id]
        assert told == ["referral.sent", "referral.updated"], (referral_id, told)
    assert receiver.seen[head.webhook_id] == 1  # processed once: the same webhook-id
    assert [d.state for d in await deliveries(platform, stuck)] == ["delivered", "delivered"]
    assert await platform.log_types(directory) == [*before, "DeadLetterRedelivered"]


async def test_a_skipped_dead_letter_lets_its_referral_go_on_without_it(platform, receiver):
    await stop_delivery(platform.referral_app)
    await platform.register_partners()
    await endpoint_for(platform, receiver)
    stuck = await sent_and_updated(platform)
    head = (await deliveries(platform, stuck))[0]
    receiver.fail_ids = {head.webhook_id}
    out = Delivering(platform)
    try:
        await out.tick()
        await out.tick(HORIZON)
        officer = await platform.referral.post(f"/v1/dead-letters/{head.id}/skip",
                                               headers=platform.token())  # fmt: skip
        assert officer.status_code == 403, officer.text
        other = platform.admin(tenant="globex")
        answer = await platform.referral.post(f"/v1/dead-letters/{head.id}/skip", headers=other)
        assert answer.status_code == 404, answer.text  # another tenant's reads as absent
        skipped = await admin_post(platform, f"/v1/dead-letters/{head.id}/skip", key="skip-1")
        assert skipped["state"] == "skipped"
        await out.tick()
    finally:
        await out.worker.close()
    assert_clean(receiver)
    assert [b["type"] for b in receiver.processed] == ["referral.updated"]
    assert [d.state for d in await deliveries(platform, stuck)] == ["skipped", "delivered"]
    types = await platform.log_types(directory_stream("acme"))
    assert types[-1] == "DeadLetterSkipped" and "DeadLetterRedelivered" not in types


async def test_an_endpoint_disabled_by_a_410_is_noticed_and_enabled_again(platform, receiver):
    await stop_delivery(platform.referral_app)
    await platform.register_partners()
    made = await endpoint_for(platform, receiver)
    endpoint = made["endpoint_id"]
    receiver.status = 410
    referral_id = await sent_and_updated(platform)
    out = Delivering(platform)
    try:
        await out.tick()
        notices = await admin_get(platform, "/v1/webhook-notices")
        [notice] = notices["items"]
        assert (notice["partner_id"], notice["endpoint_id"]) == ("safe-home", endpoint)
        assert "410" in notice["detail"] and notice["kind"] == "endpoint-disabled"
        path = f"/v1/partners/safe-home/endpoints/{endpoint}"
        report = await admin_get(platform, f"{path}/deliveries")
        assert report["health"] == "disabled" and "410" in report["disabled_reason"]
        assert await out.tick(timedelta(hours=1)) == 0  # disabled: nothing sent

        wrong = await admin_post(platform, f"/v1/partners/nrm-bd/endpoints/{endpoint}/enable",
                                 status=404)  # fmt: skip
        assert wrong["type"] == "urn:redress:problem:unknown-endpoint"
        receiver.status = 204  # the partner wants webhooks again
        enabled = await admin_post(platform, f"{path}/enable", key="enable-1")
        assert enabled["state"] == "enabled"
        assert await admin_post(platform, f"{path}/enable", key="enable-1") == enabled
        again = await admin_post(platform, f"{path}/enable", status=409)
        assert again["type"] == "urn:redress:problem:endpoint-enabled"
        assert (await admin_get(platform, "/v1/webhook-notices"))["items"] == []
        await out.tick()
        await out.tick(timedelta(seconds=1))
        report = await admin_get(platform, f"{path}/deliveries")
        assert report["health"] == "healthy"
    finally:
        await out.worker.close()
    assert_clean(receiver)
    told = [b["type"] for b in receiver.processed if b["subject"] == referral_id]
    assert told == ["referral.sent", "referral.updated"]
    types = await platform.log_types(directory_stream("acme"))
    assert types.count("WebhookEndpointEnabled") == 1
