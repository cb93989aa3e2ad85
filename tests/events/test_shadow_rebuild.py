"""A rebuild on a live system: readers keep whole tables, the live runner keeps going.

The metrics counts add one per submission, so an event applied twice (or lost) across the
swap shows in the totals.
"""

from __future__ import annotations

import asyncio

import asyncpg

from redress.events.catalogue.grievance import Category, Channel, GrievanceSubmitted, Sealed
from redress.events.ids import new_stream
from redress.events.migrations import migrate
from redress.events.projection import ProjectionRunner, rebuild_beside, shadow_schema
from redress.events.relay import Relay
from redress.kit.registry import service
from redress.metrics.projections import GrievanceCounts
from tests.events.helpers import META, running

BEFORE = 300


def submitted(i: int) -> GrievanceSubmitted:
    return GrievanceSubmitted(
        grievance_id=f"g-{i}",
        channel=Channel.web,
        language="en",
        country=["BD", "KH", "VN"][i % 3],
        category=list(Category)[i % 5],
        personal=Sealed(key_id=f"grievance-{i}", ciphertext="c2VhbGVk"),
        receipt_reference=f"R-{i}",
        receipt_hash="argon2-hash",
        filed_digest="0" * 64,
    )


async def file(system, i: int) -> None:
    await system.store.append(new_stream("grievance"), [submitted(i)], 0, META)


async def received(pool) -> int:
    async with pool.acquire() as conn:
        return int(
            await conn.fetchval("SELECT coalesce(sum(received), 0) FROM metrics.grievance_counts")
        )


async def rows(pool) -> list[tuple[object, ...]]:
    async with pool.acquire() as conn:
        found = await conn.fetch("SELECT * FROM metrics.grievance_counts ORDER BY 1, 2, 3, 4")
    return [tuple(r) for r in found]


async def test_a_replay_on_a_live_system_never_shows_readers_a_partial_projection(system):
    async with system.pool.acquire() as conn:
        await migrate(conn, [service("metrics").component])
    for i in range(BEFORE):
        await file(system, i)
    live = ProjectionRunner(GrievanceCounts(), system.pool, system.js, system.bus)
    # The service's own role rebuilds, as `redress replay` does.
    as_metrics = await asyncpg.create_pool(
        system.dsn, min_size=1, max_size=4, server_settings={"role": "redress_metrics"}
    )
    relay = Relay(system.dsn, system.js, system.bus, poll_interval=0.05)
    try:
        async with running(relay.run()), running(live.run()):
            assert await live.wait_for(BEFORE, timeout=30), live.status()
            before = await received(system.pool)
            assert before == BEFORE
            rebuild = asyncio.create_task(
                rebuild_beside(GrievanceCounts(), as_metrics, system.js, system.bus, batch_size=10)
            )
            seen: list[int] = []
            filed = BEFORE
            while not rebuild.done():
                await file(system, filed)
                filed += 1
                seen.append(await received(system.pool))
                assert live.status()["status"] == "ok", live.status()
            swapped_at = await rebuild
            assert filed > BEFORE and len(seen) > 1, "the rebuild ran beside nothing"
            # Readers only ever saw the projection grow: never empty, never partial.
            assert min(seen) >= before
            assert seen == sorted(seen)
            assert swapped_at >= BEFORE
            # The live runner goes on from the rebuilt tables, applying each event once.
            for i in range(filed, filed + 20):
                await file(system, i)
            filed += 20
            assert await live.wait_for(filed, timeout=30), live.status()
            assert await received(system.pool) == filed
            assert live.status()["status"] == "ok", live.status()
        after = await rows(system.pool)
        # The swapped-in tables equal a rebuild from scratch.
        assert await rebuild_beside(GrievanceCounts(), as_metrics, system.js, system.bus) == filed
        assert await rows(system.pool) == after
        async with system.pool.acquire() as conn:
            owners = await conn.fetch(
                "SELECT DISTINCT tableowner FROM pg_tables WHERE schemaname = 'metrics'"
            )
            shadows = await conn.fetchval(
                "SELECT count(*) FROM pg_namespace WHERE nspname = $1",
                shadow_schema(GrievanceCounts()),
            )
        assert [r[0] for r in owners] == ["redress_metrics"]
        assert shadows == 0
    finally:
        await as_metrics.close()


async def test_a_rebuild_waits_out_a_live_batch_that_a_stopped_process_left_uncommitted(system):
    """A live runner stopped (SIGSTOP) between moving its checkpoint and committing holds the
    row until the idle timeout ends its session, longer than a statement may wait: the
    rebuild reads past it and its swap waits in bounded tries instead of failing."""
    async with system.pool.acquire() as conn:
        await migrate(conn, [service("metrics").component])
    for i in range(20):
        await file(system, i)
    live = ProjectionRunner(GrievanceCounts(), system.pool, system.js, system.bus)
    as_metrics = await asyncpg.create_pool(
        system.dsn,
        min_size=1,
        max_size=4,
        server_settings={"role": "redress_metrics", "statement_timeout": "3000"},
    )
    relay = Relay(system.dsn, system.js, system.bus, poll_interval=0.05)
    stopped = await asyncpg.connect(system.dsn)
    try:
        async with running(relay.run()):
            async with running(live.run()):
                assert await live.wait_for(20, timeout=30), live.status()
            # The stopped process's batch: checkpoint moved, not committed.
            batch = stopped.transaction()
            await batch.start()
            await stopped.execute(
                "UPDATE metrics.checkpoints SET position = position WHERE name = 'counts'"
            )
            rebuild = asyncio.create_task(
                rebuild_beside(GrievanceCounts(), as_metrics, system.js, system.bus)
            )
            swap_waits = await until(lambda: rebuild.done() or swap_waiting(system.pool))
            assert not rebuild.done(), rebuild.exception()
            assert swap_waits
            # The idle timeout ends the stopped session: the swap goes on.
            await batch.rollback()
            assert await asyncio.wait_for(rebuild, 60) == 20
        assert await received(system.pool) == 20
    finally:
        await stopped.close()
        await as_metrics.close()


async def swap_waiting(pool) -> bool:
    """Whether a rebuild's swap waits for the live checkpoint's row lock."""
    async with pool.acquire() as conn:
        return bool(
            await conn.fetchval(
                "SELECT count(*) FROM pg_stat_activity WHERE wait_event_type = 'Lock'"
                " AND query LIKE '%checkpoints WHERE name = $1 FOR UPDATE'"
            )
        )


async def until(condition, deadline: float = 30.0) -> bool:
    """Ask `condition` (sync or async) again until it holds or `deadline` passes."""
    loop = asyncio.get_running_loop()
    end = loop.time() + deadline
    while loop.time() < end:
        answer = condition()
        if asyncio.iscoroutine(answer):
            answer = await answer
        if answer:
            return True
        await asyncio.sleep(0.05)
    return False
