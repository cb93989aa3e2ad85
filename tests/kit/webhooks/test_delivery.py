"""Delivery to a real receiver: signed as Standard Webhooks, CloudEvents in the body, once
per webhook-id, in order per key, and only if the caller's transaction commits."""

from __future__ import annotations

import json

import pytest

from redress.kit.webhooks import BadMessage
from tests.kit.webhooks.conftest import SCHEMA, TENANT, Outbox, message, register
from tests.kit.webhooks.receiver import Receiver


async def test_each_request_verifies_and_carries_a_cloudevent(
    outbox: Outbox, receiver: Receiver
) -> None:
    await register(outbox, receiver)
    assert await outbox.enqueue("partner-1", "ref-1", 1) == 1
    worker = outbox.deliverer()
    try:
        assert await worker.tick() == 1
    finally:
        await worker.close()

    assert receiver.rejected == []
    [event] = receiver.processed
    assert event == {
        "specversion": "1.0",
        "id": "ref-1-1",
        "source": "/tests/webhooks",
        "type": "org.example.thing.updated",
        "time": "2026-01-01T00:00:00Z",
        "datacontenttype": "application/json",
        "subject": "ref-1",
        "data": {"seq": 1},
    }
    [headers] = receiver.headers
    assert headers["webhook-id"] == "msg_ref-1-1"
    assert headers["content-type"] == "application/cloudevents+json; charset=utf-8"
    assert len(headers["webhook-signature"].split(" ")) == 1
    async with outbox.pool.acquire() as conn:
        [delivery] = await outbox.hooks.deliveries(conn, TENANT)
        attempts = await outbox.hooks.attempts(conn, TENANT, delivery.id)
    assert delivery.state == "delivered" and delivery.attempts == 1
    assert [(a.attempt, a.status, a.error) for a in attempts] == [(1, 204, None)]
    assert attempts[0].latency_ms >= 0


async def test_a_receiver_with_another_secret_refuses_every_request(
    outbox: Outbox, receiver: Receiver
) -> None:
    """The control: verification really tells a good signature from a bad one."""
    made = await register(outbox, receiver)
    receiver.secrets[:] = [made.secret[:-8] + "AAAAAAA="]
    await outbox.enqueue("partner-1", "ref-1", 1)
    worker = outbox.deliverer()
    try:
        await worker.tick()
    finally:
        await worker.close()
    assert len(receiver.rejected) == 1 and receiver.processed == []
    assert await outbox.states() == {"pending": 1}


async def test_order_per_key_and_each_id_once(outbox: Outbox, receiver: Receiver) -> None:
    await register(outbox, receiver)
    for seq in range(1, 6):
        for key in ("ref-a", "ref-b", "ref-c"):
            await outbox.enqueue("partner-1", key, seq)
    worker = outbox.deliverer()
    try:
        # One round sends the head of each key; the next ones follow round after round.
        assert await worker.tick() == 15
    finally:
        await worker.close()
    assert receiver.rejected == []
    assert receiver.order() == {k: [1, 2, 3, 4, 5] for k in ("ref-a", "ref-b", "ref-c")}
    assert all(n == 1 for n in receiver.seen.values()) and len(receiver.seen) == 15


async def test_enqueue_again_is_the_same_delivery(outbox: Outbox, receiver: Receiver) -> None:
    await register(outbox, receiver)
    assert await outbox.enqueue("partner-1", "ref-1", 1) == 1
    assert await outbox.enqueue("partner-1", "ref-1", 1) == 0
    assert await outbox.states() == {"pending": 1}


async def test_nothing_is_enqueued_when_the_callers_transaction_rolls_back(
    outbox: Outbox, receiver: Receiver
) -> None:
    await register(outbox, receiver)
    with pytest.raises(RuntimeError):
        async with outbox.pool.acquire() as conn, conn.transaction():
            made = await outbox.hooks.enqueue(
                conn,
                tenant=TENANT,
                owner="partner-1",
                message=message("ref-1", 1),
                ordering_key="ref-1",
                sequence=1,
            )
            assert made == 1
            raise RuntimeError("the decision failed")
    assert await outbox.states() == {}


async def test_every_endpoint_of_the_owner_gets_it_and_no_one_else(
    outbox: Outbox, receiver: Receiver
) -> None:
    second = Receiver(secrets=[])
    await second.start()
    try:
        await register(outbox, receiver, owner="partner-1")
        await register(outbox, second, owner="partner-1")
        other = Receiver(secrets=[])
        await other.start()
        try:
            await register(outbox, other, owner="partner-2")
            assert await outbox.enqueue("partner-1", "ref-1", 1) == 2
            assert await outbox.enqueue("partner-3", "ref-1", 1) == 0  # no endpoint
            worker = outbox.deliverer()
            try:
                await worker.tick()
            finally:
                await worker.close()
            assert other.requests == 0
        finally:
            await other.stop()
        assert [e["id"] for e in receiver.processed] == ["ref-1-1"]
        assert [e["id"] for e in second.processed] == ["ref-1-1"]
        assert receiver.rejected == second.rejected == []
    finally:
        await second.stop()


async def test_bodies_are_stored_as_sent_and_bad_messages_refused(outbox: Outbox) -> None:
    body = message("ref-1", 1).body()
    assert json.loads(body)["data"] == {"seq": 1}
    bad_id = message("ref.1", 1)  # a '.' would blur the signed `id.timestamp.body`
    with pytest.raises(BadMessage):
        bad_id.body()
    huge = message("ref-1", 1)
    object.__setattr__(huge, "data", {"x": "y" * 70_000})
    with pytest.raises(BadMessage):
        huge.body()
    async with outbox.pool.acquire() as conn:
        assert await conn.fetchval(f"SELECT count(*) FROM {SCHEMA}.webhook_deliveries") == 0


async def test_removing_an_endpoint_moves_what_it_had_not_delivered_to_the_owners_others(
    outbox: Outbox, receiver: Receiver
) -> None:
    """Moving a receiver is adding the new endpoint, then removing the old: what the old one
    had not delivered yet goes to the new one, and what it had delivered does not go again."""
    old = Receiver(secrets=[])
    await old.start()
    try:
        first = await register(outbox, old, owner="partner-1")
        assert await outbox.enqueue("partner-1", "ref-1", 1) == 1
        worker = outbox.deliverer()
        try:
            await worker.tick()
            assert [e["id"] for e in old.processed] == ["ref-1-1"]
            assert await outbox.enqueue("partner-1", "ref-1", 2) == 1  # not yet sent
            await register(outbox, receiver, owner="partner-1")
            async with outbox.pool.acquire() as conn:
                assert await outbox.hooks.waiting(conn, TENANT, first.endpoint.id) == 1
                assert await outbox.hooks.remove(conn, TENANT, first.endpoint.id)
            await worker.tick()
        finally:
            await worker.close()
    finally:
        await old.stop()
    assert [e["id"] for e in receiver.processed] == ["ref-1-2"]
    assert [e["id"] for e in old.processed] == ["ref-1-1"]
