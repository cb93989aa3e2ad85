"""What counts as a passing failure, and a supervisor that never lets a worker stay dead."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable

import asyncpg
import nats.errors
import nats.js.errors
import pytest

from redress.events.leader import leadership, lock_key
from redress.events.recovery import Backoff, Trouble, is_transient, stop, supervise, working
from tests.events.helpers import running, wait_until


@pytest.mark.parametrize(
    "error",
    [
        ConnectionRefusedError(111, "Connect call failed"),
        ConnectionResetError(),
        TimeoutError(),
        asyncpg.exceptions.CannotConnectNowError("the database system is starting up"),
        asyncpg.exceptions.AdminShutdownError("terminating connection"),
        asyncpg.exceptions.ConnectionDoesNotExistError("connection was closed"),
        asyncpg.exceptions.DeadlockDetectedError("deadlock detected"),
        asyncpg.exceptions.QueryCanceledError("canceling statement due to statement timeout"),
        asyncpg.exceptions.TooManyConnectionsError("too many clients"),
        nats.errors.TimeoutError(),
        nats.errors.NoRespondersError(),
        nats.errors.ConnectionClosedError(),
        nats.js.errors.ServiceUnavailableError(),
    ],
)
def test_connection_losses_restarts_and_timeouts_are_transient(error):
    assert is_transient(error)


@pytest.mark.parametrize(
    "error",
    [
        ValueError("cannot project category bad"),
        KeyError("case_id"),
        asyncpg.exceptions.UniqueViolationError("duplicate key"),
        asyncpg.exceptions.UndefinedColumnError("column does not exist"),
        nats.js.errors.BadRequestError(),
    ],
)
def test_an_event_that_cannot_be_applied_is_not_transient(error):
    assert not is_transient(error)


def test_a_wrapped_connection_loss_is_transient():
    try:
        try:
            raise ConnectionResetError()
        except ConnectionResetError as exc:
            raise RuntimeError("applying the batch failed") from exc
    except RuntimeError as wrapped:
        assert is_transient(wrapped)


def test_backoff_grows_with_jitter_up_to_its_cap():
    backoff = Backoff(initial=0.1, cap=1.0)
    delays = [backoff.next_delay() for _ in range(8)]
    assert 0.05 <= delays[0] <= 0.1
    assert 0.1 <= delays[2] <= 0.4
    assert all(0.5 <= d <= 1.0 for d in delays[4:])
    backoff.reset()
    assert backoff.next_delay() <= 0.1


async def test_a_worker_that_dies_is_started_again_logged_and_counted():
    trouble = Trouble("worker")
    starts = 0
    forever = asyncio.Event()

    async def work() -> None:
        nonlocal starts
        starts += 1
        if starts == 1:
            raise ValueError("a bug")
        if starts == 2:
            return  # ended by itself: as dead as a crash
        await forever.wait()

    async with running(supervise(work, trouble, Backoff(initial=0.01, cap=0.02))):
        await wait_until(lambda: _started(starts_of=lambda: starts, n=3), timeout=5)
        assert trouble.restarts == 2
        assert trouble.failures == 2
        assert trouble.as_status()["status"] == "degraded"
        assert "stopped by itself" in str(trouble.reason)


async def _started(starts_of, n: int) -> bool:
    return starts_of() >= n


def failing_once(
    first: Exception, then: Callable[[], None] = lambda: None
) -> Callable[[], Awaitable[None]]:
    """Work that fails at its first start with `first`, then calls `then` and runs on."""
    starts = 0

    async def work() -> None:
        nonlocal starts
        starts += 1
        if starts == 1:
            raise first
        then()
        await asyncio.Event().wait()

    return work


async def test_a_restarted_worker_that_runs_well_is_ok_again():
    trouble = Trouble("worker")
    work = failing_once(ValueError("a bug"))
    supervisor = supervise(work, trouble, Backoff(initial=0.01, cap=0.02), healthy_after=0.2)
    async with running(supervisor):
        await wait_until(lambda: _ok(trouble), timeout=5)
        assert trouble.restarts == 1


async def test_work_that_says_it_works_is_ok_again_at_once_not_after_healthy_after():
    """A scheduler's tick done, a standby's look at the lock: the outage it was restarted
    for is over then, where the supervisor would wait `healthy_after` (10 s in the services)."""
    trouble = Trouble("worker")
    work = failing_once(ConnectionRefusedError("the database is restarting"), then=working)
    supervisor = supervise(work, trouble, Backoff(initial=0.01, cap=0.02), healthy_after=60)
    async with running(supervisor):
        await wait_until(lambda: _ok(trouble), timeout=5)
    working()  # outside a supervisor: nothing to end, and no error


async def test_a_standby_scheduler_is_ok_once_it_reaches_the_lock_again(system):
    trouble = Trouble("scheduler")
    held = await asyncpg.connect(system.dsn)
    await held.fetchval("SELECT pg_advisory_lock($1)", lock_key("scheduler:test"))
    trouble.report(ConnectionRefusedError("the database is restarting"))

    async def work() -> None:
        async with leadership(system.dsn, "scheduler:test", standby_interval=0.05):
            raise AssertionError("the lock is held elsewhere")

    try:
        async with running(supervise(work, trouble, healthy_after=60)):
            await wait_until(lambda: _ok_now(trouble), timeout=5)
    finally:
        await held.close()


async def _ok_now(trouble: Trouble) -> bool:
    return trouble.as_status()["status"] == "ok"


async def _ok(trouble: Trouble) -> bool:
    return trouble.restarts >= 1 and trouble.as_status()["status"] == "ok"


async def test_a_parent_cancelled_while_it_stops_its_child_still_waits_for_the_child():
    """As a runner under its leader: cancelled twice, the second time while it is stopping
    its child (a runner rolling back), it must not end and leave the child running."""
    release = asyncio.Event()
    cancels = 0

    async def child() -> None:
        nonlocal cancels
        while not release.is_set():  # slow to stop: each cancel only counted
            try:
                await release.wait()
            except asyncio.CancelledError:
                cancels += 1

    started = asyncio.ensure_future(child())
    entered = asyncio.Event()

    async def parent() -> None:
        try:
            entered.set()
            await asyncio.Event().wait()
        finally:
            await stop(started)

    async def cancelled(n: int) -> bool:
        return cancels >= n

    task = asyncio.ensure_future(parent())
    try:
        await entered.wait()  # cancelled once inside, so that its stop runs
        task.cancel()
        await wait_until(lambda: cancelled(1), timeout=5)
        task.cancel()  # while it stops its child
        await wait_until(lambda: cancelled(2), timeout=5)
        assert not task.done() and not started.done()
    finally:
        release.set()  # the child ends, whatever the test found
    await asyncio.wait({task}, timeout=5)
    assert task.cancelled() and started.done()


async def test_stopping_several_tasks_stops_each_even_when_the_stop_is_cancelled():
    """As the relay stops its publisher and its watchdog: cancelled while stopping the
    first, it stops the second too, and retrieves a failure of either."""
    release = asyncio.Event()
    cancels = 0

    async def slow() -> None:
        nonlocal cancels
        while not release.is_set():
            try:
                await release.wait()
            except asyncio.CancelledError:
                cancels += 1

    async def failed() -> None:
        raise ValueError("the watchdog's finding")

    first, second = asyncio.ensure_future(slow()), asyncio.ensure_future(failed())
    stopping = asyncio.ensure_future(stop(first, second))

    async def second_done() -> bool:
        return second.done()

    async def cancelled_again() -> bool:
        return cancels >= 2  # the stop went on cancelling after its own cancel

    try:
        await wait_until(second_done, timeout=5)
        stopping.cancel()
        await wait_until(cancelled_again, timeout=5)
        assert not stopping.done() and not first.done()
    finally:
        release.set()
    await asyncio.wait({stopping}, timeout=5)
    assert stopping.cancelled() and first.done()
    assert isinstance(second.exception(), ValueError)


async def test_work_stopped_by_an_outage_waits_no_longer_than_the_transient_cap():
    """Cases' alert sender came back 31 s after a 45 s database stop: each lost connection
    had doubled its wait towards the 30 s cap meant for bugs."""
    trouble = Trouble("worker")
    starts = 0
    forever = asyncio.Event()

    async def work() -> None:
        nonlocal starts
        starts += 1
        if starts <= 12:  # without the cap, the twelfth wait alone would be 20 s or more
            raise ConnectionRefusedError(111, "Connect call failed")
        await forever.wait()

    supervisor = supervise(work, trouble, Backoff(initial=0.01, cap=60.0), transient_cap=0.05)
    async with running(supervisor):
        await wait_until(lambda: _started(starts_of=lambda: starts, n=13), timeout=5)
        assert trouble.restarts == 12
