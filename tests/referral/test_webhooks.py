"""Partners receive signed webhooks: the served apps with the relay, the referral service's own
delivery worker, and a real receiver on loopback (uvicorn) that verifies every request with
`standardwebhooks` and dedupes by webhook-id, as a partner would."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator

import pytest

from redress.events.catalogue.grievance_answers import ConsentAnswer, ReferralConsentAnswered
from redress.events.envelope import Actor, Metadata
from redress.events.projection import ProjectionRunner, wait_for_version
from redress.kit.webhooks.service import webhooks_for
from redress.referral.delivery import PartnerWebhooks
from tests.cases.test_rebuild import stop_live_runners
from tests.events.helpers import wait_until
from tests.kit.webhooks.receiver import Receiver
from tests.referral.conftest import GRIEVANCE
from tests.referral.test_flow import PHONE, chosen, disclosures

PRIVATE = (GRIEVANCE["narrative"], GRIEVANCE["contact"]["name"],
           GRIEVANCE["contact"]["phone_or_email"])  # fmt: skip


@pytest.fixture
async def receivers() -> AsyncIterator[list[Receiver]]:
    started: list[Receiver] = []

    async def start() -> Receiver:
        receiver = Receiver(secrets=[])
        await receiver.start()
        started.append(receiver)
        return receiver

    yield start  # type: ignore[misc]
    for receiver in started:
        await receiver.stop()


async def endpoint_for(platform, receiver: Receiver, partner: str = "safe-home") -> dict:
    added = await platform.post(
        f"/v1/partners/{partner}/endpoints", {"url": receiver.url}, platform.admin()
    )
    receiver.secrets[:] = [added["secret"]]
    return added


def told(receiver: Receiver, referral_id: str) -> list[tuple[str, dict]]:
    return [(b["type"], b["data"]) for b in receiver.processed if b["subject"] == referral_id]


async def until_told(receiver: Receiver, referral_id: str, kind: str) -> None:
    async def arrived() -> bool:
        return any(t == kind for t, _ in told(receiver, referral_id))

    await wait_until(arrived, timeout=30)


async def deliveries(platform, referral_id: str) -> list:
    hooks = webhooks_for("referral", platform.settings)
    async with platform.system.pool.acquire() as conn:
        return await hooks.deliveries(conn, "acme", ordering_key=referral_id)


def assert_clean(receiver: Receiver) -> None:
    """Every request verified, each webhook-id processed once, no personal data sent."""
    assert receiver.rejected == []
    assert len(receiver.processed) == len(receiver.seen)
    for body in receiver.bodies:
        assert not any(p.encode() in body for p in PRIVATE), body
    for headers, body in zip(receiver.headers, receiver.bodies, strict=True):
        assert headers["webhook-id"] == f"msg_{json.loads(body)['id']}"
        assert "." not in headers["webhook-id"]


async def test_the_partner_is_sent_the_referral_and_its_revocation_signed_and_in_order(
    platform, receivers
):
    shelter = await receivers()
    await platform.register_partners()
    await endpoint_for(platform, shelter)
    referral_id = await platform.file_and_escalate()
    await chosen(platform, referral_id)
    on_phone = platform.token(sub="officer-on-the-phone")
    await platform.post(f"/v1/referrals/{referral_id}/partners/safe-home/consent", PHONE, on_phone)
    await until_told(shelter, referral_id, "referral.sent")
    (sent,) = [b for b in shelter.processed if b["subject"] == referral_id]
    assert sent["specversion"] == "1.0" and sent["source"] == "/redress/referral"
    assert sent["data"] == {
        "referral_id": referral_id,
        "status": "sent",
        "personal_fields": ["contact"],
    }
    partner = platform.partner()
    await platform.caught_up(referral_id)
    read = await platform.referral.get(
        f"/v1/partner/referrals/{referral_id}/personal", headers=partner
    )
    assert read.status_code == 200, read.text

    # The worker withdraws consent on the status page (what intake records).
    opened = (await platform.system.store.read_stream(referral_id))[0].data
    answered = ReferralConsentAnswered(
        grievance_id=opened.grievance_id,
        referral_id=referral_id,
        partner_id="safe-home",
        answer=ConsentAnswer.revoked,
    )
    store, stream = platform.system.store, f"grievance-{opened.grievance_id}"
    worker = Metadata(tenant="acme", actor=Actor(id="worker", role="worker"))
    await store.append(stream, [answered], await store.stream_version(stream), worker)
    await until_told(shelter, referral_id, "referral.revoked")
    assert told(shelter, referral_id) == [
        ("referral.sent", sent["data"]),
        ("referral.revoked", {"referral_id": referral_id, "status": "revoked",
                              "personal_fields": []}),
    ]  # fmt: skip
    await platform.caught_up(referral_id)
    refused = await platform.referral.get(
        f"/v1/partner/referrals/{referral_id}/personal", headers=partner
    )
    assert refused.status_code == 410, refused.text
    assert len(await disclosures(platform, referral_id)) == 1  # the one read before
    assert_clean(shelter)
    assert shelter.headers[0]["content-type"].startswith("application/cloudevents+json")
    states = [(d.event_type, d.state) for d in await deliveries(platform, referral_id)]
    assert states == [("referral.sent", "delivered"), ("referral.revoked", "delivered")]


async def test_a_declined_consent_sends_that_partner_nothing_about_the_worker(platform, receivers):
    nrm, shelter = await receivers(), await receivers()
    await platform.register_partners()
    nrm_endpoint = await endpoint_for(platform, nrm, "nrm-bd")
    await endpoint_for(platform, shelter)
    referral_id = await platform.file_and_escalate()
    choice = {"partner_id": "nrm-bd", "services": ["protection"], "fields": ["narrative"]}
    await chosen(platform, referral_id, choice)
    no = PHONE | {"answer": "declined", "fields": []}
    await platform.post(f"/v1/referrals/{referral_id}/partners/nrm-bd/consent", no)
    # The control: the same referral then goes to the shelter, with consent; once the
    # shelter has it, everything before it in the log has been turned into webhooks.
    await platform.post(
        f"/v1/referrals/{referral_id}/partners",
        {"partner_id": "safe-home", "fields": ["contact"], "services": ["shelter"]},
    )
    on_phone = platform.token(sub="officer-on-the-phone")
    await platform.post(f"/v1/referrals/{referral_id}/partners/safe-home/consent", PHONE, on_phone)
    await until_told(shelter, referral_id, "referral.sent")
    version = await platform.system.store.stream_version(referral_id)
    assert await wait_for_version(
        platform.system.pool, PartnerWebhooks(platform.settings), referral_id, version, timeout=30
    )
    sent_to = {d.endpoint_id for d in await deliveries(platform, referral_id)}
    assert nrm_endpoint["endpoint_id"] not in sent_to and sent_to  # the shelter's only
    assert nrm.requests == 0 and nrm.processed == []
    assert_clean(shelter)
    read = await platform.referral.get(
        f"/v1/partner/referrals/{referral_id}/personal", headers=platform.partner("nrm-bd")
    )
    assert read.status_code == 404, read.text
    assert await disclosures(platform, referral_id) == []


async def test_during_a_rotation_a_receiver_holding_either_secret_verifies(platform, receivers):
    shelter = await receivers()
    await platform.register_partners()
    added = await endpoint_for(platform, shelter)
    rotated = await platform.post(
        f"/v1/partners/safe-home/endpoints/{added['endpoint_id']}/rotate",
        {"overlap_hours": 24},
        platform.admin(),
    )
    assert rotated["secret"] != added["secret"]
    # Every request must verify with the old secret and with the new one.
    shelter.secrets[:] = [added["secret"], rotated["secret"]]
    referral_id = await platform.file_and_escalate()
    await chosen(platform, referral_id)
    on_phone = platform.token(sub="officer-on-the-phone")
    await platform.post(f"/v1/referrals/{referral_id}/partners/safe-home/consent", PHONE, on_phone)
    await until_told(shelter, referral_id, "referral.sent")
    assert_clean(shelter)
    signatures = shelter.headers[-1]["webhook-signature"].split()
    assert len(signatures) == 2 and all(s.startswith("v1,") for s in signatures)


async def test_replaying_the_webhooks_projection_changes_nothing_and_enqueues_nothing(
    platform, receivers
):
    shelter = await receivers()
    system = platform.system
    await platform.register_partners()
    added = await endpoint_for(platform, shelter)
    await platform.post(
        f"/v1/partners/safe-home/endpoints/{added['endpoint_id']}/rotate",
        {"overlap_hours": 24},
        platform.admin(),
    )
    gone = await endpoint_for(platform, await receivers(), "nrm-bd")
    await platform.referral.delete(
        f"/v1/partners/nrm-bd/endpoints/{gone['endpoint_id']}", headers=platform.admin()
    )
    referral_id = await platform.file_and_escalate()
    await chosen(platform, referral_id)
    on_phone = platform.token(sub="officer-on-the-phone")
    await platform.post(f"/v1/referrals/{referral_id}/partners/safe-home/consent", PHONE, on_phone)
    await until_told(shelter, referral_id, "referral.sent")

    async def recorded_delivered() -> bool:
        # The partner answers before the sender records it: the record comes a moment later.
        return [d.state for d in await deliveries(platform, referral_id)] == ["delivered"]

    await wait_until(recorded_delivered, timeout=30)
    await stop_live_runners(platform, platform.referral_app)
    hooks = webhooks_for("referral", platform.settings)

    async def outbox() -> tuple:
        async with system.pool.acquire() as conn:
            endpoints = await hooks.endpoints(conn, "acme")
            signing = [await hooks.signing_secrets(conn, e.id) for e in endpoints]
        return endpoints, signing, await deliveries(platform, referral_id)

    before = await outbox()
    endpoints, signing, sent = before
    assert [e.id for e in endpoints] == [added["endpoint_id"]] and len(signing[0]) == 2
    assert [(d.event_type, d.state) for d in sent] == [("referral.sent", "delivered")]
    runner = ProjectionRunner(
        PartnerWebhooks(platform.settings), system.pool, system.js, system.bus, store=system.store
    )
    await runner.replay()
    assert await outbox() == before
