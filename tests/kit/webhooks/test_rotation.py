"""Secret rotation: during the overlap both secrets sign, so a receiver holding either one
verifies every request; after it, only the new one signs."""

from __future__ import annotations

from datetime import timedelta

import pytest
from standardwebhooks import Webhook, WebhookVerificationError

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
