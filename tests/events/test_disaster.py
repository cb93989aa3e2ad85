"""Disaster recovery: the stream deleted outright is rebuilt from the log by the relay alone,
and `verify` says whether the stream holds the log and where each projection stands."""

from __future__ import annotations

import asyncio
import subprocess
import uuid

import asyncpg
import pytest

from redress.events.bus import Bus
from redress.events.migrations import migrate
from redress.events.projection import ProjectionRunner
from redress.events.relay import Relay
from redress.events.store import EventStore
from redress.events.verify import verify
from tests.conftest import with_database
from tests.events.helpers import META, OpenedCases, component, new_case, opened, running, wait_until


@pytest.fixture
async def migrated(system, tmp_path):
    async with system.pool.acquire() as conn:
        await migrate(conn, [component(str(tmp_path))])
    return system


async def test_a_deleted_stream_is_rebuilt_from_the_log_and_projections_carry_on(migrated):
    system = migrated
    relay = Relay(system.dsn, system.js, system.bus, poll_interval=0.05)
    runner = ProjectionRunner(OpenedCases(), system.pool, system.js, system.bus)
    async with running(relay.run()), running(runner.run()):
        for _ in range(10):
            await system.store.append(new_case(), [opened()], 0, META)
        await wait_until(lambda: _projected(system, 10))
        await system.js.delete_stream(system.bus.stream)
        for _ in range(5):
            await system.store.append(new_case(), [opened()], 0, META)
        # The relay finds no stream, makes it again and publishes the whole log in order;
        # the runner applies only what is past its checkpoint (a second apply of an event
        # would break the table's key and halt it).
        await wait_until(lambda: _projected(system, 15), timeout=30)
        await wait_until(lambda: _published(system, 15), timeout=30)
        assert await runner.checkpoint() == 15
        assert runner.status()["status"] == "ok", runner.status()
        async with system.pool.acquire() as conn:
            verdict = await verify(conn, system.js, system.bus)
    assert verdict.ok, verdict
    assert (verdict.log_events, verdict.stream_messages) == (15, 15)
    assert [(c.name, c.position, note) for c, note in verdict.checkpoints] == [("opened", 15, "ok")]


async def test_verify_names_what_is_wrong(migrated):
    system = migrated
    for _ in range(3):
        await system.store.append(new_case(), [opened()], 0, META)
    relay = Relay(system.dsn, system.js, system.bus, poll_interval=0.05)
    async with running(relay.run()):
        await wait_until(lambda: _published(system, 3))
    async with system.pool.acquire() as conn:
        assert (await verify(conn, system.js, system.bus)).ok
        await conn.execute(
            "INSERT INTO intake.checkpoints (name, position) VALUES ('opened', 7)"
            " ON CONFLICT (name) DO UPDATE SET position = 7"
        )
        # A message that no relay published: not in the log.
        await system.js.publish(
            f"{system.bus.prefix}.case.CaseOpened", b"{}", headers={"Nats-Msg-Id": "stray"}
        )
        verdict = await verify(conn, system.js, system.bus)
    assert not verdict.ok
    assert any("1 messages not in the log" in p for p in verdict.problems), verdict.problems
    [(checkpoint, note)] = verdict.checkpoints
    assert checkpoint.position == 7 and note.startswith("ahead of the stream (7 > 4)")


async def test_verify_sees_the_stream_out_of_the_logs_order(migrated):
    system = migrated
    streams = [new_case(), new_case()]
    for s in streams:
        await system.store.append(s, [opened()], 0, META)
    async with system.pool.acquire() as conn:
        ids = [r["id"] for r in await conn.fetch("SELECT id::text FROM eventlog.events")]
        # Published by hand in the wrong order, as a second writer of the stream might.
        for event_id in reversed(ids):
            await system.js.publish(
                f"{system.bus.prefix}.case.CaseOpened", b"{}", headers={"Nats-Msg-Id": event_id}
            )
        verdict = await verify(conn, system.js, system.bus)
    assert any("from sequence 1 on, the stream is not the log" in p for p in verdict.problems)


async def _projected(system, n: int) -> bool:
    async with system.pool.acquire() as conn:
        return int(await conn.fetchval("SELECT count(*) FROM intake.opened")) >= n


async def _published(system, n: int) -> bool:
    try:
        return await system.bus.last_sequence(system.js) >= n
    except Exception:
        return False


async def test_backup_and_restore_drill(migrated, servers, tmp_path):
    """deploy/k8s/README.md's drill: pg_dump the database, restore it elsewhere, let the
    relay rebuild a lost stream from the restored log; verify, and carry on."""
    # The client tools of the embedded server (imported here: the servers fixture sets up
    # the environment pgserver reads when imported).
    from pgserver._commands import POSTGRES_BIN_PATH as PG_BIN

    system = migrated
    relay = Relay(system.dsn, system.js, system.bus, poll_interval=0.05)
    runner = ProjectionRunner(OpenedCases(), system.pool, system.js, system.bus)
    async with running(relay.run()), running(runner.run()):
        for _ in range(6):
            await system.store.append(new_case(), [opened()], 0, META)
        await wait_until(lambda: _projected(system, 6))
    dump = tmp_path / "redress.dump"
    await _run(PG_BIN / "pg_dump", "--format=custom", f"--file={dump}", system.dsn)
    name = f"restored_{uuid.uuid4().hex[:8]}"
    admin = await asyncpg.connect(servers.database_url)
    try:
        await admin.execute(f"CREATE DATABASE {name}")
    finally:
        await admin.close()
    restored_dsn = with_database(servers.database_url, name)
    await _run(PG_BIN / "pg_restore", "--exit-on-error", f"--dbname={restored_dsn}", str(dump))

    # The stream is lost with its servers too: a new, empty one.
    lost = Bus(stream=f"{system.bus.stream}_R", prefix=f"{system.bus.prefix}r")
    await lost.ensure_stream(system.js)
    restored = await asyncpg.create_pool(restored_dsn, min_size=1, max_size=5)
    try:
        store = EventStore(restored)
        relay = Relay(restored_dsn, system.js, lost, poll_interval=0.05)
        runner = ProjectionRunner(OpenedCases(), restored, system.js, lost)
        async with running(relay.run()), running(runner.run()):
            await store.append(new_case(), [opened()], 0, META)
            await wait_until(lambda: _checkpoint(runner, 7), timeout=30)
        async with restored.acquire() as conn:
            assert await conn.fetchval("SELECT count(*) FROM intake.opened") == 7
            verdict = await verify(conn, system.js, lost)
        assert verdict.ok, verdict
        assert (verdict.log_events, verdict.stream_messages) == (7, 7)
        await store.close()
    finally:
        await restored.close()
        await system.js.delete_stream(lost.stream)
        admin = await asyncpg.connect(servers.database_url)
        try:
            await admin.execute(f"DROP DATABASE {name}")
        finally:
            await admin.close()


async def _run(*argv: object) -> None:
    done = await asyncio.to_thread(
        subprocess.run, [str(a) for a in argv], capture_output=True, text=True, timeout=120
    )
    assert done.returncode == 0, done.stderr


async def _checkpoint(runner: ProjectionRunner, n: int) -> bool:
    return await runner.checkpoint() >= n
