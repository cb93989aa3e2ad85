"""Read-your-writes across the processes of a service never polls (ADR 0036).

A runner in another process of the service announces what it applied (NOTIFY); here the
test does what such a runner does after its batch commits. A wait reads the applied
versions once, then is woken by the announcement: one connection taken from the pool, however
long it waits.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator
from typing import Any

import asyncpg
import pytest

from redress.events.migrations import migrate
from redress.events.projection import wait_for_version
from redress.events.projection.announce import (
    LISTENING,
    Listener,
    applied_messages,
    status_messages,
    tell,
)
from redress.events.projection.checkpoints import record_versions
from tests.events.helpers import OpenedCases, component, new_case, running, wait_until


class Counting:
    """The pool, counting the connections taken from it."""

    def __init__(self, pool: asyncpg.Pool) -> None:
        self.pool = pool
        self.acquired = 0

    def acquire(self, *args: Any, **kwargs: Any) -> Any:
        self.acquired += 1
        return self.pool.acquire(*args, **kwargs)


@pytest.fixture
async def schema(system, tmp_path):
    async with system.pool.acquire() as conn:
        await migrate(conn, [component(str(tmp_path))])
    return system


@contextlib.asynccontextmanager
async def listening(system) -> AsyncIterator[Listener]:
    """This process's listener for the schema, as a service's runtime starts it."""
    listener = Listener("intake", lambda: asyncpg.connect(system.dsn))
    LISTENING["intake"] = listener
    try:
        async with running(listener.run()):
            await wait_until(lambda: _true(listener.connected))
            yield listener
    finally:
        del LISTENING["intake"]


async def _true(value: bool) -> bool:
    return value


async def announced(system, stream: str, version: int, position: int) -> None:
    """What the runner of another process announces after its batch commits."""
    async with system.pool.acquire() as conn:
        messages = applied_messages(OpenedCases.name, position, {stream: version})
        await tell(conn, "intake", messages, timeout=5)


async def applied(system, stream: str, version: int) -> None:
    """What that runner's batch commits: the applied version."""
    async with system.pool.acquire() as conn:
        await record_versions(conn, OpenedCases(), {stream: version})


async def test_a_wait_is_woken_by_the_announcement_of_another_process_after_one_query(schema):
    system = schema
    pool = Counting(system.pool)
    stream = new_case()
    async with listening(system) as listener:
        waiting = asyncio.ensure_future(
            wait_for_version(pool, OpenedCases(), stream, 2, timeout=30)
        )
        await wait_until(lambda: _true(stream in listener.versions("opened").awaited()))
        await announced(system, stream, 1, 1)  # not yet the version asked for
        await announced(system, stream, 2, 2)
        # Nothing in the table says so: only the announcement can have answered.
        assert await waiting is True
        assert listener.positions["opened"] == 2
    assert pool.acquired == 1


async def test_a_wait_never_told_asks_once_and_ends_at_its_deadline(schema):
    system = schema
    pool = Counting(system.pool)
    stream = new_case()
    await applied(system, stream, 1)
    async with listening(system):
        assert not await wait_for_version(pool, OpenedCases(), stream, 2, timeout=0.5)
        assert await wait_for_version(pool, OpenedCases(), stream, 1, timeout=0.5)
    assert pool.acquired == 2


async def test_a_process_without_a_listener_listens_for_the_length_of_its_wait(schema):
    """A command-line tool, or a test, waits on a connection of its pool that listens."""
    system = schema
    pool = Counting(system.pool)
    stream = new_case()
    waiting = asyncio.ensure_future(wait_for_version(pool, OpenedCases(), stream, 1, timeout=30))

    async def listening_and_asked() -> bool:
        async with system.pool.acquire() as conn:
            return bool(
                await conn.fetchval(
                    "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database()"
                    " AND state = 'idle' AND query LIKE '%FROM intake.applied_versions%'"
                    " AND query NOT LIKE '%pg_stat_activity%'"  # this very question
                )
            )

    await wait_until(listening_and_asked)
    await announced(system, stream, 1, 1)
    assert await waiting is True
    assert pool.acquired == 1


async def test_a_large_batch_is_announced_in_messages_postgresql_takes(schema):
    """PostgreSQL refuses a payload of 8000 bytes or more: 3,000 streams go in several."""
    system = schema
    versions = {new_case(): n % 7 + 1 for n in range(3000)}
    messages = applied_messages("opened", 3000, versions)
    assert len(messages) > 1
    assert all(len(m.encode()) < 8000 for m in messages)
    async with listening(system) as listener:
        async with system.pool.acquire() as conn:
            await conn.execute(
                "SELECT pg_notify($1, m) FROM unnest($2::text[]) AS m",
                listener.channel,
                messages,
            )
        heard = listener.versions("opened")
        await wait_until(lambda: _true(len(heard) == len(versions)))
        assert {s: heard.get(s) for s in versions} == versions


async def test_long_states_are_shortened_to_fit_a_message(schema):
    long = {"projection": "intake.opened", "status": "halted", "error": "x" * 20_000}
    messages = status_messages([long] * 10)
    assert all(len(m.encode()) < 8000 for m in messages)
    async with listening(schema) as listener:
        async with schema.pool.acquire() as conn:
            await tell(conn, "intake", messages, timeout=5)
        await wait_until(lambda: _true("intake.opened" in listener.statuses))
        assert listener.statuses["intake.opened"]["status"] == "halted"
        assert listener.statuses["intake.opened"]["error"] == "x" * 300
