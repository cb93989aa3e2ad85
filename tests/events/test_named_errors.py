"""A background task's reason on /health names the server that did not answer, also when
its client timed out with a bare `TimeoutError`."""

from __future__ import annotations

import asyncio

import asyncpg
import pytest

from redress.events.recovery import Trouble, named


async def _failure(work) -> BaseException:
    with pytest.raises(BaseException) as caught:
        await work
    return caught.value


async def test_a_statement_past_its_timeout_names_postgresql(system):
    conn = await asyncpg.connect(system.dsn)
    try:
        by_asyncpg = await _failure(conn.fetchval("SELECT pg_sleep(5)", timeout=0.05))
        by_asyncio = await _failure(asyncio.wait_for(conn.fetchval("SELECT pg_sleep(5)"), 0.05))
    finally:
        conn.terminate()
    for exc in (by_asyncpg, by_asyncio):
        assert isinstance(exc, TimeoutError) and not str(exc)  # bare, as asyncpg raises it
        assert named(exc) == "TimeoutError: PostgreSQL: no answer in time"


async def test_a_closed_connection_names_postgresql_and_a_reason_that_names_one_is_kept(system):
    conn = await asyncpg.connect(system.dsn)
    await conn.close()
    closed = await _failure(conn.fetchval("SELECT 1"))
    assert named(closed) == "InterfaceError: PostgreSQL: connection is closed"
    said = TimeoutError("PostgreSQL: the log: no answer within 5 s")
    assert named(said) == "TimeoutError: PostgreSQL: the log: no answer within 5 s"
    assert named(TimeoutError()) == "TimeoutError"  # nothing says which: nothing is made up


async def test_a_request_nats_does_not_answer_names_nats(system):
    unanswered = await _failure(system.nc.request("redress.test.nobody.listens", b"", 0.05))
    assert "NATS" in named(unanswered)


async def test_troubles_report_the_named_reason(system):
    conn = await asyncpg.connect(system.dsn)
    try:
        exc = await _failure(conn.fetchval("SELECT pg_sleep(5)", timeout=0.05))
    finally:
        conn.terminate()
    trouble = Trouble("test")
    trouble.report(exc)
    assert trouble.as_status()["reason"] == "TimeoutError: PostgreSQL: no answer in time"
