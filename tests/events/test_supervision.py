"""What counts as a passing failure, and a supervisor that never lets a worker stay dead."""

from __future__ import annotations

import asyncio

import asyncpg
import nats.errors
import nats.js.errors
import pytest

from redress.events.recovery import Backoff, Trouble, is_transient, supervise
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


async def test_a_restarted_worker_that_runs_well_is_ok_again():
    trouble = Trouble("worker")
    starts = 0
    forever = asyncio.Event()

    async def work() -> None:
        nonlocal starts
        starts += 1
        if starts == 1:
            raise ValueError("a bug")
        await forever.wait()

    supervisor = supervise(work, trouble, Backoff(initial=0.01, cap=0.02), healthy_after=0.2)
    async with running(supervisor):
        await wait_until(lambda: _ok(trouble), timeout=5)
        assert trouble.restarts == 1


async def _ok(trouble: Trouble) -> bool:
    return trouble.restarts >= 1 and trouble.as_status()["status"] == "ok"
