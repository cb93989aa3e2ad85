"""A partner down for 10 minutes of a clock the test moves, while referrals are sent, updated
and closed through the referral service, then up again: every webhook is delivered, in order
per referral, each webhook-id processed once by the receiver's own dedupe.

The served apps with the relay write the referrals; the referral service's projection
enqueues their webhooks in its outbox, as in production. The service's own delivery worker
(on the system clock) is stopped, and a worker built on the same outbox with a fixed clock
delivers it, one tick per 30 s of that clock. The receiver is a real one on loopback that
verifies every request with `standardwebhooks`: the first five minutes it is not listening
(connections refused), the next five it answers 503.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from redress.events.projection import wait_for_version
from redress.events.timers import FixedClock
from redress.kit.webhooks import Deliverer
from redress.kit.webhooks.service import webhooks_for
from redress.referral.delivery import PartnerWebhooks
from tests.kit.webhooks.receiver import Receiver
from tests.referral.conftest import stop_delivery
from tests.referral.test_flow import PHONE, chosen
from tests.referral.test_webhooks import assert_clean, endpoint_for

REFERRALS = 3
TOLD = ["referral.sent", "referral.updated", "referral.closed"]
STEP = timedelta(seconds=30)


async def test_ten_minutes_down_then_every_webhook_in_order_once(platform):
    await stop_delivery(platform.referral_app)
    receiver = Receiver(secrets=[])
    await receiver.start()
    try:
        await _outage(platform, receiver)
    finally:
        await receiver.stop()


async def _outage(platform, receiver: Receiver) -> None:
    await platform.register_partners()
    made = await endpoint_for(platform, receiver)
    await receiver.stop()  # the partner is down from the start
    on_phone = platform.token(sub="officer-on-the-phone")
    partner = platform.partner()
    referrals = []
    for _ in range(REFERRALS):
        referral_id = await platform.file_and_escalate()
        await chosen(platform, referral_id)
        base = f"/v1/referrals/{referral_id}"
        await platform.post(f"{base}/partners/safe-home/consent", PHONE, on_phone)  # sent
        await platform.post(f"{base}/safety", {"imminent_danger": True})  # updated
        await platform.caught_up(referral_id)
        answers = f"/v1/partner/referrals/{referral_id}"
        await platform.post(f"{answers}/accept", None, partner)
        await platform.post(f"{answers}/close", {"outcome": "services_completed"}, partner)
        version = await platform.system.store.stream_version(referral_id)
        assert await wait_for_version(
            platform.system.pool, PartnerWebhooks(platform.settings), referral_id, version,
            timeout=30,
        )  # fmt: skip
        referrals.append(referral_id)

    hooks = webhooks_for("referral", platform.settings)
    clock = FixedClock(datetime.now(UTC))  # after every enqueue: everything is due now
    hooks.clock = clock
    pool = platform.system.pool
    expected = len(TOLD) * REFERRALS

    async def states() -> dict[str, int]:
        async with pool.acquire() as conn:
            rows = await conn.fetch(
                "SELECT state, count(*) AS n FROM referral.webhook_deliveries GROUP BY state"
            )
        return {r["state"]: r["n"] for r in rows}

    assert await states() == {"pending": expected}
    worker = Deliverer(pool, hooks, interval=0.05)
    tripped = False
    try:
        assert await worker.tick() == REFERRALS  # the head of each referral, refused
        for step in range(20):  # 10 minutes, 30 s at a time
            if step == 10:
                receiver.refusing = True  # listening again, but answering 503
                await receiver.start()
            clock.at += STEP
            await worker.tick()
            async with pool.acquire() as conn:
                endpoint = await hooks.endpoint(conn, "acme", made["endpoint_id"])
            assert endpoint is not None and endpoint.enabled
            tripped |= endpoint.circuit_open_until is not None
        assert tripped, "the breaker never opened during the outage"
        assert await states() == {"pending": expected}
        async with pool.acquire() as conn:
            # Only heads were tried: nothing later in a referral went before its predecessor.
            tried = await conn.fetch(
                """SELECT DISTINCT event_type FROM referral.webhook_deliveries
                   WHERE attempts > 0"""
            )
        assert [r["event_type"] for r in tried] == ["referral.sent"]
        assert receiver.processed == [] and receiver.requests > 0

        receiver.refusing = False  # the partner is back
        for _ in range(200):
            clock.at += STEP
            await worker.tick()
            if await states() == {"delivered": expected}:
                break
        assert await states() == {"delivered": expected}
    finally:
        await worker.close()

    assert_clean(receiver)
    for referral_id in referrals:
        told = [b["type"] for b in receiver.processed if b["subject"] == referral_id]
        assert told == TOLD, (referral_id, told)
    assert len(receiver.seen) == expected and all(n == 1 for n in receiver.seen.values())
    async with pool.acquire() as conn:
        delivered = await hooks.deliveries(conn, "acme", endpoint_id=made["endpoint_id"])
        ids = {d.webhook_id for d in delivered}
        attempts = [a for d in delivered for a in await hooks.attempts(conn, "acme", d.id)]
    assert ids == set(receiver.seen)
    # Refused, then 503, then delivered: each attempt recorded, and one success per webhook.
    assert {a.status for a in attempts} == {None, 503, 204}
    assert sum(a.status == 204 for a in attempts) == expected
