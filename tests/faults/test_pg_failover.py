"""Issue 16's PostgreSQL failover: a primary and a synchronous standby on loopback, events
appended at 50/s through a connection string naming both hosts (target_session_attrs=
read-write). SIGKILL the primary and promote the standby: the appender, the relay and a
projection reconnect to the new primary by themselves; every append that was acknowledged is
in the log; the relay resumes without skip or repeat (the stream holds the log, event by
event)."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator

import asyncpg
import pytest

from redress.events.migrations import eventlog_component, migrate
from redress.events.projection import ProjectionRunner
from redress.events.relay import Relay
from redress.events.store import EventStore
from redress.events.verify import verify
from redress.kit.outage import UNAVAILABLE
from tests.events.helpers import META, OpenedCases, component, new_case, opened, running, wait_until
from tests.faults.pg_pair import primary_and_standby
from tests.faults.report import REPORT

pytestmark = [pytest.mark.faults, pytest.mark.timeout(300)]

RATE = 50.0


@contextlib.asynccontextmanager
async def appending(store: EventStore) -> AsyncIterator[tuple[list[str], list[str]]]:
    """One case opened every 1/RATE s; yields (acknowledged streams, failed attempts)."""
    acknowledged: list[str] = []
    failed: list[str] = []

    async def append() -> None:
        loop = asyncio.get_running_loop()
        started = loop.time()
        while True:
            stream = new_case()
            try:
                await asyncio.wait_for(store.append(stream, [opened()], 0, META), 5)
            except (asyncpg.PostgresError, asyncpg.InterfaceError, *UNAVAILABLE):
                # Including asyncpg's InternalClientError, met when the server goes mid-reply.
                failed.append(stream)  # not acknowledged: may or may not be in the log
                await asyncio.sleep(0.2)
                continue
            acknowledged.append(stream)
            await asyncio.sleep(max(0.0, started + len(acknowledged) / RATE - loop.time()))

    # `running` cancels until the task stops: Python 3.11's wait_for can swallow one cancel.
    async with running(append()):
        yield acknowledged, failed


async def test_failover_to_the_synchronous_standby_loses_nothing_acknowledged(system, tmp_path):
    bus = system.bus  # the test's own stream on the suite's NATS
    with primary_and_standby(tmp_path / "pg") as pair:
        conn = await asyncpg.connect(pair.url(pair.primary))
        try:
            await migrate(conn, [eventlog_component(), component(str(tmp_path))])
        finally:
            await conn.close()
        # Pools drop connections to the old primary and find the new one on their own.
        pool = await asyncpg.create_pool(pair.dsn, min_size=1, max_size=10, timeout=5)
        store = EventStore(pool)
        try:
            relay = Relay(pair.dsn, system.js, bus, poll_interval=0.1, io_timeout=3)
            runner = ProjectionRunner(OpenedCases(), pool, system.js, bus, io_timeout=3)
            async with running(relay.run()), running(runner.run()):
                async with appending(store) as (acknowledged, failed):
                    await wait_until(lambda: _at_least(acknowledged, 100), timeout=60)
                    pair.primary.kill()
                    await asyncio.to_thread(pair.standby.promote)
                    mark = len(acknowledged)
                    # Load goes on against the new primary.
                    await wait_until(lambda: _at_least(acknowledged, mark + 100), timeout=90)
                await wait_until(lambda: _caught_up(pool, runner), timeout=120, interval=0.5)
            async with pool.acquire() as conn:
                in_log = {
                    r["stream"] for r in await conn.fetch("SELECT stream FROM eventlog.events")
                }
                verdict = await verify(conn, system.js, bus)
                projected = await conn.fetchval("SELECT count(*) FROM intake.opened")
                serving = await conn.fetchval("SELECT inet_server_port()")
                writable = not await conn.fetchval("SELECT pg_is_in_recovery()")
            assert serving == pair.standby.port and writable, "not on the promoted standby"
            REPORT.notes.append(
                f"PostgreSQL failover: {len(acknowledged)} appends acknowledged, all in the log; "
                f"{len(failed)} attempts failed while no primary accepted writes"
            )
            lost = set(acknowledged) - in_log
            assert not lost, f"{len(lost)} acknowledged appends not in the log after failover"
            assert verdict.ok, verdict
            assert verdict.stream_messages == verdict.log_events == projected
        finally:
            await store.close()
            await pool.close()


async def _at_least(items: list[str], n: int) -> bool:
    return len(items) >= n


async def _caught_up(pool: asyncpg.Pool, runner: ProjectionRunner) -> bool:
    try:
        return runner.position == int(await pool.fetchval("SELECT count(*) FROM eventlog.events"))
    except (OSError, asyncpg.PostgresError, asyncpg.InterfaceError):
        return False
