"""What the outbox tells /health and /metrics: deliveries held up by a failing or disabled
endpoint, and those given up, counted without naming a tenant or a partner."""

from __future__ import annotations

from datetime import timedelta

from redress.kit.webhooks import BreakerPolicy
from tests.kit.webhooks.conftest import TENANT, Outbox, register
from tests.kit.webhooks.receiver import Receiver
from tests.kit.webhooks.test_dead_letters import retry_for_days

PATIENT = BreakerPolicy(disable_after=timedelta(days=30))


async def test_deliveries_held_up_by_a_failing_endpoint_degrade_the_outbox_until_they_flow(
    outbox: Outbox, receiver: Receiver
) -> None:
    await register(outbox, receiver)
    receiver.fail_ids = {"msg_ref-a-1"}
    await outbox.enqueue("partner-1", "ref-a", 1)
    await outbox.enqueue("partner-1", "ref-a", 2)
    worker = outbox.deliverer(breaker=PATIENT)
    try:
        # Waiting to be sent to an endpoint nobody has found failing: delivery flows.
        assert (await worker.look()).held == 0
        assert worker.endpoints.as_status() == {"status": "ok"}

        await worker.tick()
        outbox.advance(minutes=10)
        seen = await worker.look()
        status = worker.endpoints.as_status()
        assert (seen.failing, seen.disabled, seen.held, seen.dead) == (1, 0, 2, 0)
        assert status["status"] == "degraded"
        assert status["reason"] == (
            "2 deliveries waiting on 1 failing endpoint, the oldest for 10 min"
        )
        assert TENANT not in str(status) and "partner-1" not in str(status)

        receiver.fail_ids = set()  # the partner mends its side
        outbox.advance(minutes=11)  # past the breaker's longest rest
        await worker.tick()
        assert (await worker.look()).held == 0
        assert worker.endpoints.as_status() == {"status": "ok"}
    finally:
        await worker.close()
    assert receiver.order() == {"ref-a": [1, 2]}


async def test_a_disabled_endpoint_with_deliveries_waiting_and_a_dead_letter_are_said(
    outbox: Outbox, receiver: Receiver
) -> None:
    made = await register(outbox, receiver)
    receiver.fail_ids = {"msg_ref-a-1"}
    await outbox.enqueue("partner-1", "ref-a", 1)
    worker = outbox.deliverer(breaker=PATIENT)
    try:
        await worker.tick()
        await retry_for_days(outbox, worker, 3.5)  # ref-a 1 gives up
        await outbox.enqueue("partner-1", "ref-b", 1)
        async with outbox.pool.acquire() as conn:
            assert await outbox.hooks.disable(conn, TENANT, made.endpoint.id)
        seen = await worker.look()
        assert (seen.failing, seen.disabled, seen.held, seen.dead) == (0, 1, 1, 1)
        assert worker.endpoints.as_status()["reason"] == (
            "1 delivery waiting on 1 disabled endpoint, the oldest for 0 s; "
            "1 delivery given up, waiting for an operator to redeliver or skip"
        )

        # A dead letter skipped is settled; enabled again, the endpoint takes what waited.
        receiver.fail_ids = set()
        async with outbox.pool.acquire() as conn:
            [dead] = await outbox.hooks.dead_letters(conn, TENANT)
            assert await outbox.hooks.skip(conn, TENANT, dead.id)
            assert await outbox.hooks.enable(conn, TENANT, made.endpoint.id)
        await worker.tick()
        assert (await worker.look()).held == 0
        assert worker.endpoints.as_status() == {"status": "ok"}
    finally:
        await worker.close()
    assert receiver.order() == {"ref-b": [1]}
