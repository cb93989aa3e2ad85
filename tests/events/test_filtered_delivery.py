"""The server sends a runner only the types its projection reads (ADR 39); the runner learns
what was passed over by asking the server, at a pause or when someone waits for it."""

from __future__ import annotations

import asyncio
import functools

from redress.events.bus import sequence_of
from redress.events.projection import ProjectionRunner
from tests.events.helpers import META, new_case, opened, running, wait_until
from tests.events.test_projection import OpenedOnly, rows, triaged


def watched(runner: ProjectionRunner) -> list[int]:
    """The sequences the server sends the runner, as its reader is handed them."""
    sent: list[int] = []
    read = runner.reader.read

    def reading(batch):
        sent.extend(sequence_of(m) for m in batch)
        return read(batch)

    runner.reader.read = reading  # type: ignore[method-assign]
    return sent


async def test_a_runner_reaches_the_streams_end_past_what_it_does_not_read_at_a_pause(projected):
    system = projected
    await system.store.append(new_case(), [opened()], 0, META)
    for _ in range(3):
        await system.store.append(new_case(), [triaged()], 0, META)
    runner = ProjectionRunner(OpenedOnly(), system.pool, system.js, system.bus, idle_check=0.2)
    sent = watched(runner)
    async with running(runner.run()):
        # Nobody waits for a position: the pause alone moves it, and stores it.
        await wait_until(lambda: _stored(runner, 4))
        assert runner.position == 4
        assert runner.status()["skipped"] == 3
    assert sent == [1]
    assert len(await rows(system)) == 1


async def test_waiting_for_a_position_asks_the_server_at_once(projected):
    system = projected
    await system.store.append(new_case(), [opened()], 0, META)
    await system.store.append(new_case(), [triaged()], 0, META)
    # No pause will come within the test: only the wait can move the position.
    runner = ProjectionRunner(OpenedOnly(), system.pool, system.js, system.bus, idle_check=600)
    sent = watched(runner)
    # A position not yet in the stream is the server's to pass over only once it is there:
    # the runner learns of it at the next pause, so the test waits for its publication.
    await wait_until(lambda: _published(system, 2))
    async with running(runner.run()):
        assert await runner.wait_for(2, timeout=30), runner.status()
        await system.store.append(new_case(), [triaged()], 0, META)
        await system.store.append(new_case(), [opened()], 0, META)
        assert await runner.wait_for(4, timeout=30), runner.status()
        await system.store.append(new_case(), [triaged()], 0, META)
        await wait_until(lambda: _published(system, 5))
        assert await runner.wait_for(5, timeout=30), runner.status()
    assert sent == [1, 4]


async def test_the_events_passed_over_before_one_sent_are_passed_before_it_is_applied(projected):
    """A runner held on an event (a slow statement, a rebuild held in a test) has already
    passed the ones before it that the server did not send: they are not the projection's."""
    system = projected
    gate = asyncio.Event()

    class Held(OpenedOnly):
        async def apply_batch(self, conn, events) -> None:
            if any(e.sequence > 1 for e in events):
                await gate.wait()
            await super().apply_batch(conn, events)

    await system.store.append(new_case(), [opened()], 0, META)
    for _ in range(2):
        await system.store.append(new_case(), [triaged()], 0, META)
    await system.store.append(new_case(), [opened()], 0, META)
    await wait_until(lambda: _published(system, 4))
    # A batch of one event each, as a held rebuild's: the gap comes before a batch.
    runner = ProjectionRunner(
        Held(), system.pool, system.js, system.bus, idle_check=600, batch_size=1
    )
    async with running(runner.run()):
        try:
            assert await runner.wait_for(3, timeout=30), runner.status()
            assert len(await rows(system)) == 1  # the fourth is held
        finally:
            gate.set()
        assert await runner.wait_for(4, timeout=30), runner.status()
    assert runner.status()["skipped"] == 2


async def test_a_rebuild_whose_last_events_it_does_not_read_stores_the_streams_end(projected):
    system = projected
    await system.store.append(new_case(), [opened()], 0, META)
    await system.store.append(new_case(), [opened()], 0, META)
    for _ in range(3):
        await system.store.append(new_case(), [triaged()], 0, META)
    await wait_until(lambda: _published(system, 5))
    runner = ProjectionRunner(OpenedOnly(), system.pool, system.js, system.bus, idle_check=600)
    assert await runner.replay() == 5
    assert await runner.checkpoint() == 5
    assert len(await rows(system)) == 2


