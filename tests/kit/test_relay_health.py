"""The relay's own probes: `/live` always, `/health` degraded at once when PostgreSQL or
NATS does not answer, and 503 once it cannot publish for a while, saying what stopped
answering."""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator

import httpx
from nats.aio.client import Client as NATS

from redress.events.relay import Relay
from redress.kit.relay import ServersProbe, build_relay, relay_app
from redress.kit.settings import Settings
from tests.events.faults import own_nats, pg_path
from tests.events.helpers import running, wait_until


@contextlib.asynccontextmanager
async def relay_served(
    settings: Settings, nc: NATS, *, idle_check: float | None = None
) -> AsyncIterator[tuple[httpx.AsyncClient, Relay]]:
    """The relay as `redress relay` runs it, running, and a client of its probes."""
    relay = build_relay(settings, nc)
    if idle_check is not None:
        relay.idle_check = idle_check  # an idle relay asks NATS where the stream is this often
    probe = ServersProbe(settings, relay)
    transport = httpx.ASGITransport(app=relay_app(relay, settings, probe))
    try:
        async with (
            httpx.AsyncClient(transport=transport, base_url="http://relay") as client,
            running(relay.run()),
        ):
            await wait_until(lambda: says(client, 200, status="ok", leading=True), timeout=10)
            yield client, relay
    finally:
        await probe.close()


async def test_relay_health_follows_nats_out_and_back(system, settings, tmp_path):
    async with own_nats(tmp_path / "nats") as server:
        nc = await server.connect()
        impatient = settings.model_copy(
            update={"nats_url": server.url, "io_timeout": 0.5, "health_stalled_after": 1.0}
        )
        try:
            async with relay_served(impatient, nc, idle_check=0.2) as (client, relay):
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
    """A stalled PostgreSQL (connections kept, no byte passed) is named in the relay's own
    reason with the deadline it missed, as NATS is: not a bare `TimeoutError`."""
    async with pg_path(system.dsn) as path:
        impatient = settings.model_copy(
            update={"database_url": path.url, "io_timeout": 0.5, "health_stalled_after": 1.0}
        )
        async with relay_served(impatient, system.nc) as (client, relay):
            await wait_until(lambda: idle(relay), timeout=10)
            path.freeze()
            try:
                await wait_until(lambda: says(client, 503), timeout=10)
                problem = (await client.get("/health")).json()
                assert problem["detail"].endswith(problem["relay"]["reason"])
                reason = problem["relay"]["reason"]
                assert reason.startswith("TimeoutError: PostgreSQL: "), reason
                assert reason.endswith(": no answer within 0.5 s"), reason
            finally:
                path.thaw()
            await wait_until(lambda: says(client, 200, status="ok", leading=True), timeout=20)


async def test_relay_health_names_a_frozen_postgresql_before_the_relay_itself_finds_it(
    system, settings
):
    """An idle relay finds a frozen server only at its poll, when its I/O deadline runs out
    (here 30 s): /health asks on its own, and says degraded at once, naming PostgreSQL."""
    async with pg_path(system.dsn) as path:
        patient = settings.model_copy(update={"database_url": path.url, "io_timeout": 30.0})
        async with relay_served(patient, system.nc) as (client, relay):
            await wait_until(lambda: idle(relay), timeout=10)
            path.freeze()
            try:
                body = (await client.get("/health")).json()
                assert not relay.trouble.degraded  # the relay itself has not found it yet
            finally:
                path.thaw()
            assert body["status"] == "degraded", body
            assert body["reason"].startswith("no answer from PostgreSQL within"), body
            await wait_until(lambda: says(client, 200, status="ok", leading=True), timeout=40)


async def test_relay_health_names_a_frozen_nats_before_the_relay_itself_finds_it(
    system, settings, tmp_path
):
    async with own_nats(tmp_path / "nats") as server:
        nc = await server.connect()
        patient = settings.model_copy(update={"nats_url": server.url, "io_timeout": 30.0})
        try:
            async with relay_served(patient, nc) as (client, relay):
                await wait_until(lambda: idle(relay), timeout=10)  # its start's requests done
                server.pause()
                try:
                    # Within seconds, where the relay's own deadline is 30 s: a question the
                    # server answered just before it froze may still be read first.
                    await wait_until(lambda: says(client, 200, status="degraded"), timeout=10)
                    body = (await client.get("/health")).json()
                    assert not relay.trouble.degraded  # the relay itself has not found it yet
                finally:
                    server.carry_on()
                assert body["status"] == "degraded", body
                assert body["reason"].startswith("no answer from NATS within"), body
                await wait_until(lambda: says(client, 200, status="ok", leading=True), timeout=40)
        finally:
            await nc.close()


async def test_every_address_of_the_relay_that_answers_get_answers_head(system, settings):
    async with relay_served(settings, system.nc) as (client, _):
        for path in ("/live", "/ready", "/health", "/metrics"):
            got, head = await client.get(path), await client.head(path)
            assert head.status_code == got.status_code == 200, (path, head.status_code)
            assert head.content == b""
            assert head.headers["content-type"] == got.headers["content-type"]


async def says(client: httpx.AsyncClient, code: int, **expected: object) -> bool:
    response = await client.get("/health")
    body = response.json()
    return response.status_code == code and all(body.get(k) == v for k, v in expected.items())


async def idle(relay) -> bool:
    return relay.reads >= 2  # it has read the log and found nothing, twice
