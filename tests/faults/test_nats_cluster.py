"""Issue 16's NATS cluster fault: three nats-server processes clustered on loopback, the stream
with three replicas, events appended at 50/s. SIGKILL the stream's leader: the relay and a
projection carry on and the stream holds every event of the log once, in order. SIGKILL a
second node: publishing pauses (no quorum) while the log keeps taking events, and resumes,
without loss, when a node comes back on its store."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator

import asyncpg
import nats
import pytest
from nats.js import JetStreamContext
from nats.js.errors import ServiceUnavailableError

from redress.events.bus import Bus
from redress.events.projection import ProjectionRunner
from redress.events.relay import Relay
from redress.events.store import EventStore
from redress.events.verify import Verdict, verify
from tests.conftest import new_database
from tests.events.helpers import META, OpenedCases, component, new_case, opened, running, wait_until
from tests.faults.nats_cluster import nats_cluster

pytestmark = [pytest.mark.faults, pytest.mark.timeout(300)]

RATE = 50.0


@contextlib.asynccontextmanager
async def appending(store: EventStore) -> AsyncIterator[list[str]]:
    """Append one case opened every 1/RATE s until the block ends; yields the streams."""
    streams: list[str] = []

    async def append() -> None:
        loop = asyncio.get_running_loop()
        started = loop.time()
        while True:
            stream = new_case()
            await store.append(stream, [opened()], 0, META)
            streams.append(stream)
            await asyncio.sleep(max(0.0, started + len(streams) / RATE - loop.time()))

    # `running` cancels until the task stops: Python 3.11's wait_for can swallow one cancel.
    async with running(append()):
        yield streams


async def test_the_stream_survives_its_leader_and_waits_out_a_lost_quorum(servers, tmp_path):
    dsn = await new_database(servers.database_url, [component(str(tmp_path))])
    pool = await asyncpg.create_pool(dsn, min_size=1, max_size=10)
    store = EventStore(pool)
    bus = Bus(stream="CLUSTERED", prefix="clustered.events", replicas=3)
    with nats_cluster(tmp_path / "nats") as cluster:
        nc = await nats.connect(
            servers=cluster.urls, max_reconnect_attempts=-1, reconnect_time_wait=0.2
        )
        js = nc.jetstream(timeout=5)
        try:
            # The cluster elects its JetStream meta leader first.
            await wait_until(lambda: _stream_made(bus, js), timeout=60, interval=0.5)
            relay = Relay(dsn, js, bus, poll_interval=0.1, io_timeout=2, ack_timeout=2)
            runner = ProjectionRunner(OpenedCases(), pool, js, bus, io_timeout=2)
            async with running(relay.run()), running(runner.run()):
                async with appending(store) as appended:
                    await wait_until(lambda: _projected(pool, 50), timeout=60)
                    leader = (await js.stream_info(bus.stream)).cluster.leader
                    cluster.node(leader).kill()
                    # Load goes on for 200 more events (4 s) without the leader.
                    mark = len(appended)
                    await wait_until(lambda: _at_least(appended, mark + 200), timeout=60)
                await wait_until(lambda: _caught_up(pool, runner), timeout=120, interval=0.5)
                await _agree(pool, js, bus)

                # A second node gone: one of three cannot make a quorum.
                second = next(n for n in cluster.nodes if n.running() and n.name != leader)
                second.kill()
                for _ in range(20):
                    await store.append(new_case(), [opened()], 0, META)
                await wait_until(lambda: _degraded(relay), timeout=60, interval=0.2)
                assert await _log_count(pool) > relay.published
                cluster.start(second)  # on its store, as a restarted pod
                await wait_until(lambda: _caught_up(pool, runner), timeout=120, interval=0.5)
                await _agree(pool, js, bus)
        finally:
            await nc.close()
            await store.close()
            await pool.close()


async def _agree(pool: asyncpg.Pool, js: JetStreamContext, bus: Bus) -> None:
    verdicts: list[Verdict] = []

    async def verified() -> bool:
        # Just after a node returns, the cluster may still be electing its JetStream leader:
        # the API answers "temporarily unavailable", or not at all before the request's
        # deadline (seen in CI creating the check's consumer). The check is asked again
        # until it can be answered.
        try:
            async with pool.acquire() as conn:
                verdicts.append(await verify(conn, js, bus))
        except (ServiceUnavailableError, nats.errors.TimeoutError):
            return False
        return True

    await wait_until(verified, timeout=60, interval=0.5)
    verdict = verdicts[-1]
    async with pool.acquire() as conn:
        projected = await conn.fetchval("SELECT count(*) FROM intake.opened")
    assert verdict.ok, verdict
    assert verdict.stream_messages == verdict.log_events == projected


async def _stream_made(bus: Bus, js: JetStreamContext) -> bool:
    try:
        await bus.ensure_stream(js)
    except Exception:
        return False
    return True


async def _log_count(pool: asyncpg.Pool) -> int:
    return int(await pool.fetchval("SELECT count(*) FROM eventlog.events"))


async def _projected(pool: asyncpg.Pool, n: int) -> bool:
    return int(await pool.fetchval("SELECT count(*) FROM intake.opened")) >= n


async def _caught_up(pool: asyncpg.Pool, runner: ProjectionRunner) -> bool:
    return runner.position == await _log_count(pool)


async def _at_least(items: list[str], n: int) -> bool:
    return len(items) >= n


async def _degraded(relay: Relay) -> bool:
    return relay.trouble.degraded
