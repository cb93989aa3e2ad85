"""A partner down for 10 minutes of a clock the test moves, then up again: every webhook is
delivered, in order per key, each webhook-id processed once by the receiver's dedupe."""

from __future__ import annotations

from redress.kit.webhooks import Deliverer
from tests.kit.webhooks.conftest import TENANT, Outbox, register
from tests.kit.webhooks.receiver import Receiver

KEYS = [f"ref-{n}" for n in range(6)]
PER_KEY = 4


async def step(outbox: Outbox, worker: Deliverer, seconds: float) -> int:
    outbox.advance(seconds=seconds)
    return await worker.tick()


async def test_ten_minutes_down_then_everything_in_order_once(
    outbox: Outbox, receiver: Receiver
) -> None:
    made = await register(outbox, receiver)
    await receiver.stop()  # connections refused
    for seq in range(1, PER_KEY + 1):
        for key in KEYS:
            await outbox.enqueue("partner-1", key, seq)
    worker = outbox.deliverer()
    try:
        assert await worker.tick() == len(KEYS)  # the head of each key, refused
        tripped = False
        for _ in range(20):  # 10 minutes, 30 s at a time
            await step(outbox, worker, 30)
            async with outbox.pool.acquire() as conn:
                endpoint = await outbox.hooks.endpoint(conn, TENANT, made.endpoint.id)
            assert endpoint is not None and endpoint.enabled
            tripped |= endpoint.circuit_open_until is not None
        assert tripped, "the breaker never opened during the outage"
        assert await outbox.states() == {"pending": len(KEYS) * PER_KEY}
        # Only heads were tried: nothing later in a key went out before its predecessor.
        async with outbox.pool.acquire() as conn:
            tried = await conn.fetchval(
                "SELECT count(*) FROM hooks.webhook_deliveries WHERE attempts > 0 AND sequence > 1"
            )
        assert tried == 0

        await receiver.start()  # same port: the partner is back
        for _ in range(200):
            await step(outbox, worker, 30)
            if await outbox.states() == {"delivered": len(KEYS) * PER_KEY}:
                break
        assert await outbox.states() == {"delivered": len(KEYS) * PER_KEY}
    finally:
        await worker.close()

    assert receiver.rejected == []
    assert receiver.order() == {key: list(range(1, PER_KEY + 1)) for key in KEYS}
    assert sorted(receiver.seen) == sorted(f"msg_{k}-{s}" for k in KEYS for s in range(1, 5))
    assert all(n == 1 for n in receiver.seen.values())
    async with outbox.pool.acquire() as conn:
        [first] = await outbox.hooks.deliveries(conn, TENANT, ordering_key="ref-0", limit=1)
        attempts = await outbox.hooks.attempts(conn, TENANT, first.id)
    assert attempts[-1].status == 204 and all(a.status is None for a in attempts[:-1])
    assert len(attempts) >= 2 and all(a.error for a in attempts[:-1])
