"""The circuit breaker per endpoint, and an endpoint disabled after sustained failure (or a
410 Gone) with a notice admins can list."""

from __future__ import annotations

from tests.kit.webhooks.conftest import TENANT, Outbox, register
from tests.kit.webhooks.receiver import Receiver


async def test_the_breaker_opens_probes_once_and_closes(outbox: Outbox, receiver: Receiver) -> None:
    made = await register(outbox, receiver)
    receiver.refusing = True
    for n in range(10):
        await outbox.enqueue("partner-1", f"ref-{n}", 1)
    worker = outbox.deliverer()
    try:
        # Eight at once (the most in flight per endpoint); five failures in a row open it,
        # so the last two are not tried.
        async with outbox.pool.acquire() as conn:
            endpoint = await outbox.hooks.endpoint(conn, TENANT, made.endpoint.id)
        assert endpoint is not None and endpoint.health(outbox.clock.now()) == "healthy"
        assert await worker.tick() == 8
        async with outbox.pool.acquire() as conn:
            endpoint = await outbox.hooks.endpoint(conn, TENANT, made.endpoint.id)
            recent = await outbox.hooks.recent_attempts(conn, TENANT, made.endpoint.id, limit=5)
            assert await outbox.hooks.recent_attempts(conn, "other-tenant", made.endpoint.id) == []
        assert endpoint is not None and endpoint.failures == 8
        assert endpoint.circuit_open_until == outbox.clock.now() + outbox.timedelta(seconds=30)
        assert endpoint.health(outbox.clock.now()) == "breaker-open"
        # Each attempt as the endpoint's history lists it: status and latency, no body.
        assert len(recent) == 5 and not any(a.succeeded for a in recent)
        assert all(a.status == 503 and a.error and a.latency_ms >= 0 for a in recent)
        assert all(a.ordering_key.startswith("ref-") and a.attempt == 1 for a in recent)

        outbox.advance(seconds=20)  # retries are due (15 s +- 20 %), the breaker is open
        assert await worker.tick() == 0
        outbox.advance(seconds=10)  # half-open: one probe, which fails
        async with outbox.pool.acquire() as conn:
            endpoint = await outbox.hooks.endpoint(conn, TENANT, made.endpoint.id)
        assert endpoint is not None and endpoint.health(outbox.clock.now()) == "failing"
        assert await worker.tick() == 1
        async with outbox.pool.acquire() as conn:
            endpoint = await outbox.hooks.endpoint(conn, TENANT, made.endpoint.id)
        assert endpoint is not None
        assert endpoint.circuit_open_until == outbox.clock.now() + outbox.timedelta(seconds=60)

        receiver.refusing = False
        outbox.advance(seconds=59)
        assert await worker.tick() == 0
        outbox.advance(seconds=1)  # the probe succeeds; the rest are due at once
        assert await worker.tick() == 10
    finally:
        await worker.close()
    assert await outbox.states() == {"delivered": 10}
    assert receiver.rejected == [] and len(receiver.processed) == 10
    async with outbox.pool.acquire() as conn:
        endpoint = await outbox.hooks.endpoint(conn, TENANT, made.endpoint.id)
    assert endpoint is not None and endpoint.failures == 0 and endpoint.circuit_open_until is None
    assert endpoint.health(outbox.clock.now()) == "healthy"
    async with outbox.pool.acquire() as conn:
        [last] = await outbox.hooks.recent_attempts(conn, TENANT, made.endpoint.id, limit=1)
    assert last.succeeded and last.status == 204


async def test_sustained_failure_disables_the_endpoint_with_a_notice(
    outbox: Outbox, receiver: Receiver
) -> None:
    made = await register(outbox, receiver)
    receiver.refusing = True
    heard = []

    async def tell_admins(conn, notice) -> None:  # type: ignore[no-untyped-def]
        heard.append(notice)
        await conn.execute("INSERT INTO hooks.partners VALUES ($1)", notice.owner)

    worker = outbox.deliverer(on_notice=tell_admins)
    try:
        seq = 0
        for _ in range(6 * 24):  # six days, an hour at a time, new webhooks each day
            if seq == 0 or (seq < 6 and outbox.clock.now().hour == 0):
                seq += 1
                await outbox.enqueue("partner-1", f"day-{seq}", 1)
            outbox.advance(hours=1)
            await worker.tick()
            async with outbox.pool.acquire() as conn:
                endpoint = await outbox.hooks.endpoint(conn, TENANT, made.endpoint.id)
            assert endpoint is not None
            if not endpoint.enabled:
                break
        assert not endpoint.enabled and "no attempt succeeded" in (endpoint.disabled_reason or "")
        async with outbox.pool.acquire() as conn:
            [notice] = await outbox.hooks.notices(conn, TENANT)
            assert await conn.fetchval("SELECT id FROM hooks.partners") == "partner-1"
        assert notice.kind == "endpoint-disabled" and notice.endpoint_id == made.endpoint.id
        assert heard == [notice]
        assert endpoint.health(outbox.clock.now()) == "disabled"
        async with outbox.pool.acquire() as conn:
            assert await outbox.hooks.current_notices(conn, TENANT) == [notice]
            assert await outbox.hooks.current_notices(conn, "other-tenant") == []

        # Disabled: nothing is sent, nothing is dropped.
        receiver.refusing = False
        await outbox.enqueue("partner-1", "later", 1)
        outbox.advance(hours=1)
        before = receiver.requests
        assert await worker.tick() == 0 and receiver.requests == before
        async with outbox.pool.acquire() as conn:
            assert await outbox.hooks.enable(conn, TENANT, made.endpoint.id)
            # Enabled again: the notice is history, no longer something to act on.
            assert await outbox.hooks.current_notices(conn, TENANT) == []
            assert await outbox.hooks.notices(conn, TENANT) == [notice]
        await worker.tick()
    finally:
        await worker.close()
    states = await outbox.states()
    assert states.get("pending", 0) == 0 and states["delivered"] >= 1
    assert "msg_later-1" in receiver.seen


async def test_410_gone_disables_at_once(outbox: Outbox, receiver: Receiver) -> None:
    made = await register(outbox, receiver)
    receiver.status = 410
    await outbox.enqueue("partner-1", "ref-1", 1)
    worker = outbox.deliverer()
    try:
        await worker.tick()
    finally:
        await worker.close()
    async with outbox.pool.acquire() as conn:
        endpoint = await outbox.hooks.endpoint(conn, TENANT, made.endpoint.id)
        [notice] = await outbox.hooks.notices(conn, TENANT)
    assert endpoint is not None and not endpoint.enabled
    assert "410" in notice.detail
    assert await outbox.states() == {"pending": 1}  # kept for when an admin enables it
