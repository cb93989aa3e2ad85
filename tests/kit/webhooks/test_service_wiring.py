"""The wiring a service uses: outbox migrations in its schema, `webhooks_for` in its code,
`delivery(...)` as background work, its state and its endpoints' on /health, its attempts
and what waits on /metrics."""

from __future__ import annotations

from pathlib import Path

import httpx

from redress.events.migrations import migrate
from redress.kit.service import ServiceSpec, create_service_app
from redress.kit.settings import Settings
from redress.kit.webhooks import MIGRATIONS, Message
from redress.kit.webhooks.service import delivery, webhooks_for
from tests.events.helpers import wait_until
from tests.kit.webhooks.receiver import Receiver


async def test_a_service_delivers_what_it_enqueues(system, tmp_path: Path, receiver: Receiver):  # type: ignore[no-untyped-def]
    own = tmp_path / "migrations"
    own.mkdir()
    spec = ServiceSpec(
        name="assessment",
        title="Test",
        migrations=own,
        embedded=[MIGRATIONS],
        background=[delivery("assessment", interval=0.05, survey_every=0.05)],
    )
    async with system.pool.acquire() as conn:
        await migrate(conn, [spec.component])
    settings = Settings(
        dev=True,
        database_url=system.dsn,
        nats_url=system.nats_url,
        nats_stream=system.bus.stream,
        nats_subject_prefix=system.bus.prefix,
        data_dir=tmp_path,
        log_json=False,
    )
    hooks = webhooks_for("assessment", settings)
    assert hooks.guard.allow_private  # dev mode
    app = create_service_app(spec, settings)
    async with app.router.lifespan_context(app):
        pool = app.state.runtime.pool
        async with pool.acquire() as conn:
            made = await hooks.add_endpoint(conn, tenant="acme", owner="p1", url=receiver.url)
        receiver.secrets.append(made.secret)

        async def send(seq: int) -> None:
            async with pool.acquire() as conn, conn.transaction():
                await hooks.enqueue(
                    conn,
                    tenant="acme",
                    owner="p1",
                    message=Message(
                        id=f"evt-{seq}",
                        type="org.example.sent",
                        source="/assessment",
                        time=made.endpoint.created_at,
                        subject="s-1",
                        data={"seq": seq},
                    ),
                    ordering_key="s-1",
                    sequence=seq,
                )

        async def arrived() -> bool:
            return len(receiver.processed) == 1

        await send(1)
        await wait_until(arrived)  # woken by the NOTIFY at commit
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://test") as client:
            health = (await client.get("/health")).json()
            metrics = (await client.get("/metrics")).text

            # The partner's endpoint fails: the service is degraded, and says why.
            receiver.fail_ids = {"msg_evt-2"}
            await send(2)

            async def held_up() -> bool:
                nonlocal failing
                failing = (await client.get("/health")).json()
                return failing["status"] == "degraded"

            failing: dict[str, object] = {}
            await wait_until(held_up)
            metrics_failing = (await client.get("/metrics")).text
    assert receiver.rejected == []
    assert 'redress_webhook_attempts_total{outbox="assessment",outcome="delivered"} 1.0' in metrics
    assert 'redress_webhook_attempts_total{outbox="assessment",outcome="failed"} 0.0' in metrics
    assert 'redress_webhook_deliveries_waiting{outbox="assessment",state="held"} 0.0' in metrics
    assert {"task": "assessment.webhooks", "status": "ok"} in health["background"]
    assert {"task": "assessment.webhook_endpoints", "status": "ok"} in health["background"]
    [endpoints] = [
        b
        for b in failing["background"]
        if b["task"] == "assessment.webhook_endpoints"  # type: ignore[attr-defined]
    ]
    assert endpoints["status"] == "degraded"
    assert endpoints["reason"].startswith("1 delivery waiting on 1 failing endpoint")
    assert 'redress_webhook_deliveries_waiting{outbox="assessment",state="held"} 1.0' in (
        metrics_failing
    )