async def test_a_rebuild_over_a_stream_of_nothing_it_reads_reaches_the_end(projected):
    """A consumer that has sent nothing says it has looked further than it has sent (seen on
    NATS 2.15.1): the runner goes by the count of what was sent, not by that sequence."""
    system = projected
    for _ in range(5):
        await system.store.append(new_case(), [triaged()], 0, META)
    await wait_until(lambda: _published(system, 5))
    runner = ProjectionRunner(OpenedOnly(), system.pool, system.js, system.bus, idle_check=600)
    sent = watched(runner)
    assert await runner.replay() == 5
    assert await runner.checkpoint() == 5
    assert sent == []


async def test_a_consumer_gone_from_the_server_is_found_stalled_and_subscribed_again(projected):
    system = projected
    await system.store.append(new_case(), [opened()], 0, META)
    runner = ProjectionRunner(OpenedOnly(), system.pool, system.js, system.bus, idle_check=0.2)
    async with running(runner.run()):
        assert await runner.wait_for(1, timeout=30)
        for consumer in await system.js.consumers_info(system.bus.stream):
            await system.js.delete_consumer(system.bus.stream, consumer.name)
        await system.store.append(new_case(), [opened()], 0, META)
        await wait_until(lambda: _reported(runner))  # the runner's own finding, not nats-py's
        await wait_until(lambda: _applied(system, 2))
        assert runner.position == 2
        await wait_until(lambda: _ok(runner))


async def _stored(runner, n: int) -> bool:
    return await runner.checkpoint() >= n


async def _published(system, n: int) -> bool:
    return await system.bus.last_sequence(system.js) >= n


async def _reported(runner) -> bool:
    return runner.trouble.failures >= 1


async def _applied(system, n: int) -> bool:
    return len(await rows(system)) >= n


async def _ok(runner) -> bool:
    return runner.status()["status"] == "ok"


class Batches(OpenedOnly):
    """Records the size of each batch it applies."""

    def __init__(self) -> None:
        super().__init__()
        self.sizes: list[int] = []

    async def apply_batch(self, conn, events) -> None:
        self.sizes.append(len(events))
        await super().apply_batch(conn, events)


async def test_a_busy_runner_gathers_an_event_that_came_alone_with_those_behind_it(projected):
    system = projected
    projection = Batches()
    runner = ProjectionRunner(projection, system.pool, system.js, system.bus, gather=2.0)
    async with running(runner.run()):
        await system.store.append(new_case(), [opened()], 0, META)
        await wait_until(lambda: _sizes(projection, 1))  # the first after a pause, alone
        # The next comes alone too, soon after: the runner waits for the one behind it.
        await system.store.append(new_case(), [opened()], 0, META)
        await wait_until(lambda: _published(system, 2))
        await system.store.append(new_case(), [opened()], 0, META)
        await wait_until(lambda: _sizes(projection, 2))
        # The size is noted as the batch begins: its rows are there once it has committed,
        # not when the runner is stopped right after (it was, at times, before the commit).
        await wait_until(lambda: _rows_are(system, 3))
    assert projection.sizes == [1, 2]
    assert len(await rows(system)) == 3


async def _rows_are(system, n: int) -> bool:
    return len(await rows(system)) == n


async def test_an_event_somebody_waits_for_is_not_held_to_gather_others(projected):
    system = projected
    projection = Batches()
    # Gathering would hold the second event for longer than the test runs.
    runner = ProjectionRunner(projection, system.pool, system.js, system.bus, gather=600.0)
    async with running(runner.run()):
        for position in (1, 2):
            waiting = asyncio.ensure_future(runner.wait_for(position, timeout=30))
            await wait_until(functools.partial(_waited_for, runner, position))  # then appended
            await system.store.append(new_case(), [opened()], 0, META)
            assert await waiting, runner.status()
    assert projection.sizes == [1, 1]


async def _sizes(projection: Batches, batches: int) -> bool:
    return len(projection.sizes) >= batches


async def _waited_for(runner: ProjectionRunner, position: int) -> bool:
    return position in runner._waits
