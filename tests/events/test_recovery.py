"""The relay and the runners heal by themselves when NATS or PostgreSQL fail under them."""

from __future__ import annotations

import asyncio
import contextlib
import json
import signal
import sys
from collections.abc import AsyncIterator

import asyncpg

from redress.events.migrations import migrate
from redress.events.projection import ProjectionRunner
from redress.events.recovery import Backoff
from redress.events.relay import Relay
from tests.events.faults import own_nats, pg_path
from tests.events.helpers import (
    META,
    OpenedCases,
    component,
    new_case,
    opened,
    running,
    wait_until,
)


async def messages(js, bus) -> list:
    last = (await js.stream_info(bus.stream)).state.last_seq
    return [await js.get_msg(bus.stream, seq) for seq in range(1, last + 1)]


async def at_least(js, bus, n: int) -> bool:
    try:
        return (await js.stream_info(bus.stream)).state.last_seq >= n
    except Exception:  # the server is on its way back
        return False


def assert_each_once_in_log_order(msgs, categories: list[str]) -> None:
    events = [json.loads(m.data) for m in msgs]
    assert [e["data"]["category"] for e in events] == categories
    assert len({e["id"] for e in events}) == len(msgs)
    versions = [e["version"] for e in events]
    assert versions == list(range(1, len(msgs) + 1))


async def test_relay_delivers_a_page_lost_with_nats_once_nats_is_back(system, tmp_path):
    async with own_nats(tmp_path / "nats") as server:
        nc = await server.connect()
        js = nc.jetstream(timeout=1)
        relay = Relay(
            system.dsn, js, system.bus, poll_interval=0.05, ack_timeout=1.0, io_timeout=1.0
        )
        stream = new_case()
        categories = [f"c{i}" for i in range(25)]
        try:
            async with running(relay.run()):
                await system.store.append(stream, [opened(c) for c in categories[:5]], 0, META)
                await wait_until(lambda: at_least(js, system.bus, 5), timeout=10)
                server.pause()
                for i, c in enumerate(categories[5:], start=5):
                    await system.store.append(stream, [opened(c)], i, META)
                # A page is on its way to a server that does not answer.
                await wait_until(lambda: _pending(js), timeout=10)
                server.kill_and_restart()
                await wait_until(lambda: at_least(js, system.bus, 25), timeout=30)
                assert_each_once_in_log_order(await messages(js, system.bus), categories)
        finally:
            await nc.close()


async def _pending(js) -> bool:
    return js.publish_async_pending() > 0


async def test_a_stalled_relay_gives_leadership_to_a_standby(system, tmp_path):
    async with own_nats(tmp_path / "nats") as server:
        connections = [await server.connect() for _ in range(2)]
        js, standby_js = (nc.jetstream(timeout=1) for nc in connections)
        # Acknowledgements that never time out: only the watchdog can free this leader.
        leader = Relay(system.dsn, js, system.bus, poll_interval=0.05, ack_timeout=3600)
        leader.stall_timeout = 1.0
        standby = Relay(system.dsn, standby_js, system.bus, poll_interval=0.05, io_timeout=1.0)
        stream = new_case()
        categories = [f"c{i}" for i in range(10)]
        try:
            async with running(leader.run()):
                await asyncio.wait_for(leader.leading.wait(), 10)
                async with running(standby.run()):
                    await system.store.append(stream, [opened(c) for c in categories[:5]], 0, META)
                    await wait_until(lambda: at_least(js, system.bus, 5), timeout=10)
                    server.pause()
                    await system.store.append(stream, [opened(c) for c in categories[5:]], 5, META)
                    await wait_until(lambda: _pending(js), timeout=10)
                    await asyncio.wait_for(standby.leading.wait(), 10)
                    assert leader.stalls >= 1
                    server.carry_on()
                    await wait_until(lambda: at_least(js, system.bus, 10), timeout=30)
                    assert_each_once_in_log_order(await messages(js, system.bus), categories)
        finally:
            for nc in connections:
                await nc.close()


def quick() -> Backoff:
    return Backoff(initial=0.05, cap=0.5)


async def test_a_database_outage_makes_a_projection_degraded_not_halted(projected, tmp_path):
    system = projected
    async with pg_path(system.dsn) as path:
        pool = await asyncpg.create_pool(path.url, min_size=1, max_size=4)
        runner = ProjectionRunner(OpenedCases(), pool, system.js, system.bus, backoff=quick())
        try:
            async with running(runner.run()):
                for _ in range(3):
                    await system.store.append(new_case(), [opened()], 0, META)
                await wait_until(lambda: count(system, 3), timeout=10)
                await path.cut()
                for _ in range(3):
                    await system.store.append(new_case(), [opened()], 0, META)
                await wait_until(lambda: status_is(runner, "degraded"), timeout=10)
                assert runner.status()["reason"]
                await path.open()
                await wait_until(lambda: count(system, 6), timeout=10)
                await wait_until(lambda: status_is(runner, "ok"), timeout=10)
                assert runner.halted is None
        finally:
            pool.terminate()
    assert (
        await ProjectionRunner(OpenedCases(), system.pool, system.js, system.bus).checkpoint() == 6
    )


