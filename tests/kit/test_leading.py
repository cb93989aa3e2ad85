"""Two processes of one service (here two apps in one test): one runs the runners, the other
stands by without starting them, says on /health how they are as told, and takes them over
when the first stops (ADR 0036)."""

from __future__ import annotations

import contextlib
import dataclasses
import time
from collections.abc import AsyncIterator
from typing import Any

import httpx
from fastapi import FastAPI

from redress.events.migrations import migrate
from redress.events.relay import Relay
from redress.kit.leading import STALE_AFTER
from redress.kit.service import create_service_app
from tests.events.helpers import META, SCHEMA_SQL, new_case, opened, running, wait_until
from tests.events.test_projection import OpenedOnly, triaged
from tests.kit.conftest import PROJECTION, spec


async def health(client: httpx.AsyncClient) -> dict[str, Any]:
    answer = await client.get("/health")
    return dict(answer.json()) | {"code": answer.status_code}


async def says(client: httpx.AsyncClient, leading: bool, position: int = 0) -> bool:
    body = await health(client)
    (runner,) = body["projections"]
    return (
        body["code"] == 200
        and body["leading"] is leading
        and runner["status"] == "ok"
        and runner["position"] >= position
    )


async def test_one_process_runs_the_runners_and_another_takes_them_over(
    system, settings, tmp_path, token
):
    migrations = tmp_path / "migrations"
    migrations.mkdir()
    (migrations / "001_opened.sql").write_text(SCHEMA_SQL.format(schema="intake"))
    the_spec = spec(migrations)
    async with system.pool.acquire() as conn:
        await migrate(conn, [the_spec.component])
    PROJECTION.poison = None
    auth = {"Authorization": f"Bearer {token()}"}
    relay = Relay(system.dsn, system.js, system.bus, poll_interval=0.05)
    async with running(relay.run()), contextlib.AsyncExitStack() as second_stack:
        first_stack = contextlib.AsyncExitStack()
        second_stack.push_async_callback(first_stack.aclose)  # when the test fails early
        first_app = create_service_app(the_spec, settings)
        await first_stack.enter_async_context(first_app.router.lifespan_context(first_app))
        first = await first_stack.enter_async_context(client(first_app))
        assert await says(first, leading=True)
        second_app = create_service_app(the_spec, settings)
        await second_stack.enter_async_context(second_app.router.lifespan_context(second_app))
        second = await second_stack.enter_async_context(client(second_app))
        (standing_by,) = second_app.state.runtime.runners

        # Written through the second: applied by the first's runner, and the second hears it.
        for _ in range(3):
            assert (await second.post("/v1/cases", headers=auth)).status_code == 201
        await wait_until(lambda: says(second, leading=False, position=3), timeout=30)
        assert not standing_by.started.is_set() and standing_by.trouble.restarts == 0

        await first_stack.aclose()
        await wait_until(lambda: says(second, leading=True), timeout=30)
        assert (await second.post("/v1/cases", headers=auth)).status_code == 201
        await wait_until(lambda: says(second, leading=True, position=4), timeout=30)
        assert await standing_by.checkpoint() == 4
        assert standing_by.trouble.restarts == 0
    async with system.pool.acquire() as conn:
        assert await conn.fetchval("SELECT count(*) FROM intake.opened") == 4


def client(app: Any) -> httpx.AsyncClient:
    return httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://test")


@contextlib.asynccontextmanager
async def two_processes(
    system, settings, tmp_path, **changes: Any
) -> AsyncIterator[tuple[list[FastAPI], httpx.AsyncClient, httpx.AsyncClient]]:
    """Two apps of the test service (its spec with `changes`) and the relay: the first
    leads, the second stands by."""
    migrations = tmp_path / "migrations"
    migrations.mkdir()
    (migrations / "001_opened.sql").write_text(SCHEMA_SQL.format(schema="intake"))
    the_spec = dataclasses.replace(spec(migrations), **changes)
    async with system.pool.acquire() as conn:
        await migrate(conn, [the_spec.component])
    relay = Relay(system.dsn, system.js, system.bus, poll_interval=0.05)
    async with running(relay.run()), contextlib.AsyncExitStack() as stack:
        apps = [create_service_app(the_spec, settings) for _ in range(2)]
        clients = []
        for app in apps:
            await stack.enter_async_context(app.router.lifespan_context(app))
            clients.append(await stack.enter_async_context(client(app)))
        first, second = clients
        assert await says(first, leading=True) and await says(second, leading=False)
        yield apps, first, second


async def test_a_process_standing_by_says_that_the_runner_halted(system, settings, tmp_path):
    """/health in a process that does not run the runners tells what the one that runs them
    said: a runner halted on an event is 503 there too, naming the event."""
    PROJECTION.poison = "bad"
    async with two_processes(system, settings, tmp_path) as (apps, _, second):
        await system.store.append(new_case(), [opened("bad")], 0, META)

        async def halted() -> bool:
            return (await health(second))["code"] == 503

        await wait_until(halted, timeout=30)
        problem = await health(second)
        (runner,) = apps[0].state.runtime.runners
        assert runner.halted is not None
        assert problem["type"] == "urn:redress:problem:projection-halted"
        assert runner.halted.event_id in problem["detail"]
        assert problem["leading"] is False
    PROJECTION.poison = None


async def test_a_process_that_no_longer_hears_the_leading_one_keeps_the_positions_it_was_told(
    system, settings, tmp_path
):
    """A position the leading process reached by passing over what the server did not send
    its runner (ADR 39) is told with its state, never announced with a batch: a process that
    stops hearing the leading one (frozen, or its lock lost in a database outage) still says
    the runner got that far, not back at its last batch."""
    reads_opened = {"projections": lambda: [OpenedOnly()]}
    async with two_processes(system, settings, tmp_path, **reads_opened) as (apps, _, second):
        await system.store.append(new_case(), [opened()], 0, META)
        for _ in range(3):
            await system.store.append(new_case(), [triaged()], 0, META)
        await wait_until(lambda: says(second, leading=False, position=4), timeout=30)

        leading = apps[1].state.runtime.leading
        leading.listener.told_at = time.monotonic() - 2 * STALE_AFTER  # no word since
        (unheard,) = leading.statuses()
    assert unheard["status"] == "degraded"
    assert unheard["position"] == 4
