"""/live, /health and /ready tell the truth while PostgreSQL is out and when a runner dies."""

from __future__ import annotations

import asyncio
import contextlib
import time
from collections.abc import AsyncIterator

import httpx
import pytest
from fastapi import FastAPI

from redress.events.migrations import migrate
from redress.events.relay import Relay
from redress.kit.health import unanswered
from redress.kit.service import create_service_app
from tests.events.faults import PgPath, own_nats, pg_path
from tests.events.helpers import (
    META,
    SCHEMA_SQL,
    new_case,
    opened,
    running,
    wait_until,
    written_by_another_build,
)
from tests.kit.conftest import PROJECTION, spec


@pytest.fixture
async def behind_a_path(
    system, settings, tmp_path
) -> AsyncIterator[tuple[httpx.AsyncClient, PgPath]]:
    """The test service, its database reached through a path the test can cut."""
    migrations = tmp_path / "migrations"
    migrations.mkdir()
    (migrations / "001_opened.sql").write_text(SCHEMA_SQL.format(schema="intake"))
    the_spec = spec(migrations)
    async with system.pool.acquire() as conn:
        await migrate(conn, [the_spec.component])
    PROJECTION.poison = None
    async with pg_path(system.dsn) as path:
        cut_off = settings.model_copy(
            update={"database_url": path.url, "health_stalled_after": 1.0}
        )
        app = create_service_app(the_spec, cut_off)
        async with app.router.lifespan_context(app):
            transport = httpx.ASGITransport(app=app)
            async with httpx.AsyncClient(transport=transport, base_url="http://test") as client:
                yield client, path
            # Closing a pool whose server is gone must not wait for it.
            await path.open()


async def test_health_goes_degraded_then_503_while_the_database_is_out_and_back(
    system, behind_a_path
):
    client, path = behind_a_path
    relay = Relay(system.dsn, system.js, system.bus, poll_interval=0.05)
    async with running(relay.run()):
        await system.store.append(new_case(), [opened()], 0, META)
        await wait_until(lambda: answers(client, "/health", 200, "ok", position=1), timeout=10)
        await path.cut()
        await system.store.append(new_case(), [opened()], 0, META)
        await wait_until(
            lambda: answers(client, "/health", 200, "degraded", status="degraded"), timeout=10
        )
        body = (await client.get("/health")).json()
        assert body["projections"][0]["reason"]
        assert body["delivery"]["status"] == "unknown"
        assert (await client.get("/live")).status_code == 200
        assert (await client.get("/ready")).status_code == 503
        # Degraded for longer than the setting: delivery has stopped.
        await wait_until(lambda: answers(client, "/health", 503), timeout=10)
        problem = (await client.get("/health")).json()
        assert problem["type"] == "urn:redress:problem:delivery-stopped"
        await path.open()
        await wait_until(lambda: answers(client, "/health", 200, "ok", position=2), timeout=15)


async def test_the_listening_connection_says_ok_as_soon_as_it_listens_again(behind_a_path):
    """Its supervisor would clear an outage's word only after 10 s of running well; the
    listener clears it once it listens, so /health heals within the retry's backoff (5 s)."""
    client, path = behind_a_path
    await wait_until(lambda: listening(client, "ok"), timeout=10)
    await path.cut()
    await wait_until(lambda: listening(client, "degraded"), timeout=10)
    await path.open()
    await wait_until(lambda: listening(client, "ok"), timeout=8)


async def listening(client: httpx.AsyncClient, status: str) -> bool:
    tasks = (await client.get("/health")).json()["background"]
    return any(t["task"].endswith(".listening") and t["status"] == status for t in tasks)


async def test_health_answers_while_the_database_is_frozen_and_says_so(system, settings, tmp_path):
    """A SIGSTOPped server answers nothing: /health says so at once instead of waiting on it
    for its I/O deadlines (here 30 s: the client gives up after 5), and 503 once that lasts."""
    patient = settings.model_copy(update={"io_timeout": 30.0, "health_stalled_after": 1.0})
    async with pg_path(system.dsn) as path:
        frozen = patient.model_copy(update={"database_url": path.url})
        async with served(system, frozen, tmp_path) as client:
            await wait_until(lambda: delivery(client, 200, lag_events=0), timeout=10)
            path.freeze()
            try:
                body = (await health_now(client)).json()
                assert body["delivery"]["status"] == "unknown", body
                assert "no answer from PostgreSQL within" in body["delivery"]["reason"], body
                await wait_until(lambda: delivery(client, 503, status="stopped"), timeout=10)
                problem = (await health_now(client)).json()
                assert problem["type"] == "urn:redress:problem:delivery-stopped"
                assert "could not be measured" in problem["detail"]
                assert (await client.get("/live")).status_code == 200
            finally:
                path.thaw()
            await wait_until(lambda: delivery(client, 200, lag_events=0), timeout=40)


