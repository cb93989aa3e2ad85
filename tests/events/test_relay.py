import asyncio
import json

from redress.events.relay import Relay
from tests.events.helpers import META, new_case, opened, running, wait_until


async def stream_messages(system):
    """Every message of the test's JetStream stream, in sequence order."""
    last = await system.bus.last_sequence(system.js)
    return [await system.js.get_msg(system.bus.stream, seq) for seq in range(1, last + 1)]


async def test_relay_publishes_each_event_once_in_log_order(system):
    streams = [new_case() for _ in range(5)]
    for s in streams:
        await system.store.append(s, [opened("a"), opened("b")], 0, META)
    relay = Relay(system.dsn, system.js, system.bus, batch_size=3, poll_interval=0.05)
    async with running(relay.run()):
        await wait_until(lambda: _at(system, 10))
        msgs = await stream_messages(system)
    events = [json.loads(m.data) for m in msgs]
    ids = [e["id"] for e in events]
    assert len(ids) == len(set(ids)) == 10
    assert [e["position"] for e in events] == sorted(e["position"] for e in events)
    assert msgs[0].subject == f"{system.bus.prefix}.case.CaseOpened"
    assert events[0]["data"]["category"] == "a"
    assert events[0]["tenant"] == "acme"


async def test_each_message_is_a_cloudevent_in_structured_mode(system):
    """ADR 0021: the attributes in the payload; headers only for NATS and the trace."""
    stream = new_case()
    await system.store.append(stream, [opened("a")], 0, META)
    relay = Relay(system.dsn, system.js, system.bus, poll_interval=0.05)
    async with running(relay.run()):
        await wait_until(lambda: _at(system, 1))
        [msg] = await stream_messages(system)
    event = json.loads(msg.data)
    assert {k: event[k] for k in ("specversion", "source", "type", "datacontenttype")} == {
        "specversion": "1.0", "source": "redress", "type": "CaseOpened",
        "datacontenttype": "application/json",
    }  # fmt: skip
    assert (event["stream"], event["version"], event["schemaversion"]) == (stream, 1, 2)
    assert event["actor"] == {"id": META.actor.id, "role": META.actor.role}
    assert "correlationid" not in event and "causationid" not in event
    assert set(msg.headers) == {"Nats-Msg-Id", "Nats-Expected-Last-Sequence"}
    assert msg.headers["Nats-Msg-Id"] == event["id"]


async def test_relay_resumes_after_the_last_message_in_the_stream(system):
    stream = new_case()
    await system.store.append(stream, [opened("1")], 0, META)
    first = Relay(system.dsn, system.js, system.bus, poll_interval=0.05)
    async with running(first.run()):
        await wait_until(lambda: _at(system, 1))
    await system.store.append(stream, [opened("2"), opened("3")], 1, META)
    second = Relay(system.dsn, system.js, system.bus, poll_interval=0.05)
    async with running(second.run()):
        await wait_until(lambda: _at(system, 3))
    msgs = await stream_messages(system)
    assert [json.loads(m.data)["data"]["category"] for m in msgs] == ["1", "2", "3"]


async def test_a_standby_relay_takes_over_when_the_leader_stops(system):
    leader = Relay(system.dsn, system.js, system.bus, poll_interval=0.05)
    standby = Relay(system.dsn, system.js, system.bus, poll_interval=0.05)
    async with running(leader.run()) as leader_task:
        await asyncio.wait_for(leader.leading.wait(), 10)
        async with running(standby.run()):
            await system.store.append(new_case(), [opened()], 0, META)
            await wait_until(lambda: _at(system, 1))
            assert not standby.leading.is_set()
            leader_task.cancel()
            await asyncio.wait_for(standby.leading.wait(), 10)
            await system.store.append(new_case(), [opened()], 0, META)
            await wait_until(lambda: _at(system, 2))


async def test_an_append_inside_a_transaction_wakes_the_relay_after_its_commit(system):
    # The poll would take an hour: only a wake-up after the commit delivers the event.
    await system.store.start_notifier()
    relay = Relay(system.dsn, system.js, system.bus, poll_interval=3600)
    async with running(relay.run()):
        await asyncio.wait_for(relay.leading.wait(), 10)
        await system.store.append(new_case(), [opened("alone")], 0, META)
        await wait_until(lambda: _at(system, 1), timeout=5)
        async with system.pool.acquire() as conn, conn.transaction():
            await system.store.append(new_case(), [opened("in a transaction")], 0, META, conn=conn)
            # The caller's transaction goes on after the append, as a filing does.
            await conn.execute("SELECT pg_sleep(0.3)")
        await wait_until(lambda: _at(system, 2), timeout=5)


async def _at(system, n):
    return await system.bus.last_sequence(system.js) >= n


async def test_a_relay_held_back_by_an_open_transaction_backs_off_and_delivers_at_its_end(system):
    await system.store.start_notifier()
    relay = Relay(system.dsn, system.js, system.bus, poll_interval=3600, held_back_cap=0.25)
    async with running(relay.run()):
        await asyncio.wait_for(relay.leading.wait(), 10)
        async with system.pool.acquire() as holder:
            holding = holder.transaction()
            await holding.start()
            await holder.fetchval("SELECT pg_current_xact_id()")  # writes nothing, holds back
            await system.store.append(new_case(), [opened()], 0, META)
            reads = relay.reads
            await asyncio.sleep(1.0)  # the fault: a transaction left open for a second
            # At a fixed 5 ms the relay would have read the log some 200 times.
            assert relay.reads - reads < 20
            assert await system.bus.last_sequence(system.js) == 0
            await holding.commit()
        await wait_until(lambda: _at(system, 1), timeout=2)
