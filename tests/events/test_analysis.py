"""A runner analyses its projection's tables as they grow from nothing, where autovacuum
would come a minute later (redress.events.projection.analysis)."""

from __future__ import annotations

from redress.events.projection import ProjectionRunner
from redress.events.projection.analysis import FIRST, Growth
from tests.events.helpers import META, OpenedCases, new_case, opened, wait_until


def test_tables_are_analysed_each_time_the_position_doubles_from_where_the_runner_began():
    growth = Growth()
    growth.start(0)
    assert [p for p in (10, FIRST - 1, FIRST, FIRST + 1, 2 * FIRST, 5000, 9000, 10_000)
            if growth.reached(p)] == [FIRST, 2 * FIRST, 5000, 10_000]  # fmt: skip
    growth.start(1_000_000)  # a live runner starts where its tables already are
    assert not growth.reached(1_999_999)
    assert growth.reached(2_000_000)


async def test_a_replay_leaves_its_tables_with_statistics_of_what_it_wrote(projected):
    system = projected
    for _ in range(FIRST + 200):
        await system.store.append(new_case(), [opened()], 0, META)

    async def published() -> bool:
        return await system.bus.last_sequence(system.js) == FIRST + 200

    await wait_until(published)
    runner = ProjectionRunner(OpenedCases(), system.pool, system.js, system.bus, batch_size=100)
    assert await runner.replay() == FIRST + 200
    async with system.pool.acquire() as conn:
        rows = await conn.fetchval(
            "SELECT reltuples FROM pg_class WHERE oid = 'intake.opened'::regclass"
        )
    # Analysed at the first batch ending at or past FIRST: the table then held that many rows
    # (never analysed, PostgreSQL says -1).
    assert FIRST <= rows <= FIRST + 200
