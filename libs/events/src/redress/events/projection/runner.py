"""The projection runner: ordered consumption from JetStream into a service's schema.

A runner reads the stream from its checkpoint + 1 with an ordered consumer that the server
filters to the event types its projection reads (`redress.events.projection.delivery`),
applies a batch of events and writes the new checkpoint in the same PostgreSQL transaction (a
read model's without waiting for the WAL's flush; a policy's durably). The checkpoint row is
moved first, from where this runner last stored it, so two runners of one projection
can never both apply a batch. A batch of nothing the projection reads moves the position in
memory only; the stored checkpoint follows (ADR 37, `SKIP_LIMIT`).
An event that cannot be applied on a healthy connection halts the runner: it is reported,
never skipped. Any other failure is retried (see `run`). What the server passes over, the
runner learns by asking it (`_check_delivery`): at a pause, and while someone waits for a
position beyond its own, after each batch and every `RECHECK` seconds that nothing comes.
Messages of types the projection does not read that arrive all the same (from a server
before NATS 2.10) are skipped on their subjects and counted
(`redress.events.projection.tolerant`). A runner busy with a steady flow of events waits
`gather` seconds for more before applying one that came alone (`_gathering`).
The stream versions a batch applied are announced to the service's other processes as it
commits (`redress.events.projection.announce`), and recorded for waiters in this process.
Its checkpoint, status, waits and replays are `redress.events.projection.controls`.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Iterator

import asyncpg
import structlog
from nats.aio.msg import Msg
from nats.js import JetStreamContext
from opentelemetry import propagate, trace
from opentelemetry.trace import SpanKind

from redress.events.bus import Bus, message_id, sequence_of
from redress.events.envelope import Event
from redress.events.projection.analysis import Growth, analyse
from redress.events.projection.announce import applied_messages
from redress.events.projection.checkpoints import (
    LIVE,
    claim,
    record_versions,
)
from redress.events.projection.controls import Progress, RunnerControls
from redress.events.projection.delivery import Delivery
from redress.events.projection.model import (
    CheckpointMoved,
    ConsumerStalled,
    Halt,
    Policy,
    Projection,
)
from redress.events.projection.sizing import BatchSizing
from redress.events.projection.tolerant import TolerantReader
from redress.events.projection.versions import Versions
from redress.events.recovery import Backoff, Trouble, is_transient
from redress.events.store import EventStore

# The replay's progress callback, named here as the runner's callers name it.
__all__ = [
    "BUSY",
    "DEFERRED_FLUSH",
    "RECHECK",
    "SKIP_FLUSH",
    "SKIP_LIMIT",
    "Progress",
    "ProjectionRunner",
]

log = structlog.get_logger("redress.projection")
tracer = trace.get_tracer("redress.projection")

# A batch holding nothing the projection reads moves its position in memory only: every
# runner receives every event, and one commit per runner per batch was most of what the
# platform's runners cost PostgreSQL at a steady trickle of submissions. The stored
# checkpoint follows with the next batch the projection reads, or once nothing has come
# for SKIP_FLUSH seconds, and is never more than SKIP_LIMIT events behind; a restart
# only receives those skipped events again.
SKIP_LIMIT = 1000
SKIP_FLUSH = 1.0

# While somebody waits for a position the runner has not reached, and nothing arrives, it
# asks the server again this often: the server sends nothing of what it passes over, so
# the relay publishing the rest after the first ask would otherwise be learnt only at the
# next pause (up to `idle_check`), or never while a stored checkpoint waits on a lock.
RECHECK = 0.05

# A runner that received a batch less than this many times its `gather` ago is busy.
BUSY = 10

# What a read model writes can always be written again from the log: its batches commit
# without waiting for PostgreSQL to flush the WAL (docs/decisions/0038). A crash of the
# server loses at most the last fraction of a second of them, checkpoint included, and
# the runner finds its checkpoint behind (`CheckpointMoved`) and applies them again.
DEFERRED_FLUSH = {"synchronous_commit": "off"}


class ProjectionRunner(RunnerControls):
    def __init__(
        self,
        projection: Projection,
        pool: asyncpg.Pool,
        js: JetStreamContext,
        bus: Bus,
        *,
        batch_size: int = 500,
        batch_seconds: float = 0.5,
        store: EventStore | None = None,
        backoff: Backoff | None = None,
        io_timeout: float = 5.0,
        idle_check: float = 3.0,
        skip_flush: float = SKIP_FLUSH,
        gather: float = 0.0,
        schema: str | None = None,
    ) -> None:
        if isinstance(projection, Policy):
            projection.store = store or EventStore(pool)
        self.projection = projection
        # Where the batches land: the projection's own schema, or a rebuild's shadow schema.
        self.schema = schema or projection.schema
        self.live = self.schema == projection.schema
        self.key = projection.key if self.live else f"{projection.key} (rebuild)"
        self.pool = pool
        self.js = js
        self.bus = bus
        self.batch_size = batch_size
        self.sizing = BatchSizing(batch_size, batch_seconds)
        self.halted: Halt | None = None
        self.reader = TolerantReader(projection)
        self.trouble = Trouble(self.key)
        self.backoff = backoff or Backoff(initial=0.2, cap=5.0)
        self.io_timeout = io_timeout
        self.idle_check = idle_check
        self.skip_flush = skip_flush
        self.gather = gather
        self._last_received = -1e9  # the loop's time when the last batch began
        self.running = False
        self.started = asyncio.Event()  # set while `run` runs
        self._stalled_at: int | None = None
        self.position = 0
        self.written = 0  # the stored checkpoint, as this runner last read or wrote it
        self.lazy = self.live  # a rebuild stores every position it reaches (its swap needs it)
        # What this runner applied lately, per stream: read-your-writes without queries.
        self.recent = Versions()
        self.growth = Growth()  # when to analyse its tables again
        self._resume = asyncio.Event()
        self._advanced = asyncio.Condition()
        self._delivery: Delivery | None = None  # while subscribed
        self._waits: list[int] = []  # the positions waited for (`wait_for`)
        # A policy appends to the log: its commit is durable before anything reads it.
        self._settings = {"search_path": self.schema} | (
            {} if isinstance(projection, Policy) else DEFERRED_FLUSH
        )

    # Running.

    async def run(self) -> None:
        """Consume until cancelled; while halted, wait for `resume()`.

        A transient failure (connection lost, server restarting, timeout) never halts: the
        runner reports itself degraded, waits a backoff and consumes again from its
        checkpoint. Any other failure outside an event's apply is logged with its
        traceback, counted as a restart, and retried the same way.
        """
        if self.live:
            LIVE[self.projection.key] = self
        self.running = True
        self.started.set()
        try:
            while True:
                if self.halted is not None:
                    await self._resume.wait()
                    self._resume.clear()
                    self.halted = None
                try:
                    await self._consume()
                except CheckpointMoved:
                    continue
                except Exception as exc:
                    self.trouble.report(exc)
                    await self.backoff.wait()
        finally:
            self.running = False
            self.started.clear()
            if LIVE.get(self.projection.key) is self:
                del LIVE[self.projection.key]

    def resume(self) -> None:
        """Try the halting event again (after its handler was fixed)."""
        self._resume.set()

    async def _consume(self) -> None:
        position = await self.checkpoint()
        self.written = position
        self.growth.start(position)
        await self._reached(position)  # waiters for a position already reached go on now
        delivery = Delivery(self.js, self.bus, self.reader.reads, self.io_timeout)
        await delivery.open(self.position)
        self._delivery = delivery
        if self._waits:  # waited for before this subscription
            delivery.wake()
        try:
            while self.halted is None:
                pending = self.written < self.position
                behind = self._behind_a_wait()
                pause = RECHECK if behind else self.skip_flush if pending else self.idle_check
                try:
                    first = await asyncio.wait_for(delivery.queue.get(), pause)
                except TimeoutError:
                    if behind:
                        await self._check_delivery(delivery, idle=False)
                    elif pending:
                        await self._write_checkpoint()
                    else:
                        await self._check_delivery(delivery, idle=True)
                    continue
                if self._gathering(first, delivery):
                    await asyncio.sleep(self.gather)
                # The ordered consumer restarts after gaps; drop what we already hold.
                batch = delivery.batch(first, self.sizing.limit)
                batch = [m for m in batch if sequence_of(m) > self.position]
                if batch and (before := sequence_of(batch[0]) - 1) > self.position:
                    # The server passed over what comes before it: none of it is ours.
                    await self._passed_over(before, store=False)
                if batch:
                    await self._apply_batch(batch)
                if self._behind_a_wait() and delivery.queue.empty() and self.halted is None:
                    await self._check_delivery(delivery, idle=False)
        finally:
            self._delivery = None
            await delivery.close()

    async def _check_delivery(self, delivery: Delivery, *, idle: bool) -> None:
        """Nothing more has come: fine if the stream holds nothing more for us.

        When the server says it passed over everything up to the stream's end, the position
        moves there (`Delivery.passed_to`). Otherwise, after a pause (`idle`), the consumer
        may have stopped delivering (nats-py's ordered consumer can fail to re-create itself
        after a NATS outage); seen twice with no progress in between, it is a stall, and the
        runner subscribes again.
        """
        last, passed = await delivery.passed_to(self.position)
        if passed and last > self.position:
            await self._passed_over(last, store=not self.lazy or last - self.written >= SKIP_LIMIT)
        if last <= self.position:
            self._stalled_at = None
            self.trouble.clear()
            self.backoff.reset()
        elif not idle:
            return
        elif self._stalled_at == self.position:
            raise ConsumerStalled(
                f"nothing delivered for {2 * self.idle_check:g} s at {self.position}; "
                f"the stream is at {last}"
            )
        else:
            self._stalled_at = self.position

    async def _passed_over(self, end: int, *, store: bool) -> None:
        """Move the position to `end`, past events the server did not send."""
        self.reader.passed_over(self.position, end)
        if store:
            await self._write_checkpoint(end)  # stored before a waiter goes on
        await self._reached(end)

    def _gathering(self, first: Msg | None, delivery: Delivery) -> bool:
        """Whether to wait `gather` seconds for more before applying an event that came alone.

        At a steady moderate rate each batch would hold one event, and a batch's own cost
        (a transaction and its round trips) is most of what a runner costs. An event that
        comes alone within BUSY times `gather` of the last batch waits a little for the
        ones behind it; the first after a pause, or one somebody waits for, is applied at once.
        """
        now = asyncio.get_running_loop().time()
        busy, self._last_received = now - self._last_received < BUSY * self.gather, now
        return (
            self.gather > 0 and busy and first is not None
            and delivery.queue.empty() and not self._waits
        )  # fmt: skip

    def _behind_a_wait(self) -> bool:
        return bool(self._waits) and max(self._waits) > self.position

    async def _apply_batch(self, batch: list[Msg]) -> None:
        events, unreadable = self.reader.read(batch)
        readable = batch[: len(events)]
        if readable and not await self._apply_readable(readable, events):
            return
        if unreadable is not None:
            self._halt(*unreadable)
            return
        self._stalled_at = None
        self.trouble.clear()
        self.backoff.reset()

    async def _apply_readable(self, batch: list[Msg], events: list[Event | None]) -> bool:
        """Apply the batch; False when one of its events halted the runner."""
        try:
            await self._apply_in_one_transaction(batch, events)
        except CheckpointMoved:
            raise
        except Exception as exc:
            if await self._passing(exc):
                raise
            # Apply the batch one event at a time, to find and report the one that fails.
            for msg, event in zip(batch, events, strict=True):
                try:
                    await self._apply_in_one_transaction([msg], [event])
                except CheckpointMoved:
                    raise
                except Exception as exc:
                    if await self._passing(exc):
                        raise
                    self._halt(msg, exc)
                    return False
        return True

    async def _passing(self, exc: Exception) -> bool:
        """Whether a failure is the connection's, not the event's: then it is retried."""
        if is_transient(exc):
            return True
        try:
            async with self.pool.acquire(timeout=self.io_timeout) as conn:
                await conn.fetchval("SELECT 1", timeout=self.io_timeout)
        except Exception:
            return True
        return False

    async def _apply_in_one_transaction(
        self, batch: list[Msg], delivered: list[Event | None]
    ) -> None:
        end = sequence_of(batch[-1])
        events = [e for e in delivered if e is not None]
        if not events and self.lazy and end - self.written < SKIP_LIMIT:
            self.reader.count(batch, delivered, self.position)
            await self._reached(end)
            return
        versions: dict[str, int] = {}
        for e in events:
            versions[e.stream] = max(e.version, versions.get(e.stream, 0))
        loop = asyncio.get_running_loop()
        async with self.pool.acquire(timeout=self.io_timeout) as conn:
            began = loop.time()
            async with conn.transaction():
                # The projection names its tables unqualified: this decides which ones it
                # writes. A read model's commit does not wait for the WAL's flush (ADR 38).
                await claim(
                    conn, self.projection, self.written, end, self.schema,
                    settings=self._settings,
                )  # fmt: skip
                with self._spans(events):
                    await self.projection.apply_batch(conn, events)
                # The service's other processes hear what it applied at commit.
                told = applied_messages(self.projection.name, end, versions) if self.live else []
                await record_versions(
                    conn, self.projection, versions, self.schema,
                    messages=told, timeout=self.io_timeout,
                )  # fmt: skip
            self.sizing.took(len(batch), loop.time() - began)
            self.reader.count(batch, delivered, self.position)
            self.written = end
            self.recent.record(versions)
            if self.growth.reached(end):
                await analyse(conn, self.projection, self.schema, self.io_timeout)
            await self._reached(end)

    async def _reached(self, end: int) -> None:
        async with self._advanced:
            self.position = end
            self._advanced.notify_all()

    async def _write_checkpoint(self, end: int | None = None) -> None:
        """Store the position that batches of nothing the projection reads have moved, or
        that the server's passing over them moves (`end`)."""
        end = self.position if end is None else end
        async with self.pool.acquire(timeout=self.io_timeout) as conn, conn.transaction():
            await claim(
                conn, self.projection, self.written, end, self.schema, settings=DEFERRED_FLUSH
            )
        self.written = end

    def _halt(self, msg: Msg, exc: Exception) -> None:
        event_id = message_id(msg)
        self.halted = Halt(event_id, sequence_of(msg), f"{type(exc).__name__}: {exc}")
        log.error(
            "projection halted",
            projection=self.projection.key,
            event_id=event_id,
            sequence=self.halted.sequence,
            error=self.halted.error,
        )

    @contextlib.contextmanager
    def _spans(self, events: list[Event]) -> Iterator[None]:
        """A span in each event's own trace, covering the batch that applies it."""
        spans = [
            tracer.start_span(
                f"project {self.projection.key} {e.type}",
                context=propagate.extract({"traceparent": e.traceparent}),
                kind=SpanKind.CONSUMER,
            )
            for e in events
            if e.traceparent
        ]
        try:
            yield
        finally:
            for span in spans:
                span.end()
