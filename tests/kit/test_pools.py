"""The deadline pool hooks asyncpg where it was written against (0.32.0): a new asyncpg that
renames or reshapes that private step fails here, not by a request waiting for ever."""

import asyncio
import inspect

import asyncpg
import pytest

from redress.kit.pools import DeadlinePool, unless_stalled
from tests.events.faults import pg_path
from tests.events.helpers import wait_until


def test_asyncpg_still_has_the_step_the_pool_overrides():
    """`Pool._acquire(timeout)` is what every `acquire()` awaits, `Connection._cancel` what
    every cancel of a timed-out command runs; `Pool.__init__` takes the keywords the pool
    passes it."""
    assert list(inspect.signature(asyncpg.Pool._acquire).parameters) == ["self", "timeout"]
    acquire = inspect.getsource(asyncpg.pool.PoolAcquireContext.__aenter__)
    assert "self.pool._acquire(self.timeout)" in acquire
    cancel = inspect.signature(asyncpg.Connection._cancel).parameters
    assert list(cancel) == ["self", "waiter", "cancel_waiter"]
    assert "self._cancel(waiter, cancel_waiter)" in inspect.getsource(
        asyncpg.Connection._cancel_current_command
    )
    assert "_cancellations" in asyncpg.Connection.__slots__
    taken = inspect.signature(asyncpg.Pool.__init__).parameters
    for keyword in (
        "min_size", "max_size", "max_queries", "max_inactive_connection_lifetime", "loop",
        "connection_class", "record_class", "reset",
    ):  # fmt: skip
        assert taken[keyword].kind is inspect.Parameter.KEYWORD_ONLY, keyword


async def test_a_caller_in_line_gives_up_when_no_connection_comes_back(system):
    """Its only connection held and never given back, an `acquire()` without a timeout ends
    with the pool's own TimeoutError; the connection, once back, is handed out again."""
    pool = DeadlinePool(system.dsn, min_size=1, max_size=1, wait=0.2, longest=30)
    await pool
    try:
        held = await pool.acquire()
        # The guard only keeps a broken hook from hanging the run; its TimeoutError would
        # not match.
        with pytest.raises(TimeoutError, match="no database connection within"):
            await asyncio.wait_for(pool.acquire(), 20)
        await pool.release(held)
        async with pool.acquire() as conn:
            assert await conn.fetchval("SELECT 1") == 1
    finally:
        pool.terminate()  # a broken hook leaves a waiter that close() would wait on


async def test_the_pool_counts_what_it_lent_and_who_queued(system):
    """The figures /metrics shows and a pool's size is chosen from: the most connections lent
    at once, and the acquires that found every one taken, with the time they waited."""
    pool = DeadlinePool(system.dsn, min_size=1, max_size=2, wait=5, longest=30)
    await pool
    try:
        first, second = await pool.acquire(), await pool.acquire()
        assert (pool.in_use, pool.peak, pool.queued) == (2, 2, 0)
        third = asyncio.ensure_future(pool.acquire())

        async def in_line() -> bool:
            return pool.waiting == 1

        await wait_until(in_line)  # nothing else can give it a connection
        assert not third.done()
        await pool.release(first)
        conn = await asyncio.wait_for(third, 10)
        assert (pool.in_use, pool.peak, pool.queued, pool.waiting) == (2, 2, 1, 0)
        assert pool.queued_seconds > 0
        await pool.release(conn)
        await pool.release(second)
        await pool.release(second)  # released twice: asyncpg ignores it, and so does the count
        assert pool.in_use == 0
    finally:
        pool.terminate()  # a failed assertion leaves connections out, which close() awaits


async def test_work_is_given_up_on_a_stalled_pool_not_on_a_busy_one(system):
    """Connections coming back all the while, work outlasting its deadline goes on; with a
    connection lent and none back within `wait`, it is cut off with the pool's TimeoutError."""
    pool = DeadlinePool(system.dsn, min_size=1, max_size=1, wait=0.5, longest=30)
    await pool
    try:
        given_back = 0

        async def busy() -> None:
            nonlocal given_back
            while True:
                async with pool.acquire():
                    await asyncio.sleep(0.05)
                given_back += 1

        async def enough() -> bool:
            return given_back >= 40  # past `after` many times over, and past `wait`

        async def outlasting() -> str:
            await wait_until(enough)
            return "done"

        users = [asyncio.create_task(busy()) for _ in range(2)]
        try:
            assert await unless_stalled(pool, outlasting(), after=0.2) == "done"
        finally:
            for user in users:
                user.cancel()
            await asyncio.gather(*users, return_exceptions=True)

    finally:
        pool.terminate()
    async with pg_path(system.dsn) as path:
        pool = DeadlinePool(path.url, min_size=1, max_size=1, wait=0.5, longest=30)
        await pool
        try:
            held = await pool.acquire()
            path.freeze()  # the server stops answering: nothing comes back, nor any answer
            try:
                with pytest.raises(TimeoutError, match="no answer from the database"):
                    work = held.fetchval("SELECT 1", timeout=30)
                    await asyncio.wait_for(unless_stalled(pool, work, after=0.2), 20)
            finally:
                path.thaw()
        finally:
            pool.terminate()


async def test_slow_statements_filling_the_pool_are_waited_for_while_the_server_answers(system):
    """Nothing comes back to the pool while its one connection runs a long statement:
    stalled by the clock, and no connection to ask on, but the server answers a question on
    a connection of its own, so the work goes on."""
    pool = DeadlinePool(system.dsn, min_size=1, max_size=1, wait=0.3, longest=30)
    await pool
    try:

        async def slow() -> str:
            async with pool.acquire() as connection:
                await connection.execute("SELECT pg_sleep(1.5)")
            return "done"

        assert await unless_stalled(pool, slow(), after=0.2) == "done"
        # However many wait on it, one question at a time.
        if pool._question is not None:
            await pool._question  # the watch's own, ending within its deadlines
        questions = 0
        ask = pool._ask

        async def counted() -> bool:
            nonlocal questions
            questions += 1
            return await ask()

        pool._ask = counted  # type: ignore[method-assign]
        assert await asyncio.gather(*(pool.answers() for _ in range(5))) == [True] * 5
        assert questions == 1
    finally:
        pool.terminate()