async def test_an_outage_seen_once_does_not_make_the_next_one_stopped_from_its_start(
    system, settings, tmp_path
):
    """Between two freezes nobody asks /health: the measurement left waiting in the first
    answers after it, and the second freeze counts from its own start, not the first's."""
    patient = settings.model_copy(update={"io_timeout": 30.0, "health_stalled_after": 1.0})
    async with pg_path(system.dsn) as path:
        frozen = patient.model_copy(update={"database_url": path.url})
        async with served_app(system, frozen, tmp_path) as (client, app):
            await wait_until(lambda: delivery(client, 200, lag_events=0), timeout=10)
            path.freeze()
            try:
                assert (await health_now(client)).json()["delivery"]["status"] == "unknown"
            finally:
                path.thaw()
            first_seen = time.monotonic()

            async def measured_and_past_the_setting() -> bool:
                # Answered after the thaw, or given up: either way nothing is known between.
                done = app.state.lag_probe.question.task.done()
                return done and time.monotonic() - first_seen > 1.5

            await wait_until(measured_and_past_the_setting, timeout=40)
            path.freeze()
            try:
                response = await health_now(client)
            finally:
                path.thaw()
            assert response.status_code == 200, response.text
            assert response.json()["delivery"]["status"] == "unknown"
            assert response.json()["delivery"]["unknown_s"] < 1.0


async def test_health_answers_while_nats_is_frozen_and_says_so(system, settings, tmp_path):
    patient = settings.model_copy(update={"io_timeout": 30.0, "health_stalled_after": 1.0})
    async with own_nats(tmp_path / "nats") as server:
        frozen = patient.model_copy(update={"nats_url": server.url})
        async with served(system, frozen, tmp_path) as client:
            await wait_until(lambda: delivery(client, 200, lag_events=0), timeout=10)
            server.pause()
            try:
                body = (await health_now(client)).json()
                assert body["delivery"]["status"] == "unknown", body
                assert body["delivery"]["reason"].startswith("no answer from NATS within"), body
                await wait_until(lambda: delivery(client, 503, status="stopped"), timeout=10)
            finally:
                server.carry_on()
            await wait_until(lambda: delivery(client, 200, lag_events=0), timeout=40)


async def test_a_frozen_nats_is_named_on_health_and_its_link_opened_again(
    system, settings, tmp_path
):
    """A frozen NATS sends no error, only silence: pings find it, the NATS line of /health
    says the link was lost, and is ok again once NATS answers and the link is open again."""
    quick = settings.model_copy(update={"nats_ping_interval": 1})
    async with own_nats(tmp_path / "nats") as server:
        ours = quick.model_copy(update={"nats_url": server.url})
        async with served(system, ours, tmp_path) as client:
            await wait_until(lambda: nats_link(client, "ok"), timeout=10)
            server.pause()
            try:
                await wait_until(lambda: nats_link(client, "degraded"), timeout=15)
            finally:
                server.carry_on()
            await wait_until(lambda: nats_link(client, "ok"), timeout=30)


async def nats_link(client: httpx.AsyncClient, status: str) -> bool:
    """Whether /health's line for the NATS connection says `status` (and why, if not ok)."""
    body = (await health_now(client)).json()
    (line,) = [b for b in body["background"] if b["task"].endswith(".nats")]
    return line["status"] == status and (status == "ok" or "NATS" in line["reason"])


async def test_a_dead_runner_makes_health_503(service):
    client, app = service
    runtime = app.state.runtime
    assert (await client.get("/health")).json()["status"] == "ok"
    runtime.tasks[0].cancel()
    await wait_until(lambda: answers(client, "/health", 503), timeout=5)
    problem = (await client.get("/health")).json()
    assert problem["type"] == "urn:redress:problem:projection-stopped"
    assert problem["projections"][0]["status"] == "stopped"
    assert (await client.get("/live")).status_code == 200