async def count(system, n: int) -> bool:
    async with system.pool.acquire() as conn:
        return int(await conn.fetchval("SELECT count(*) FROM intake.opened")) >= n


async def status_is(runner: ProjectionRunner, status: str) -> bool:
    return runner.status()["status"] == status


async def test_a_runner_that_cannot_resubscribe_tries_again_until_nats_answers(system, tmp_path):
    """SIGSTOP a consumer, rebuild its projection, SIGSTOP NATS, SIGCONT the consumer: it
    finds its checkpoint moved and cannot subscribe again until NATS answers."""
    async with system.pool.acquire() as conn:
        await migrate(conn, [component(str(tmp_path))])
    async with own_nats(tmp_path / "nats") as server:
        nc = await server.connect()
        js = nc.jetstream(timeout=1)
        relay = Relay(system.dsn, js, system.bus, poll_interval=0.05, io_timeout=1.0)
        argv = ["-m", "tests.events.projector", system.dsn, server.url]
        consumer = await asyncio.create_subprocess_exec(
            sys.executable,
            *argv,
            system.bus.stream,
            system.bus.prefix,
            stdout=asyncio.subprocess.PIPE,
            stderr=asyncio.subprocess.STDOUT,
        )
        said = Transcript(consumer)
        try:
            async with running(relay.run()), said.reading():
                for _ in range(3):
                    await system.store.append(new_case(), [opened()], 0, META)
                await wait_until(lambda: count(system, 3), timeout=20)
                consumer.send_signal(signal.SIGSTOP)
                await system.store.append(new_case(), [opened()], 0, META)
                await wait_until(lambda: at_least(js, system.bus, 4), timeout=10)
                await ProjectionRunner(OpenedCases(), system.pool, js, system.bus).replay()
                server.pause()
                consumer.send_signal(signal.SIGCONT)
                await wait_until(lambda: said.has("degraded; trying again"), timeout=20)
                assert consumer.returncode is None
                server.carry_on()
                await system.store.append(new_case(), [opened()], 0, META)
                await wait_until(lambda: count(system, 5), timeout=30)
                assert consumer.returncode is None
        finally:
            if consumer.returncode is None:
                consumer.kill()
            await consumer.wait()
            await nc.close()


class Transcript:
    """What a child process prints, read as it goes."""

    def __init__(self, process: asyncio.subprocess.Process) -> None:
        self.process = process
        self.text = ""

    @contextlib.asynccontextmanager
    async def reading(self) -> AsyncIterator[None]:
        async with running(self._read()):
            yield

    async def _read(self) -> None:
        assert self.process.stdout is not None
        while line := await self.process.stdout.readline():
            self.text += line.decode(errors="replace")

    async def has(self, words: str) -> bool:
        if self.process.returncode is not None:
            raise AssertionError(f"the consumer ended:\n{self.text}")
        return words in self.text


async def test_a_projection_goes_on_after_nats_is_killed_and_started_again(system, tmp_path):
    async with system.pool.acquire() as conn:
        await migrate(conn, [component(str(tmp_path))])
    async with own_nats(tmp_path / "nats") as server:
        nc = await server.connect()
        js = nc.jetstream(timeout=1)
        relay = Relay(system.dsn, js, system.bus, poll_interval=0.05, ack_timeout=1, io_timeout=1)
        runner = ProjectionRunner(
            OpenedCases(), system.pool, js, system.bus, backoff=quick(), io_timeout=1.0
        )
        runner.idle_check = 0.5
        try:
            async with running(relay.run()), running(runner.run()):
                for _ in range(3):
                    await system.store.append(new_case(), [opened()], 0, META)
                await wait_until(lambda: count(system, 3), timeout=10)
                server.pause()
                await wait_until(lambda: status_is(runner, "degraded"), timeout=10)
                server.kill_and_restart()
                for _ in range(3):
                    await system.store.append(new_case(), [opened()], 0, META)
                await wait_until(lambda: count(system, 6), timeout=30)
                await wait_until(lambda: status_is(runner, "ok"), timeout=10)
                assert runner.halted is None
        finally:
            await nc.close()
