import asyncio

from redress.events.catalogue.case import CaseOpened, CaseTriaged
from redress.events.projection import ProjectionRunner, wait_for_version
from tests.events.helpers import META, OpenedCases, new_case, opened, running, wait_until


async def rows(system):
    async with system.pool.acquire() as conn:
        return [tuple(r) for r in await conn.fetch("SELECT * FROM intake.opened ORDER BY stream")]


async def test_projection_applies_events_and_checkpoints_with_them(projected):
    system = projected
    streams = [new_case() for _ in range(20)]
    for s in streams:
        await system.store.append(s, [opened()], 0, META)
    runner = ProjectionRunner(OpenedCases(), system.pool, system.js, system.bus, batch_size=7)
    async with running(runner.run()):
        await wait_until(lambda: _count(system, 20))
        assert await runner.wait_for(20, timeout=10)
    assert await runner.checkpoint() == 20
    assert await wait_for_version(system.pool, runner.projection, streams[-1], 1, timeout=1)
    assert not await wait_for_version(system.pool, runner.projection, streams[-1], 2, timeout=0.1)


async def test_poison_event_halts_projection_until_fixed(projected):
    system = projected
    projection = OpenedCases()
    projection.poison = "bad"
    for category in ["ok", "ok", "bad", "ok"]:
        await system.store.append(new_case(), [opened(category)], 0, META)
    runner = ProjectionRunner(projection, system.pool, system.js, system.bus)
    async with running(runner.run()):
        await wait_until(lambda: _halted(runner))
        status = runner.status()
        assert status["status"] == "halted"
        assert status["sequence"] == 3
        assert "cannot project category bad" in status["error"]
        assert len(await rows(system)) == 2  # the events after the poison one wait
        projection.poison = None
        runner.resume()
        await wait_until(lambda: _count(system, 4))
        assert runner.status()["status"] == "ok"
    assert runner.status()["status"] == "stopped"
    assert await runner.checkpoint() == 4


async def test_rebuild_from_zero_gives_the_same_rows(projected):
    system = projected
    for i in range(30):
        await system.store.append(new_case(), [opened(str(i % 4))], 0, META)
    runner = ProjectionRunner(OpenedCases(), system.pool, system.js, system.bus, batch_size=8)
    async with running(runner.run()):
        await wait_until(lambda: _count(system, 30))
    live = await rows(system)
    seen = []
    total = await ProjectionRunner(OpenedCases(), system.pool, system.js, system.bus).replay(
        on_progress=lambda done, end: seen.append((done, end))
    )
    assert total == 30
    assert seen[-1] == (30, 30)
    assert await rows(system) == live


async def test_two_runners_of_one_projection_never_apply_an_event_twice(projected):
    system = projected
    for _ in range(50):
        await system.store.append(new_case(), [opened()], 0, META)
    a = ProjectionRunner(OpenedCases(), system.pool, system.js, system.bus, batch_size=5)
    b = ProjectionRunner(OpenedCases(), system.pool, system.js, system.bus, batch_size=5)
    async with running(a.run()), running(b.run()):
        await wait_until(lambda: _count(system, 50))
        await asyncio.gather(a.wait_for(50, 10), b.wait_for(50, 10))
    assert a.halted is None and b.halted is None  # a unique-key clash would have halted one


async def _count(system, n):
    return len(await rows(system)) >= n


async def _halted(runner):
    return runner.halted is not None


async def test_waiting_for_a_position_a_new_runner_starts_at_returns_at_once(projected):
    system = projected
    for _ in range(3):
        await system.store.append(new_case(), [opened()], 0, META)
    first = ProjectionRunner(OpenedCases(), system.pool, system.js, system.bus)
    async with running(first.run()):
        assert await first.wait_for(3, timeout=10)
    # Nothing more comes: the next runner reaches 3 on reading its checkpoint alone.
    again = ProjectionRunner(OpenedCases(), system.pool, system.js, system.bus)
    async with running(again.run()):
        assert await again.wait_for(3, timeout=10), again.status()


class SlowOpenedCases(OpenedCases):
    """Each event takes a while to apply; records the size of each batch."""

    def __init__(self) -> None:
        super().__init__()
        self.sizes: list[int] = []

    async def apply_batch(self, conn, events) -> None:
        self.sizes.append(len(events))
        await conn.execute("SELECT pg_sleep($1)", 0.01 * len(events))
        await super().apply_batch(conn, events)


