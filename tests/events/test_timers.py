from datetime import UTC, datetime, timedelta

from redress.events.catalogue.case import StageDeadlineMissed
from redress.events.envelope import Metadata
from redress.events.migrations import migrate
from redress.events.timers import FixedClock, Scheduler, cancel, schedule
from tests.events.helpers import component

T0 = datetime(2026, 1, 1, tzinfo=UTC)


async def test_due_timers_fire_once_and_only_when_due(system, tmp_path):
    async with system.pool.acquire() as conn:
        await migrate(conn, [component(str(tmp_path))])
        await schedule(
            conn,
            "intake",
            "case-1:ack",
            "deadline",
            "acme",
            T0 + timedelta(days=7),
            stream="case-0190a000-0000-7000-8000-000000000001",
            stage="acknowledgement",
        )
        await schedule(
            conn,
            "intake",
            "case-2:ack",
            "deadline",
            "acme",
            T0 + timedelta(days=7),
            stream="case-0190a000-0000-7000-8000-000000000002",
            stage="acknowledgement",
        )
        await cancel(conn, "intake", "case-2:ack")

    async def missed(conn, timer):
        stream = timer.payload["stream"]
        version = await conn.fetchval(
            "SELECT coalesce(max(version), 0) FROM eventlog.events WHERE stream = $1", stream
        )
        event = StageDeadlineMissed(case_id=stream, stage=timer.payload["stage"])
        await system.store.append(
            stream, [event], version, Metadata(tenant=timer.tenant), conn=conn
        )

    clock = FixedClock(T0 + timedelta(days=6))
    scheduler = Scheduler(system.pool, "intake", {"deadline": missed}, clock)
    assert await scheduler.tick() == 0
    clock.at = T0 + timedelta(days=7, seconds=1)
    assert await scheduler.tick() == 1
    assert await scheduler.tick() == 0
    events = await system.store.read_stream("case-0190a000-0000-7000-8000-000000000001")
    assert [e.type for e in events] == ["StageDeadlineMissed"]
    assert await system.store.stream_version("case-0190a000-0000-7000-8000-000000000002") == 0
