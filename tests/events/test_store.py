import asyncio
from uuid import uuid4

import asyncpg
import pytest

from redress.events.errors import ConcurrencyError
from redress.events.opening import NewStream, open_streams
from redress.events.store import LogCursor
from tests.events.helpers import META, new_case, opened


async def test_append_then_read_stream_in_version_order(system):
    stream = new_case()
    first = await system.store.append(stream, [opened("a"), opened("b")], 0, META)
    second = await system.store.append(stream, [opened("c")], first.version, META)
    assert (first.version, second.version) == (2, 3)
    events = await system.store.read_stream(stream)
    assert [e.data.category for e in events] == ["a", "b", "c"]
    assert [e.version for e in events] == [1, 2, 3]
    assert all(e.tenant == "acme" for e in events)


async def test_two_appends_at_one_expected_version_exactly_one_wins(system):
    stream = new_case()
    await system.store.append(stream, [opened()], 0, META)
    results = await asyncio.gather(
        *(system.store.append(stream, [opened(str(i))], 1, META) for i in range(2)),
        return_exceptions=True,
    )
    assert sum(not isinstance(r, Exception) for r in results) == 1
    assert sum(isinstance(r, ConcurrencyError) for r in results) == 1
    assert await system.store.stream_version(stream) == 2


async def test_append_at_a_version_ahead_of_the_stream_is_refused(system):
    stream = new_case()
    with pytest.raises(ConcurrencyError):
        await system.store.append(stream, [opened()], 3, META)
    assert await system.store.stream_version(stream) == 0


async def test_an_event_of_another_stream_type_is_refused(system):
    from redress.events.catalogue.grievance import WithdrawalRequested

    with pytest.raises(ValueError, match="does not belong"):
        await system.store.append(new_case(), [WithdrawalRequested(grievance_id="g")], 0, META)


async def test_log_holds_back_events_of_a_transaction_still_open(system):
    early, late = new_case(), new_case()
    async with system.pool.acquire() as conn:
        tx = conn.transaction()
        await tx.start()
        await system.store.append(early, [opened("early")], 0, META, conn=conn)
        await system.store.append(late, [opened("late")], 0, META)
        seen = [e async for e in system.store.read_log()]
        assert seen == []  # the late commit must wait for the open, older transaction
        await tx.commit()
    seen = [e.data.category async for e in system.store.read_log()]
    assert seen == ["early", "late"]
    assert [e.stream async for e in system.store.read_log(LogCursor())] == [early, late]


async def test_services_may_not_update_or_delete_the_log(system):
    stream = new_case()
    await system.store.append(stream, [opened()], 0, META)
    async with system.pool.acquire() as conn:
        await conn.execute("SET ROLE redress_intake")
        with pytest.raises(asyncpg.InsufficientPrivilegeError):
            await conn.execute("UPDATE eventlog.events SET tenant = 'other'")
        with pytest.raises(asyncpg.InsufficientPrivilegeError):
            await conn.execute("DELETE FROM eventlog.events")
        await conn.execute("RESET ROLE")
        with pytest.raises(asyncpg.RaiseError, match="append-only"):
            await conn.execute("DELETE FROM eventlog.events")


async def test_an_older_transaction_may_not_append_after_a_newer_one(system):
    """Delivery follows transaction ids: a stream's events must not be delivered out of
    version order, so a transaction older than the stream's last event is refused."""
    stream = new_case()
    async with system.pool.acquire() as conn:
        tx = conn.transaction()
        await tx.start()
        await conn.fetchval("SELECT pg_current_xact_id()")  # this transaction takes its id now
        await system.store.append(stream, [opened("newer")], 0, META)  # a newer one commits
        with pytest.raises(ConcurrencyError):
            await system.store.append(stream, [opened("older")], 1, META, conn=conn)
        await tx.rollback()
    await system.store.append(stream, [opened("retried")], 1, META)  # a fresh one may
    seen = [e.data.category async for e in system.store.read_log()]
    assert seen == ["newer", "retried"]


async def test_the_transaction_that_wrote_a_stream_may_append_to_it_again(system):
    """Its events are delivered in position order, so in version order: a policy that opened
    a case in its batch may end it in the same batch (a worker's withdrawal)."""
    stream = new_case()
    async with system.pool.acquire() as conn, conn.transaction():
        await system.store.append(stream, [opened("first")], 0, META, conn=conn)
        await system.store.append(stream, [opened("second")], 1, META, conn=conn)
    seen = [e.data.category async for e in system.store.read_log()]
    assert seen == ["first", "second"]


async def test_many_streams_open_in_one_statement_in_order_each_only_once(system):
    """A policy's batch opens its cases at once: a stream with events already is left (a
    replay), one named twice is opened as first named, and the log delivers the streams in
    the order given, each in version order."""
    kept, first, second = new_case(), new_case(), new_case()
    meta = META.model_copy(update={"causationid": uuid4()})
    await system.store.append(kept, [opened("before")], 0, META)
    async with system.pool.acquire() as conn, conn.transaction():
        written = await open_streams(system.store, conn, [
            NewStream(first, [opened("1a"), opened("1b")], meta),
            NewStream(kept, [opened("again")], meta),
            NewStream(second, [opened("2a")], meta),
            NewStream(first, [opened("twice")], meta),
        ])  # fmt: skip
    assert written == {first, second}
    seen = [(e.stream, e.version, e.data.category) async for e in system.store.read_log()]
    assert seen == [(kept, 1, "before"), (first, 1, "1a"), (first, 2, "1b"), (second, 1, "2a")]
    assert all(e.causationid == meta.causationid for e in await system.store.read_stream(first))
    async with system.pool.acquire() as conn, conn.transaction():
        assert await open_streams(system.store, conn, [NewStream(first, [opened()], meta)]) == set()
