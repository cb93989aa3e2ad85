"""The relay: publishes the log, in its safe order, to JetStream, without hole or repeat.

Each publish names the stream sequence it expects to follow (Nats-Expected-Last-Sequence),
so a pipelined batch either lands whole and in order, or fails from the first refusal on;
the relay then resumes after the last message the stream really holds.
"""

from __future__ import annotations

import asyncio
import contextlib
from typing import Any

import asyncpg
import structlog
from nats.js import JetStreamContext
from opentelemetry import propagate, trace
from opentelemetry.trace import SpanKind

from redress.events.bus import POSITION_HEADER, TX_HEADER, Bus, row_to_message
from redress.events.leader import leadership
from redress.events.store import NOTIFY_CHANNEL, EventStore, LogCursor

log = structlog.get_logger("redress.relay")
tracer = trace.get_tracer("redress.relay")


class Relay:
    def __init__(
        self,
        dsn: str,
        js: JetStreamContext,
        bus: Bus,
        *,
        batch_size: int = 1000,
        poll_interval: float = 1.0,
        held_back_interval: float = 0.005,
    ) -> None:
        self.dsn = dsn
        self.js = js
        self.bus = bus
        self.batch_size = batch_size
        self.poll_interval = poll_interval
        self.held_back_interval = held_back_interval
        self.published = 0
        self.leading = asyncio.Event()

    async def run(self) -> None:
        """Wait for leadership, then publish until cancelled."""
        await self.bus.ensure_stream(self.js)
        async with leadership(self.dsn, f"relay:{self.bus.stream}") as conn:
            self.leading.set()
            wake = asyncio.Event()
            await conn.add_listener(NOTIFY_CHANNEL, lambda *_: wake.set())
            await self._publish_forever(conn, wake)

    async def _publish_forever(self, conn: asyncpg.Connection, wake: asyncio.Event) -> None:
        # While the acknowledgements of one page are on their way, the next page is read.
        seq, cursor = await self.resume_point()
        in_flight: _Page | None = None
        while True:
            wake.clear()
            rows = await EventStore.read_log_for_relay(conn, cursor, self.batch_size)
            if in_flight is not None:
                done, in_flight = in_flight, None
                if not await done.settled():
                    seq, cursor = await self.resume_point()
                    continue
                self.published += len(done.futures)
            if rows:
                in_flight = await self.send(rows, seq)
                seq += len(rows)
                cursor = LogCursor(int(rows[-1]["txid"]), rows[-1]["position"])
                continue
            held = await EventStore.held_back(conn)
            timeout = self.held_back_interval if held else self.poll_interval
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(wake.wait(), timeout)

    async def resume_point(self) -> tuple[int, LogCursor]:
        """The stream's last sequence and the log cursor of the message stored there."""
        seq = await self.bus.last_sequence(self.js)
        if seq == 0:
            return 0, LogCursor()
        msg = await self.js.get_msg(self.bus.stream, seq)
        headers = msg.headers or {}
        return seq, LogCursor(int(headers[TX_HEADER]), int(headers[POSITION_HEADER]))

    async def send(self, rows: list[asyncpg.Record], seq: int) -> _Page:
        """Publish a page, each message expecting the one before it in the stream."""
        futures: list[asyncio.Future[Any]] = []
        for i, row in enumerate(rows):
            subject, payload, headers = row_to_message(self.bus, row)
            headers["Nats-Expected-Last-Sequence"] = str(seq + i)
            with self._span(row["type"], headers):
                futures.append(await self.js.publish_async(subject, payload, headers=headers))
        return _Page(futures)

    @contextlib.contextmanager
    def _span(self, event_type: str, headers: dict[str, str]) -> Any:
        parent = headers.get("traceparent")
        if parent is None:
            yield None
            return
        ctx = propagate.extract({"traceparent": parent})
        with tracer.start_as_current_span(
            f"publish {event_type}", context=ctx, kind=SpanKind.PRODUCER
        ) as span:
            carrier: dict[str, str] = {}
            propagate.inject(carrier)
            headers.update(carrier)
            yield span


class _Page:
    """The acknowledgements of one published page."""

    def __init__(self, futures: list[asyncio.Future[Any]]) -> None:
        self.futures = futures

    async def settled(self) -> bool:
        """True when the stream took the whole page; after a refusal, the rest fails too."""
        acks = await asyncio.gather(*self.futures, return_exceptions=True)
        failed = next((a for a in acks if isinstance(a, BaseException)), None)
        if failed is not None:
            log.warning("publish refused, resuming from the stream", error=str(failed))
        return failed is None
