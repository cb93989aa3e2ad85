"""A read model's batches commit without waiting for the WAL's flush, a policy's durably
(docs/decisions/0038); a read model's batch lost with the server's crash is applied again."""

from __future__ import annotations

import asyncpg

from redress.events.envelope import Event
from redress.events.projection import Policy, ProjectionRunner
from tests.events.helpers import META, OpenedCases, new_case, opened, running, wait_until


class Watched(OpenedCases):
    """Records how each of its batches commits."""

    def __init__(self) -> None:
        super().__init__()
        self.commits: list[str] = []

    async def apply_batch(self, conn: asyncpg.Connection, events: list[Event]) -> None:
        self.commits.append(await conn.fetchval("SELECT current_setting('synchronous_commit')"))
        await super().apply_batch(conn, events)


class WatchedPolicy(Policy):
    name = "watched_policy"
    schema = "intake"

    def __init__(self) -> None:
        self.commits: list[str] = []

    async def apply(self, conn: asyncpg.Connection, event: Event) -> None:
        self.commits.append(await conn.fetchval("SELECT current_setting('synchronous_commit')"))


async def test_a_read_model_commits_without_waiting_for_the_flush_and_a_policy_with(projected):
    system = projected
    await system.store.append(new_case(), [opened()], 0, META)
    model, policy = Watched(), WatchedPolicy()
    for projection in (model, policy):
        runner = ProjectionRunner(projection, system.pool, system.js, system.bus)
        async with running(runner.run()):
            assert await runner.wait_for(1, timeout=10)
    assert model.commits == ["off"]
    assert policy.commits == ["on"]
    async with system.pool.acquire() as conn:  # the setting was the transaction's alone
        assert await conn.fetchval("SELECT current_setting('synchronous_commit')") == "on"


async def test_a_batch_the_server_lost_in_a_crash_is_applied_again(projected):
    system = projected
    for _ in range(5):
        await system.store.append(new_case(), [opened()], 0, META)
    runner = ProjectionRunner(Watched(), system.pool, system.js, system.bus, batch_size=1)
    async with running(runner.run()):
        assert await runner.wait_for(5, timeout=10)
        # What a crash leaves of the last two commits not yet flushed: neither their rows
        # nor the checkpoint they moved (one transaction), while the runner holds 5.
        async with system.pool.acquire() as conn, conn.transaction():
            await conn.execute("DELETE FROM intake.opened WHERE position > 3")
            await conn.execute("UPDATE intake.checkpoints SET position = 3 WHERE name = 'opened'")
        for _ in range(2):
            await system.store.append(new_case(), [opened()], 0, META)
        await wait_until(lambda: _positions(system, list(range(1, 8))))
        assert await runner.wait_for(7, timeout=10)
    assert await runner.checkpoint() == 7


async def _positions(system, expected: list[int]) -> bool:
    async with system.pool.acquire() as conn:
        found = [r[0] for r in await conn.fetch("SELECT position FROM intake.opened ORDER BY 1")]
    return found == expected
