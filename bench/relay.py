"""Relay throughput: our Relay against nats-py publishing the same messages straight away."""

from __future__ import annotations

import asyncio
import contextlib
import os
import time

import asyncpg
from nats.js import JetStreamContext
from nats.js.errors import NotFoundError

from bench.workload import META, POOL_SIZE, Samples, case_opened, rate, timed_tasks
from redress.events.bus import Bus, row_to_message
from redress.events.catalogue.case import CaseOpened
from redress.events.ids import new_stream
from redress.events.relay import Relay
from redress.events.store import EventStore, LogCursor

STREAMS, PER_STREAM = 200, 100
EVENTS = STREAMS * PER_STREAM
DEADLINE = 180.0
POLL = 0.02

Message = tuple[str, bytes, dict[str, str]]


def buses(round_: int) -> tuple[Bus, Bus]:
    """Ours and the baseline's: same subjects, so never both at once (JetStream refuses
    overlapping streams); a prefix of our own, so a shared server's streams are untouched."""
    prefix = f"bench{os.getpid()}.events"
    name = f"BENCH_{os.getpid()}_{round_}"
    return Bus(f"{name}_RELAY", prefix), Bus(f"{name}_RAW", prefix)


async def fill_log(pool: asyncpg.Pool) -> None:
    """200 streams of 100 events, appended by 16 writers."""
    store = EventStore(pool)
    jobs = [
        (new_stream("case"), [case_opened() for _ in range(PER_STREAM)]) for _ in range(STREAMS)
    ]

    async def one(job: tuple[str, list[CaseOpened]]) -> None:
        await store.append(job[0], job[1], 0, META)

    await timed_tasks(POOL_SIZE, jobs, one)


async def log_messages(pool: asyncpg.Pool, bus: Bus) -> list[Message]:
    """Every event of the log as the relay would publish it, in the log's safe order."""
    rows: list[asyncpg.Record] = []
    cursor = LogCursor()
    async with pool.acquire() as conn:
        while page := (await EventStore.read_log_for_relay(conn, cursor, 5000)).rows:
            rows += page
            cursor = LogCursor(int(page[-1]["txid"]), page[-1]["position"])
    return [row_to_message(bus, row) for row in rows]


async def raw_publish(js: JetStreamContext, bus: Bus, messages: list[Message]) -> float:
    """Events/s of nats-py publishing `messages` pipelined, acks gathered once at the end.

    Each carries the Nats-Expected-Last-Sequence our relay sends, so the server does the
    same checks; only reading the log and building the messages is left out.
    """
    await bus.ensure_stream(js)
    try:
        start = time.perf_counter()
        pending = []
        for seq, (subject, payload, headers) in enumerate(messages):
            headers = {**headers, "Nats-Expected-Last-Sequence": str(seq)}
            pending.append(await js.publish_async(subject, payload, headers=headers))
        await asyncio.gather(*pending)
        elapsed = time.perf_counter() - start
        assert await bus.last_sequence(js) == len(messages)
        return rate(len(messages), elapsed)
    finally:
        await js.delete_stream(bus.stream)


async def relay_publish(dsn: str, js: JetStreamContext, bus: Bus, events: int) -> float:
    """Events/s of our relay, from its start until the stream holds every event."""
    start = time.perf_counter()
    task = asyncio.create_task(Relay(dsn, js, bus).run())
    try:
        while await _last_sequence(js, bus) < events:
            if task.done():
                task.result()
            if time.perf_counter() - start > DEADLINE:
                raise TimeoutError(f"relay did not publish {events} events in {DEADLINE:.0f} s")
            await asyncio.sleep(POLL)
        return rate(events, time.perf_counter() - start)
    finally:
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await task


async def _last_sequence(js: JetStreamContext, bus: Bus) -> int:
    # The relay creates its stream itself; until it has, the stream holds nothing.
    try:
        return await bus.last_sequence(js)
    except NotFoundError:
        return 0


async def measure(dsn: str, js: JetStreamContext, rounds: int) -> tuple[Samples, Bus]:
    """Both rates, `rounds` times over one filled log; the last stream our relay filled is
    kept, for the replay to read."""
    async with asyncpg.create_pool(dsn, min_size=2, max_size=POOL_SIZE) as pool:
        await fill_log(pool)
        messages = await log_messages(pool, buses(0)[1])
    assert len(messages) == EVENTS
    samples: Samples = {"ours": [], "raw": []}
    kept: Bus | None = None
    for round_ in range(rounds):
        ours_bus, raw_bus = buses(round_)
        if kept is not None:
            await js.delete_stream(kept.stream)
        samples["raw"].append(await raw_publish(js, raw_bus, messages))
        kept = ours_bus
        samples["ours"].append(await relay_publish(dsn, js, ours_bus, EVENTS))
    assert kept is not None
    return samples, kept