async def answers(
    client: httpx.AsyncClient, path: str, code: int, overall: str | None = None, **runner: object
) -> bool:
    response = await client.get(path)
    if response.status_code != code:
        return False
    body = response.json()
    if overall is not None and body.get("status") != overall:
        return False
    first = (body.get("projections") or [{}])[0]
    return all(first.get(k) == v for k, v in runner.items())


async def test_health_shows_delivery_lag_and_answers_503_when_events_wait_too_long(
    system, settings, tmp_path
):
    impatient = settings.model_copy(update={"health_lag_after": 0.5})
    async with served(system, impatient, tmp_path) as client:
        await wait_until(lambda: delivery(client, 200, lag_events=0), timeout=5)
        # No relay runs: the event waits in the log.
        await system.store.append(new_case(), [opened()], 0, META)
        await wait_until(lambda: delivery(client, 200, lag_events=1), timeout=5)
        await wait_until(lambda: delivery(client, 503, status="stopped"), timeout=5)
        problem = (await client.get("/health")).json()
        assert problem["type"] == "urn:redress:problem:delivery-stopped"
        assert "1 events wait to be published" in problem["detail"]
        relay = Relay(system.dsn, system.js, system.bus, poll_interval=0.05)
        async with running(relay.run()):
            await wait_until(lambda: delivery(client, 200, lag_events=0), timeout=10)


@contextlib.asynccontextmanager
async def served(system, settings, tmp_path) -> AsyncIterator[httpx.AsyncClient]:
    async with served_app(system, settings, tmp_path) as (client, _):
        yield client


@contextlib.asynccontextmanager
async def served_app(
    system, settings, tmp_path
) -> AsyncIterator[tuple[httpx.AsyncClient, FastAPI]]:
    migrations = tmp_path / "migrations"
    migrations.mkdir()
    (migrations / "001_opened.sql").write_text(SCHEMA_SQL.format(schema="intake"))
    the_spec = spec(migrations)
    async with system.pool.acquire() as conn:
        await migrate(conn, [the_spec.component])
    PROJECTION.poison = None
    app = create_service_app(the_spec, settings)
    async with app.router.lifespan_context(app):
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://test") as client:
            yield client, app


async def health_now(client: httpx.AsyncClient) -> httpx.Response:
    """/health, which must answer within 5 s whatever is frozen (ASGITransport has no
    timeout of its own)."""
    return await asyncio.wait_for(client.get("/health"), 5.0)


async def delivery(client: httpx.AsyncClient, code: int, **expected: object) -> bool:
    response = await health_now(client)
    got = response.json().get("delivery", {})
    return response.status_code == code and all(got.get(k) == v for k, v in expected.items())


async def test_a_service_stays_ready_while_nats_is_out(system, settings, tmp_path):
    migrations = tmp_path / "migrations"
    migrations.mkdir()
    (migrations / "001_opened.sql").write_text(SCHEMA_SQL.format(schema="intake"))
    the_spec = spec(migrations)
    async with system.pool.acquire() as conn:
        await migrate(conn, [the_spec.component])
    async with own_nats(tmp_path / "nats") as server:
        ours = settings.model_copy(update={"nats_url": server.url})
        apps = [create_service_app(the_spec, ours)]
        async with contextlib.AsyncExitStack() as stack:
            clients = []
            for app in apps:
                await stack.enter_async_context(app.router.lifespan_context(app))
                transport = httpx.ASGITransport(app=app)
                client = httpx.AsyncClient(transport=transport, base_url="http://test")
                clients.append(await stack.enter_async_context(client))
            for client in clients:
                assert (await client.get("/ready")).status_code == 200
            server.server.kill()
            runtime = apps[0].state.runtime
            await wait_until(lambda: _disconnected(runtime), timeout=10)
            assert (await clients[0].get("/ready")).status_code == 200
            assert (await clients[0].get("/live")).status_code == 200
            server.server.start()
            await wait_until(lambda: _connected(runtime), timeout=20)
            assert (await clients[0].get("/ready")).status_code == 200


async def _disconnected(runtime) -> bool:
    return not runtime.nc.is_connected


async def _connected(runtime) -> bool:
    return runtime.nc.is_connected


