"""Load and crash tests: nothing lost, nothing doubled, nothing reordered."""

import asyncio
import json
import os
import random
import signal
import subprocess
import sys
from collections import defaultdict

import pytest

from redress.events.projection import ProjectionRunner
from redress.events.relay import Relay
from tests.events.helpers import META, OpenedCases, component, new_case, opened, running, wait_until

pytestmark = pytest.mark.slow

WRITERS = 16
TOTAL = 20_000


async def write(system, writer: int, count: int, rng: random.Random) -> None:
    """Append `count` events in commands of 1 to 10 events, some in slow transactions."""
    written = 0
    while written < count:
        stream, version = new_case(), 0
        for _ in range(rng.randint(1, 5)):
            n = min(rng.randint(1, 10), count - written)
            if n == 0:
                break
            events = [opened(f"w{writer}") for _ in range(n)]
            if rng.random() < 0.05:
                async with system.pool.acquire() as conn, conn.transaction():
                    await system.store.append(stream, events, version, META, conn=conn)
                    await asyncio.sleep(rng.uniform(0, 0.05))  # a transaction held open
            else:
                await system.store.append(stream, events, version, META)
            version += n
            written += n


async def write_all(system, seed: int) -> None:
    share = TOTAL // WRITERS
    await asyncio.gather(
        *(write(system, w, share, random.Random(seed * 100 + w)) for w in range(WRITERS))
    )


async def delivered(system, total: int) -> list[tuple[str, str, int]]:
    """(id, stream, version) of every message in the stream, in sequence order."""
    got: list[tuple[str, str, int]] = []
    done = asyncio.Event()

    async def on_msg(msg):
        e = json.loads(msg.data)
        got.append((e["id"], e["stream"], e["version"]))
        if len(got) >= total:
            done.set()

    sub = await system.js.subscribe(
        f"{system.bus.prefix}.>", stream=system.bus.stream, cb=on_msg, ordered_consumer=True
    )
    await asyncio.wait_for(done.wait(), 60)
    await sub.unsubscribe()
    return got


async def assert_exactly_once_in_order(system, total: int) -> None:
    await wait_until(lambda: _at_least(system, total), timeout=120)
    assert await system.bus.last_sequence(system.js) == total
    got = await delivered(system, total)
    ids = [i for i, _, _ in got]
    assert len(set(ids)) == total
    async with system.pool.acquire() as conn:
        logged = {str(r["id"]) for r in await conn.fetch("SELECT id FROM eventlog.events")}
    assert set(ids) == logged
    versions: dict[str, list[int]] = defaultdict(list)
    for _, stream, version in got:
        versions[stream].append(version)
    for stream, seen in versions.items():
        assert seen == list(range(1, len(seen) + 1)), stream


@pytest.mark.parametrize("round_", [1, 2, 3])
async def test_concurrent_writers_with_open_transactions_skip_nothing(system, round_):
    relay = Relay(system.dsn, system.js, system.bus, batch_size=500)
    async with running(relay.run()):
        await write_all(system, round_)
        await assert_exactly_once_in_order(system, TOTAL)


def relay_process(system) -> subprocess.Popen:
    env = {
        **os.environ,
        "REDRESS_DEV": "1",
        "REDRESS_DATABASE_URL": system.dsn,
        "REDRESS_NATS_URL": system.nats_url,
        "REDRESS_NATS_STREAM": system.bus.stream,
        "REDRESS_NATS_SUBJECT_PREFIX": system.bus.prefix,
    }
    return subprocess.Popen(
        [sys.executable, "-m", "redress.kit.cli", "relay"],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )


async def test_relay_killed_mid_batch_loses_and_doubles_nothing(system):
    writers = asyncio.create_task(write_all(system, 7))
    kills = 0
    for threshold in (1_300, 4_700, 8_100, 12_900, 16_600):
        process = relay_process(system)
        try:
            await wait_until(lambda t=threshold: _at_least(system, t), timeout=120)
        finally:
            process.send_signal(signal.SIGKILL)
            process.wait()
            kills += 1
    await writers
    process = relay_process(system)
    try:
        await assert_exactly_once_in_order(system, TOTAL)
    finally:
        process.terminate()
        process.wait()
    assert kills == 5


async def test_projection_killed_mid_batch_ends_as_a_rebuild_would(system, tmp_path):
    from redress.events.migrations import migrate

    async with system.pool.acquire() as conn:
        await migrate(conn, [component(str(tmp_path))])
    for _ in range(600):
        await system.store.append(new_case(), [opened()], 0, META)
    relay = Relay(system.dsn, system.js, system.bus)
    argv = [sys.executable, "-m", "tests.events.projector", system.dsn, system.nats_url]
    argv += [system.bus.stream, system.bus.prefix]
    async with running(relay.run()):
        await wait_until(lambda: _at_least(system, 600))
        for threshold in (100, 300):
            process = subprocess.Popen(argv)
            await wait_until(lambda t=threshold: _projected(system, t), timeout=60)
            process.send_signal(signal.SIGKILL)
            process.wait()
        checkpoint = ProjectionRunner(OpenedCases(), system.pool, system.js, system.bus)
        assert await checkpoint.checkpoint() == await _projected_count(system)
        process = subprocess.Popen(argv)
        try:
            await wait_until(lambda: _projected(system, 600), timeout=60)
        finally:
            process.terminate()
            process.wait()
    live = await _rows(system)
    await ProjectionRunner(OpenedCases(), system.pool, system.js, system.bus).replay()
    assert await _rows(system) == live
    assert len(live) == 600


async def _at_least(system, n):
    return await system.bus.last_sequence(system.js) >= n


async def _rows(system):
    async with system.pool.acquire() as conn:
        return [tuple(r) for r in await conn.fetch("SELECT * FROM intake.opened ORDER BY stream")]


async def _projected_count(system):
    async with system.pool.acquire() as conn:
        return await conn.fetchval("SELECT count(*) FROM intake.opened")


async def _projected(system, n):
    return await _projected_count(system) >= n
