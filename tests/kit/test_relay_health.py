"""The relay's own probes: `/live` always, `/health` 503 once it cannot publish for a while,
saying what stopped answering."""

from __future__ import annotations

import httpx

from redress.kit.relay import build_relay, relay_app
from tests.events.faults import own_nats, pg_path
from tests.events.helpers import running, wait_until


async def test_relay_health_follows_nats_out_and_back(system, settings, tmp_path):
    async with own_nats(tmp_path / "nats") as server:
        nc = await server.connect()
        impatient = settings.model_copy(
            update={"nats_url": server.url, "io_timeout": 0.5, "health_stalled_after": 1.0}
        )
        relay = build_relay(impatient, nc)
        relay.idle_check = 0.2  # an idle relay asks NATS where the stream is this often
        transport = httpx.ASGITransport(app=relay_app(relay, impatient))
        try:
            async with (
                httpx.AsyncClient(transport=transport, base_url="http://relay") as client,
                running(relay.run()),
            ):
                await wait_until(lambda: says(client, 200, status="ok", leading=True), timeout=10)
                await wait_until(lambda: idle(relay), timeout=10)
                server.pause()
                await wait_until(lambda: says(client, 200, status="degraded"), timeout=10)
                await wait_until(lambda: says(client, 503), timeout=10)
                problem = (await client.get("/health")).json()
                assert problem["type"] == "urn:redress:problem:delivery-stopped"
                assert (await client.get("/live")).status_code == 200
                assert (await client.get("/ready")).status_code == 200
                server.carry_on()
                await wait_until(lambda: says(client, 200, status="ok", leading=True), timeout=20)
        finally:
            await nc.close()


async def test_relay_health_says_postgresql_did_not_answer_while_it_stalls(system, settings):
    """A stalled PostgreSQL (connections kept, no byte passed) is named in `/health` with the
    deadline it missed, as NATS is: not a bare `TimeoutError`."""
    async with pg_path(system.dsn) as path:
        impatient = settings.model_copy(
            update={"database_url": path.url, "io_timeout": 0.5, "health_stalled_after": 1.0}
        )
        relay = build_relay(impatient, system.nc)
        transport = httpx.ASGITransport(app=relay_app(relay, impatient))
        async with (
            httpx.AsyncClient(transport=transport, base_url="http://relay") as client,
            running(relay.run()),
        ):
            await wait_until(lambda: says(client, 200, status="ok", leading=True), timeout=10)
            await wait_until(lambda: idle(relay), timeout=10)
            path.freeze()
            try:
                await wait_until(lambda: says(client, 200, status="degraded"), timeout=10)
                reason = (await client.get("/health")).json()["reason"]
                assert reason.startswith("TimeoutError: PostgreSQL: "), reason
                assert reason.endswith(": no answer within 0.5 s"), reason
                await wait_until(lambda: says(client, 503), timeout=10)
                problem = (await client.get("/health")).json()
                assert problem["detail"].endswith(problem["relay"]["reason"])
                assert problem["relay"]["reason"].startswith("TimeoutError: PostgreSQL: ")
            finally:
                path.thaw()
            await wait_until(lambda: says(client, 200, status="ok", leading=True), timeout=20)


async def says(client: httpx.AsyncClient, code: int, **expected: object) -> bool:
    response = await client.get("/health")
    body = response.json()
    return response.status_code == code and all(body.get(k) == v for k, v in expected.items())


async def idle(relay) -> bool:
    return relay.reads >= 2  # it has read the log and found nothing, twice
