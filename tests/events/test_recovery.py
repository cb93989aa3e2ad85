"""The relay and the runners heal by themselves when NATS or PostgreSQL fail under them."""

from __future__ import annotations

import asyncio
import json

from redress.events.relay import Relay
from tests.events.faults import own_nats
from tests.events.helpers import META, new_case, opened, running, wait_until


async def messages(js, bus) -> list:
    last = (await js.stream_info(bus.stream)).state.last_seq
    return [await js.get_msg(bus.stream, seq) for seq in range(1, last + 1)]


async def at_least(js, bus, n: int) -> bool:
    try:
        return (await js.stream_info(bus.stream)).state.last_seq >= n
    except Exception:  # the server is on its way back
        return False


def assert_each_once_in_log_order(msgs, categories: list[str]) -> None:
    assert [json.loads(m.data)["category"] for m in msgs] == categories
    assert len({m.headers["ce-id"] for m in msgs}) == len(msgs)
    versions = [int(m.headers["ce-version"]) for m in msgs]
    assert versions == list(range(1, len(msgs) + 1))


async def test_relay_delivers_a_page_lost_with_nats_once_nats_is_back(system, tmp_path):
    async with own_nats(tmp_path / "nats") as server:
        nc = await server.connect()
        js = nc.jetstream(timeout=1)
        relay = Relay(
            system.dsn, js, system.bus, poll_interval=0.05, ack_timeout=1.0, io_timeout=1.0
        )
        stream = new_case()
        categories = [f"c{i}" for i in range(25)]
        try:
            async with running(relay.run()):
                await system.store.append(stream, [opened(c) for c in categories[:5]], 0, META)
                await wait_until(lambda: at_least(js, system.bus, 5), timeout=10)
                server.pause()
                for i, c in enumerate(categories[5:], start=5):
                    await system.store.append(stream, [opened(c)], i, META)
                # A page is on its way to a server that does not answer.
                await wait_until(lambda: _pending(js), timeout=10)
                server.kill_and_restart()
                await wait_until(lambda: at_least(js, system.bus, 25), timeout=30)
                assert_each_once_in_log_order(await messages(js, system.bus), categories)
        finally:
            await nc.close()


async def _pending(js) -> bool:
    return js.publish_async_pending() > 0


async def test_a_stalled_relay_gives_leadership_to_a_standby(system, tmp_path):
    async with own_nats(tmp_path / "nats") as server:
        connections = [await server.connect() for _ in range(2)]
        js, standby_js = (nc.jetstream(timeout=1) for nc in connections)
        # Acknowledgements that never time out: only the watchdog can free this leader.
        leader = Relay(system.dsn, js, system.bus, poll_interval=0.05, ack_timeout=3600)
        leader.stall_timeout = 1.0
        standby = Relay(system.dsn, standby_js, system.bus, poll_interval=0.05, io_timeout=1.0)
        stream = new_case()
        categories = [f"c{i}" for i in range(10)]
        try:
            async with running(leader.run()):
                await asyncio.wait_for(leader.leading.wait(), 10)
                async with running(standby.run()):
                    await system.store.append(stream, [opened(c) for c in categories[:5]], 0, META)
                    await wait_until(lambda: at_least(js, system.bus, 5), timeout=10)
                    server.pause()
                    await system.store.append(stream, [opened(c) for c in categories[5:]], 5, META)
                    await wait_until(lambda: _pending(js), timeout=10)
                    await asyncio.wait_for(standby.leading.wait(), 10)
                    assert leader.stalls >= 1
                    server.carry_on()
                    await wait_until(lambda: at_least(js, system.bus, 10), timeout=30)
                    assert_each_once_in_log_order(await messages(js, system.bus), categories)
        finally:
            for nc in connections:
                await nc.close()