async def test_health_counts_events_of_types_this_build_does_not_know_and_stays_ok(
    system, settings, tmp_path
):
    async with served(system, settings, tmp_path) as client:
        relay = Relay(system.dsn, system.js, system.bus, poll_interval=0.05)
        async with running(relay.run()):
            await written_by_another_build(system, new_case(), "CaseTranslated", 1, {"x": 1})
            await system.store.append(new_case(), [opened()], 0, META)
            await wait_until(lambda: answers(client, "/health", 200, "ok", position=2), 10)
        runner = (await client.get("/health")).json()["projections"][0]
        # Never sent to the runner (ADR 39): `redress status` names the type.
        assert runner["skipped"] == 1


async def test_health_names_a_newer_schema_version_that_halts_a_projection(
    system, settings, tmp_path
):
    async with served(system, settings, tmp_path) as client:
        relay = Relay(system.dsn, system.js, system.bus, poll_interval=0.05)
        async with running(relay.run()):
            newer = opened().model_dump(mode="json")
            await written_by_another_build(system, new_case(), "CaseOpened", 3, newer)
            await wait_until(lambda: answers(client, "/health", 503), 10)
        problem = (await client.get("/health")).json()
        assert problem["type"] == "urn:redress:problem:projection-halted"
        assert "CaseOpened schema version 3 is newer than this build reads" in problem["detail"]
        assert "deploy a build of the intake service" in problem["detail"]


async def test_runners_and_health_keep_working_while_requests_hold_every_connection(
    system, settings, tmp_path
):
    """A burst of requests queueing for the pool neither starves delivery nor makes /health
    say it stopped: runners and /health's look at delivery have connections of their own."""
    impatient = settings.model_copy(update={"health_stalled_after": 0.5})
    async with served(system, impatient, tmp_path) as client:
        runtime = client._transport.app.state.runtime  # type: ignore[attr-defined]
        held = [await runtime.pool.acquire() for _ in range(runtime.pool.get_max_size())]
        try:
            relay = Relay(system.dsn, system.js, system.bus, poll_interval=0.05)
            async with running(relay.run()):
                await system.store.append(new_case(), [opened()], 0, META)
                await wait_until(lambda: answers(client, "/health", 200, "ok", position=1), 10)
            body = (await client.get("/health")).json()
            assert body["delivery"]["status"] == "ok"
        finally:
            for conn in held:
                await runtime.pool.release(conn)


async def test_a_service_started_while_nats_is_down_takes_requests_and_delivers_later(
    system, settings, tmp_path, token
):
    """Requests need PostgreSQL only: started with NATS down, the service is ready and takes
    them; /health names NATS; once NATS answers, its runners start by themselves."""
    migrations = tmp_path / "migrations"
    migrations.mkdir()
    (migrations / "001_opened.sql").write_text(SCHEMA_SQL.format(schema="intake"))
    the_spec = spec(migrations)
    async with system.pool.acquire() as conn:
        await migrate(conn, [the_spec.component])
    PROJECTION.poison = None
    async with own_nats(tmp_path / "nats") as server:
        server.server.stop()
        ours = settings.model_copy(update={"nats_url": server.url, "connect_timeout": 1.0})
        app = create_service_app(the_spec, ours)
        async with app.router.lifespan_context(app):
            transport = httpx.ASGITransport(app=app)
            async with httpx.AsyncClient(transport=transport, base_url="http://test") as client:
                assert (await client.get("/ready")).status_code == 200
                auth = {"Authorization": f"Bearer {token()}"}
                assert (await client.post("/v1/cases", headers=auth)).status_code == 201
                health = await client.get("/health")
                assert health.status_code == 503
                link = next(t for t in health.json()["background"] if t["task"] == "intake.nats")
                assert link["status"] == "degraded" and "NATS" in link["reason"]
                server.server.start()
                await wait_until(lambda: answers(client, "/health", 200, "ok"), timeout=30)


def test_a_probes_question_that_ran_out_of_time_says_so_naming_the_server():
    """The question in flight times out while a /health waits on it: said as the waiting is,
    not as "PostgreSQL: TimeoutError"; any other failure keeps its own words."""
    assert unanswered("PostgreSQL", TimeoutError(), 5.0) == "no answer from PostgreSQL within 5 s"
    assert unanswered("NATS", ConnectionError("lost"), 5.0) == "NATS: ConnectionError: lost"
    said = TimeoutError("no database connection within 5.0 s")
    assert unanswered("PostgreSQL", said, 5.0) == (
        "PostgreSQL: TimeoutError: no database connection within 5.0 s"
    )