async def test_a_runner_catching_up_keeps_its_transactions_short(projected):
    """A write transaction holds the relay back: a runner whose batches run long takes
    fewer events in the next, and still applies every one."""
    system = projected
    for _ in range(120):
        await system.store.append(new_case(), [opened()], 0, META)
    projection = SlowOpenedCases()
    runner = ProjectionRunner(
        projection, system.pool, system.js, system.bus, batch_size=500, batch_seconds=0.05
    )
    async with running(runner.run()):
        assert await runner.wait_for(120, timeout=30)
    sizes = projection.sizes
    assert sum(sizes) == 120 == len(await rows(system))
    # A batch of more than 5 events takes more than 0.05 s: every later one fits the time.
    first_long = next(i for i, size in enumerate(sizes) if size > 5)
    assert sizes[first_long + 1 :] and max(sizes[first_long + 1 :]) <= 5, sizes


class OpenedOnly(OpenedCases):
    handles = (CaseOpened,)


async def test_batches_of_events_a_projection_does_not_read_take_no_transaction(projected):
    """What the projection does not read moves its position without taking the
    checkpoint's row (ADR 37; the server passes it over, ADR 39)."""
    system = projected
    await system.store.append(new_case(), [opened()], 0, META)
    # The stored checkpoint follows only after `skip_flush` of quiet, which must not come
    # while the row is locked: a relay slower than a second between two of the five events
    # would have the runner store what it had passed over so far, and wait on the lock.
    runner = ProjectionRunner(OpenedOnly(), system.pool, system.js, system.bus, skip_flush=600)
    async with running(runner.run()):
        assert await runner.wait_for(1, timeout=10)
        async with system.pool.acquire() as holder, holder.transaction():
            # A batch that claimed the checkpoint's row would wait here. A table lock takes
            # no transaction id, so the relay, which publishes in commit order, goes on.
            await holder.execute("LOCK TABLE intake.checkpoints IN EXCLUSIVE MODE")
            for _ in range(5):
                await system.store.append(new_case(), [triaged()], 0, META)
            assert await runner.wait_for(6, timeout=10), runner.status()
            assert runner.status()["skipped"] == 5
        assert await runner.checkpoint() == 1


async def test_the_position_passed_over_is_stored_once_nothing_more_comes(projected):
    """After a pause of `skip_flush`, the stored checkpoint follows what was passed over."""
    system = projected
    await system.store.append(new_case(), [opened()], 0, META)
    runner = ProjectionRunner(OpenedOnly(), system.pool, system.js, system.bus)
    async with running(runner.run()):
        for _ in range(5):
            await system.store.append(new_case(), [triaged()], 0, META)
        assert await runner.wait_for(6, timeout=10), runner.status()
        await wait_until(lambda: _stored(runner, 6))  # nothing more came: stored


async def test_a_wait_is_answered_when_what_it_waits_for_is_passed_over_after_it_began(
    projected,
):
    """Somebody waits for a position the relay has not published yet, of types the
    projection does not read: the server sends nothing, so the runner asked once and then
    only at its next pause (here never), and the wait ran out."""
    system = projected
    await system.store.append(new_case(), [opened()], 0, META)
    runner = ProjectionRunner(
        OpenedOnly(), system.pool, system.js, system.bus, idle_check=600, skip_flush=600
    )
    async with running(runner.run()):
        assert await runner.wait_for(1, timeout=10)
        waiting = asyncio.create_task(runner.wait_for(3, timeout=10))
        await wait_until(lambda: _waiting(runner, 3))
        for _ in range(2):
            await system.store.append(new_case(), [triaged()], 0, META)
        assert await waiting, runner.status()
        assert runner.status()["skipped"] == 2


async def test_the_next_batch_a_projection_reads_stores_the_position_skipped_to(projected):
    """With no pause to store it in, the skipped position is stored by the next batch the
    projection reads; a runner that starts again receives the skipped events again, and
    counts them once."""
    system = projected
    await system.store.append(new_case(), [opened()], 0, META)
    runner = ProjectionRunner(OpenedOnly(), system.pool, system.js, system.bus, skip_flush=600)
    async with running(runner.run()):
        assert await runner.wait_for(1, timeout=10)
        for _ in range(3):
            await system.store.append(new_case(), [triaged()], 0, META)
        assert await runner.wait_for(4, timeout=10)
        assert await runner.checkpoint() == 1  # not stored: nothing read since
    async with running(runner.run()):  # again, from the stored checkpoint
        await system.store.append(new_case(), [opened()], 0, META)
        assert await runner.wait_for(5, timeout=10)
        assert await runner.checkpoint() == 5
        assert runner.status()["skipped"] == 3
    assert len(await rows(system)) == 2


def triaged() -> CaseTriaged:
    return CaseTriaged(case_id="c", severity="high")


async def _waiting(runner, n):
    return n in runner._waits


async def _stored(runner, n):
    return await runner.checkpoint() >= n
