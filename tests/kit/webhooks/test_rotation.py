"""Secret rotation: during the overlap both secrets sign, so a receiver holding either one
verifies every request; after it, only the new one signs."""

from __future__ import annotations

from datetime import timedelta

import pytest
from standardwebhooks import Webhook, WebhookVerificationError

from redress.kit.webhooks import new_secret
from tests.kit.webhooks.conftest import TENANT, Outbox, register
from tests.kit.webhooks.receiver import Receiver


async def test_either_secret_verifies_during_the_overlap(
    outbox: Outbox, receiver: Receiver
) -> None:
    made = await register(outbox, receiver)
    old = made.secret
    async with outbox.pool.acquire() as conn:
        new = await outbox.hooks.rotate_secret(
            conn, TENANT, made.endpoint.id, overlap=timedelta(hours=24)
        )
        assert new is not None and new != old
        endpoint = await outbox.hooks.endpoint(conn, TENANT, made.endpoint.id)
    assert endpoint is not None and len(endpoint.secrets) == 2
    old_info, new_info = endpoint.secrets
    assert old_info.valid_until == outbox.clock.now() + timedelta(hours=24)
    assert new_info.valid_until is None

    # The receiver checks each request with the old secret and, separately, the new one.
    receiver.secrets[:] = [old, new]
    for seq in range(1, 4):
        await outbox.enqueue("partner-1", "ref-1", seq)
    outbox.advance(hours=23)
    worker = outbox.deliverer()
    try:
        assert await worker.tick() == 3
        assert receiver.rejected == [] and len(receiver.processed) == 3
        assert all(len(h["webhook-signature"].split(" ")) == 2 for h in receiver.headers)

        # The overlap is over: only the new secret signs.
        outbox.advance(hours=2)
        receiver.secrets[:] = [new]
        await outbox.enqueue("partner-1", "ref-1", 4)
        assert await worker.tick() == 1
    finally:
        await worker.close()
    assert receiver.rejected == [] and len(receiver.processed) == 4
    last = receiver.headers[-1]
    assert len(last["webhook-signature"].split(" ")) == 1
    Webhook(new).verify(receiver.bodies[-1], last)
    with pytest.raises(WebhookVerificationError, match="No matching signature"):
        Webhook(old).verify(receiver.bodies[-1], last)


async def test_a_foreign_tenant_cannot_rotate(outbox: Outbox, receiver: Receiver) -> None:
    made = await register(outbox, receiver)
    async with outbox.pool.acquire() as conn:
        assert await outbox.hooks.rotate_secret(conn, "other", made.endpoint.id) is None
        endpoint = await outbox.hooks.endpoint(conn, TENANT, made.endpoint.id)
    assert endpoint is not None and len(endpoint.secrets) == 1


async def test_a_directory_kept_in_events_is_mirrored_idempotently(
    outbox: Outbox, receiver: Receiver
) -> None:
    """A service whose endpoints live in its events (ids and derived secrets) replays them
    into the outbox: the same endpoint and the same rotation twice change nothing."""
    first, second = new_secret(), new_secret()
    until = outbox.clock.now() + timedelta(hours=6)
    async with outbox.pool.acquire() as conn:
        for _ in range(2):
            made = await outbox.hooks.add_endpoint(
                conn,
                tenant=TENANT,
                owner="partner-1",
                url=receiver.url,
                endpoint_id="ep-1",
                secret=first,
                secret_id="s-1",
            )
            assert made.endpoint.id == "ep-1" and made.secret == first
        for _ in range(2):
            rotated = await outbox.hooks.rotate_secret(
                conn, TENANT, "ep-1", secret=second, secret_id="s-2", until=until
            )
            assert rotated == second
        endpoint = await outbox.hooks.endpoint(conn, TENANT, "ep-1")
        assert await outbox.hooks.signing_secrets(conn, "ep-1") in (
            [second, first],
            [first, second],
        )
        with pytest.raises(ValueError, match="exists"):
            await outbox.hooks.add_endpoint(
                conn, tenant=TENANT, owner="partner-1", url=receiver.url, endpoint_id="ep-1"
            )
        with pytest.raises(ValueError, match="another tenant"):
            await outbox.hooks.add_endpoint(
                conn, tenant="other", owner="x", url=receiver.url, endpoint_id="ep-1", secret=first
            )
    assert endpoint is not None
    assert [(s.id, s.valid_until) for s in endpoint.secrets] == [("s-1", until), ("s-2", None)]
    receiver.secrets[:] = [first, second]
    await outbox.enqueue("partner-1", "ref-1", 1)
    worker = outbox.deliverer()
    try:
        assert await worker.tick() == 1
    finally:
        await worker.close()
    assert receiver.rejected == [] and len(receiver.processed) == 1
