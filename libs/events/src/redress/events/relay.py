"""The relay: publishes the log, in its safe order, to JetStream, without hole or repeat.

Each publish names the stream sequence it expects to follow (Nats-Expected-Last-Sequence),
so a pipelined batch either lands whole and in order, or fails from the first refusal on;
the relay then resumes after the last message the stream really holds. A published page's
acknowledgements are settled by `redress.events.relay_page`.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Awaitable
from typing import Any, TypeVar

import asyncpg
import structlog
from nats.js import JetStreamContext
from opentelemetry import propagate, trace
from opentelemetry.trace import SpanKind

from redress.events.bus import Bus, row_to_message
from redress.events.leader import leadership
from redress.events.recovery import Backoff, Trouble, stop
from redress.events.relay_page import PublishedPage
from redress.events.store import NOTIFY_CHANNEL, EventStore, LogCursor

log = structlog.get_logger("redress.relay")
tracer = trace.get_tracer("redress.relay")
T = TypeVar("T")


class RelayStalled(TimeoutError):
    """The relay made no progress within its watchdog's deadline."""


class Relay:
    """Publishes the log while it leads; recovers from every failure by itself.

    Every wait has a deadline: reads `io_timeout`, a page's acknowledgements `ack_timeout`.
    A watchdog gives up leadership when no page settles for `stall_timeout` seconds while
    there is work, so that a standby takes over from a relay stuck where no deadline reaches.
    """

    def __init__(
        self,
        dsn: str,
        js: JetStreamContext,
        bus: Bus,
        *,
        batch_size: int = 1000,
        poll_interval: float = 1.0,
        held_back_interval: float = 0.005,
        held_back_cap: float = 1.0,
        ack_timeout: float = 5.0,
        io_timeout: float = 5.0,
        stall_timeout: float = 30.0,
        backoff: Backoff | None = None,
        server_settings: dict[str, str] | None = None,
        standby_interval: float = 1.0,
        idle_check: float = 5.0,
    ) -> None:
        self.dsn = dsn
        self.js = js
        self.bus = bus
        self.batch_size = batch_size
        self.poll_interval = poll_interval
        self.held_back_interval = held_back_interval
        self.held_back_cap = held_back_cap
        self.reads = 0
        self.ack_timeout = ack_timeout
        self.io_timeout = io_timeout
        self.stall_timeout = stall_timeout
        self.backoff = backoff or Backoff(initial=0.2, cap=5.0)
        self.server_settings = server_settings
        self.standby_interval = standby_interval
        self.idle_check = idle_check
        self.stalls = 0
        self.published = 0
        self.leading = asyncio.Event()
        self.trouble = Trouble(f"relay:{bus.stream}")
        # When the relay last settled a page or caught up; None while it waits for work.
        self._progress_at: float | None = None

    async def run(self) -> None:
        """Lead and publish until cancelled; after any failure, wait a backoff and lead again."""
        while True:
            published = self.published
            try:
                await self._lead()
            except RelayStalled as exc:
                self.stalls += 1
                self.trouble.report(exc)
                # Give way: stay out longer than a standby takes to notice the free lock.
                await asyncio.sleep(2 * self.standby_interval)
            except Exception as exc:
                self.trouble.report(exc)
            finally:
                self.leading.clear()
            if self.published > published:
                self.backoff.reset()
            await self.backoff.wait()

    def status(self) -> dict[str, object]:
        return {
            "relay": self.bus.stream,
            **self.trouble.as_status(),
            "leading": self.leading.is_set(),
            "published": self.published,
            "stalls": self.stalls,
        }

    async def _lead(self) -> None:
        async with contextlib.AsyncExitStack() as stack:
            lock = leadership(
                self.dsn,
                f"relay:{self.bus.stream}",
                timeout=self.io_timeout,
                server_settings=self.server_settings,
                standby_interval=self.standby_interval,
            )
            conn = await self._postgres(stack.enter_async_context(lock), "the leader's lock")
            self.leading.set()
            wake = asyncio.Event()
            listening = conn.add_listener(NOTIFY_CHANNEL, lambda *_: wake.set())
            await self._postgres(asyncio.wait_for(listening, self.io_timeout), "LISTEN")
            await self._bounded(self.bus.ensure_stream(self.js), "NATS: the stream")
            publisher = asyncio.create_task(self._publish_forever(conn, wake), name="relay")
            watchdog = asyncio.create_task(self._watch(), name="relay-watchdog")
            try:
                done, _ = await asyncio.wait(
                    {publisher, watchdog}, return_when=asyncio.FIRST_COMPLETED
                )
            finally:
                # Both stopped before the lock's connection closes, even if this is cancelled
                # again meanwhile: a publisher left running would publish without the lock.
                await stop(publisher, watchdog)
            for task in done:
                task.result()

    async def _watch(self) -> None:
        loop = asyncio.get_running_loop()
        self._progress_at = loop.time()
        while True:
            await asyncio.sleep(self.stall_timeout / 4)
            since = self._progress_at
            if since is not None and loop.time() - since > self.stall_timeout:
                raise RelayStalled(f"no progress for {self.stall_timeout:g} s; leadership given up")

    def _progressed(self) -> None:
        self._progress_at = asyncio.get_running_loop().time()
        if self.trouble.degraded:
            self.trouble.clear()

    async def _bounded(self, step: Awaitable[T], what: str) -> T:
        try:
            return await asyncio.wait_for(step, self.io_timeout)
        except TimeoutError:
            raise TimeoutError(f"{what}: no answer within {self.io_timeout:g} s") from None

    async def _postgres(self, step: Awaitable[T], what: str) -> T:
        """A wait on PostgreSQL, bounded by its own deadline (`io_timeout`): when it runs out,
        the relay's trouble (and `/health`) names what did not answer, as for NATS, instead
        of asyncpg's bare `TimeoutError`."""
        try:
            return await step
        except TimeoutError as exc:
            if str(exc):  # it says already what it is (a stall, NATS)
                raise
            raise TimeoutError(
                f"PostgreSQL: {what}: no answer within {self.io_timeout:g} s"
            ) from None

    async def _publish_forever(self, conn: asyncpg.Connection, wake: asyncio.Event) -> None:
        # While the acknowledgements of one page are on their way, the next page is read.
        seq, cursor = await self._resume()
        in_flight: PublishedPage | None = None
        # While running transactions hold rows back, wait longer each time: their commit
        # may send no NOTIFY (when they appended nothing), yet polling every few
        # milliseconds for as long as they stay open costs a core.
        held_wait = self.held_back_interval
        loop = asyncio.get_running_loop()
        checked = loop.time()
        try:
            while True:
                wake.clear()
                page = await self._postgres(
                    EventStore.read_log_for_relay(
                        conn, cursor, self.batch_size, timeout=self.io_timeout
                    ),
                    "the log",
                )
                rows = page.rows
                self.reads += 1
                if in_flight is not None:
                    done, in_flight = in_flight, None
                    if not await done.settled(self.ack_timeout):
                        seq, cursor = await self._resume()
                        continue
                    self.published += len(done)
                    self._progressed()
                if rows:
                    in_flight = PublishedPage()
                    try:
                        await asyncio.wait_for(self.send(rows, seq, in_flight), self.ack_timeout)
                    except TimeoutError:
                        log.warning("publishing stalled; resuming from the stream")
                        in_flight.abandon()
                        in_flight = None
                        seq, cursor = await self._resume()
                        continue
                    seq += len(rows)
                    cursor = LogCursor(int(rows[-1]["txid"]), rows[-1]["position"])
                    # The backoff is for a relay that makes no progress: under steady load
                    # some transaction is always running, and a wait grown to the cap there
                    # would add up to a second of lag after every commit that sends no NOTIFY.
                    held_wait = self.held_back_interval
                    continue
                held = page.held_back
                if loop.time() - checked > self.idle_check:
                    seq, cursor = await self._check_stream(seq, cursor)
                    checked = loop.time()
                self._progressed()
                self._progress_at = None
                timeout = held_wait if held else self.poll_interval
                held_wait = (
                    min(held_wait * 2, self.held_back_cap) if held else self.held_back_interval
                )
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(wake.wait(), timeout)
                self._progress_at = asyncio.get_running_loop().time()
        finally:
            if in_flight is not None:
                in_flight.abandon()

    async def _check_stream(self, seq: int, cursor: LogCursor) -> tuple[int, LogCursor]:
        """While idle, ask NATS where the stream is: an outage shows even with no work,
        and a stream that moved under this relay (another one published) is followed."""
        last, at = await self._resume()
        if last != seq:
            log.warning("the stream moved under the relay; resuming from it", was=seq, now=last)
        return last, at

    async def _resume(self) -> tuple[int, LogCursor]:
        return await self._bounded(self.resume_point(), "NATS: the stream's last message")

    async def resume_point(self) -> tuple[int, LogCursor]:
        """The stream's last sequence and the log cursor of the message stored there."""
        return await self.bus.last_published(self.js)

    async def send(self, rows: list[asyncpg.Record], seq: int, page: PublishedPage) -> None:
        """Publish a page, each message expecting the one before it in the stream."""
        for i, row in enumerate(rows):
            subject, payload, headers = row_to_message(self.bus, row)
            headers["Nats-Expected-Last-Sequence"] = str(seq + i)
            with self._span(row["type"], headers):
                page.futures.append(await self.js.publish_async(subject, payload, headers=headers))

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
