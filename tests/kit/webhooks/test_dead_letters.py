"""Dead letters: a webhook that fails for 3 days is parked, holds back the later webhooks
of its key (other keys flow on), and an admin redelivers it (same webhook-id) or skips it."""

from __future__ import annotations

from datetime import timedelta

from redress.kit.webhooks import BreakerPolicy, GivenUp
from tests.kit.webhooks.conftest import TENANT, Outbox, register
from tests.kit.webhooks.receiver import Receiver

# Disabling the endpoint is another test's matter: here only one key fails.
PATIENT = BreakerPolicy(disable_after=timedelta(days=30))


async def retry_for_days(outbox: Outbox, worker, days: float) -> None:  # type: ignore[no-untyped-def]
    for _ in range(int(days * 24 * 2)):
        outbox.advance(minutes=30)
        await worker.tick()


async def test_a_dead_letter_holds_its_key_back_until_redelivered(
    outbox: Outbox, receiver: Receiver
) -> None:
    await register(outbox, receiver)
    receiver.fail_ids = {"msg_ref-a-1"}
    for key in ("ref-a", "ref-b"):
        for seq in (1, 2, 3):
            await outbox.enqueue("partner-1", key, seq)
    given_up = []

    async def tell_admins(conn, letter: GivenUp) -> None:  # type: ignore[no-untyped-def]
        # Told in the transaction that gives it up: the row is dead already on `conn`.
        state = await conn.fetchval(
            "SELECT state FROM hooks.webhook_deliveries WHERE id = $1", letter.delivery_id
        )
        given_up.append((letter, state))

    worker = outbox.deliverer(breaker=PATIENT, on_given_up=tell_admins)
    try:
        await worker.tick()
        assert receiver.order() == {"ref-b": [1, 2, 3]}  # the other key flows on
        await retry_for_days(outbox, worker, 3.5)
        async with outbox.pool.acquire() as conn:
            [dead] = await outbox.hooks.dead_letters(conn, TENANT)
        [(letter, state)] = given_up  # once, though its key waits behind it for days
        assert state == "dead" and letter.delivery_id == dead.id
        assert (letter.webhook_id, letter.tenant, letter.owner, letter.endpoint_id) == (
            dead.webhook_id, TENANT, "partner-1", dead.endpoint_id)  # fmt: skip
        assert letter.attempts == dead.attempts
        async with outbox.pool.acquire() as conn:
            attempts = await outbox.hooks.attempts(conn, TENANT, dead.id)
            later = await outbox.hooks.deliveries(conn, TENANT, ordering_key="ref-a")
        assert dead.webhook_id == "msg_ref-a-1" and dead.held_back == 2
        async with outbox.pool.acquire() as conn:
            assert await outbox.hooks.delivery(conn, TENANT, dead.id) == dead
            assert await outbox.hooks.delivery(conn, "other-tenant", dead.id) is None
        assert dead.last_status == 500 and dead.attempts == len(attempts)
        assert attempts[-1].at - attempts[0].at >= timedelta(days=3)  # the retry horizon
        assert [(d.sequence, d.state, d.attempts) for d in later] == [
            (1, "dead", dead.attempts),
            (2, "pending", 0),
            (3, "pending", 0),
        ]
        assert receiver.order() == {"ref-b": [1, 2, 3]}

        async with outbox.pool.acquire() as conn:
            assert not await outbox.hooks.redeliver(conn, "other-tenant", dead.id)
            assert await outbox.hooks.redeliver(conn, TENANT, dead.id)
            assert not await outbox.hooks.redeliver(conn, TENANT, dead.id)  # not dead now
        assert await worker.tick() == 1  # too early: the partner has not fixed it yet
        assert len(given_up) == 1  # failed again, but within its fresh horizon
        async with outbox.pool.acquire() as conn:
            [again] = await outbox.hooks.deliveries(conn, TENANT, ordering_key="ref-a", limit=1)
        # A redelivery starts the schedule anew: the next try in 15 s (+- 20 %), not 6 h.
        wait = again.next_attempt_at - outbox.clock.now()
        assert again.state == "pending"
        assert timedelta(seconds=12) <= wait <= timedelta(seconds=18)

        receiver.fail_ids = set()  # the partner fixed its side
        outbox.advance(minutes=11)  # past the breaker's longest wait
        await worker.tick()
    finally:
        await worker.close()
    assert receiver.order() == {"ref-b": [1, 2, 3], "ref-a": [1, 2, 3]}
    sent_for_a1 = [
        h["webhook-id"] for h in receiver.headers if h["webhook-id"].startswith("msg_ref-a-1")
    ]
    assert set(sent_for_a1) == {"msg_ref-a-1"} and len(sent_for_a1) == dead.attempts + 2
    assert await outbox.states() == {"delivered": 6}


async def test_a_skipped_dead_letter_lets_its_key_go_on(outbox: Outbox, receiver: Receiver) -> None:
    await register(outbox, receiver)
    receiver.fail_ids = {"msg_ref-a-1"}
    await outbox.enqueue("partner-1", "ref-a", 1)
    await outbox.enqueue("partner-1", "ref-a", 2)
    worker = outbox.deliverer(breaker=PATIENT)
    try:
        await retry_for_days(outbox, worker, 3.5)
        async with outbox.pool.acquire() as conn:
            [dead] = await outbox.hooks.dead_letters(conn, TENANT)
            assert not await outbox.hooks.skip(conn, "other-tenant", dead.id)
            assert await outbox.hooks.skip(conn, TENANT, dead.id)
            assert await outbox.hooks.dead_letters(conn, TENANT) == []
        await worker.tick()
    finally:
        await worker.close()
    assert receiver.order() == {"ref-a": [2]}
    assert await outbox.states() == {"skipped": 1, "delivered": 1}


async def test_a_foreign_tenant_sees_no_delivery(outbox: Outbox, receiver: Receiver) -> None:
    await register(outbox, receiver)
    await outbox.enqueue("partner-1", "ref-a", 1)
    async with outbox.pool.acquire() as conn:
        [mine] = await outbox.hooks.deliveries(conn, TENANT)
        assert await outbox.hooks.deliveries(conn, "other-tenant") == []
        assert await outbox.hooks.attempts(conn, "other-tenant", mine.id) == []
        assert await outbox.hooks.endpoints(conn, "other-tenant") == []
