"""Projections and policies: ordered consumption from JetStream into a service's schema.

A runner reads the stream from its checkpoint + 1 with an ordered consumer, applies a batch
of events and writes the new checkpoint in the same PostgreSQL transaction. The checkpoint
is advanced by compare-and-set, so two runners of one projection can never both apply a batch.
An event that cannot be applied halts the runner: it is reported, never skipped.
"""

from __future__ import annotations

import asyncio
import contextlib
from abc import ABC, abstractmethod
from collections import OrderedDict
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import ClassVar

import asyncpg
import structlog
from nats.aio.msg import Msg
from nats.aio.subscription import Subscription
from nats.js import JetStreamContext
from nats.js.api import ConsumerConfig, DeliverPolicy
from opentelemetry import propagate, trace
from opentelemetry.trace import SpanKind

from redress.events.bus import Bus, message_to_event
from redress.events.envelope import Event
from redress.events.recovery import Backoff, Trouble, is_transient
from redress.events.store import Conn, EventStore

log = structlog.get_logger("redress.projection")
tracer = trace.get_tracer("redress.projection")

Progress = Callable[[int, int], None]
_RECENT = 50_000
# The runner of each projection running in this process, by key.
_LIVE: dict[str, ProjectionRunner] = {}


class Projection(ABC):
    """A read model (or, with appends, a policy) fed by events.

    `apply` runs inside the batch's transaction on `conn`; it must do all its writes there.
    """

    name: ClassVar[str]
    schema: ClassVar[str]
    stream_types: ClassVar[tuple[str, ...]] = ()
    tables: ClassVar[tuple[str, ...]] = ()

    @property
    def key(self) -> str:
        return f"{self.schema}.{self.name}"

    def wants(self, event: Event) -> bool:
        return not self.stream_types or event.stream_type in self.stream_types

    @abstractmethod
    async def apply(self, conn: Conn, event: Event) -> None: ...

    async def apply_batch(self, conn: Conn, events: list[Event]) -> None:
        """Apply events in order; a projection may override this to write a batch at once."""
        for event in events:
            await self.apply(conn, event)


class Policy(Projection):
    """A projection whose effects are new events, appended in the batch's transaction.

    The runner gives it the store; streams it creates get ids derived from the triggering
    event, so a replayed reaction finds its stream written and does nothing.
    """

    store: EventStore


@dataclass(frozen=True)
class Halt:
    event_id: str
    sequence: int
    error: str


class CheckpointMoved(Exception):
    """Another runner (or a rebuild) moved the checkpoint: start again from the stored one."""


class ConsumerStalled(TimeoutError):
    """The stream holds events for the runner, but none have come for a while."""


class ProjectionRunner:
    def __init__(
        self,
        projection: Projection,
        pool: asyncpg.Pool,
        js: JetStreamContext,
        bus: Bus,
        *,
        batch_size: int = 500,
        store: EventStore | None = None,
        backoff: Backoff | None = None,
        io_timeout: float = 5.0,
        idle_check: float = 3.0,
    ) -> None:
        if isinstance(projection, Policy):
            projection.store = store or EventStore(pool)
        self.projection = projection
        self.pool = pool
        self.js = js
        self.bus = bus
        self.batch_size = batch_size
        self.halted: Halt | None = None
        self.trouble = Trouble(projection.key)
        self.backoff = backoff or Backoff(initial=0.2, cap=10.0)
        self.io_timeout = io_timeout
        self.idle_check = idle_check
        self.running = False
        self._stalled_at: int | None = None
        self.position = 0
        # What this runner applied lately, per stream: read-your-writes without queries.
        self.recent: OrderedDict[str, int] = OrderedDict()
        self._resume = asyncio.Event()
        self._advanced = asyncio.Condition()

    # Running.

    async def run(self) -> None:
        """Consume until cancelled; while halted, wait for `resume()`.

        A transient failure (connection lost, server restarting, timeout) never halts: the
        runner reports itself degraded, waits a backoff and consumes again from its
        checkpoint. Any other failure outside an event's apply is logged with its
        traceback, counted as a restart, and retried the same way.
        """
        _LIVE[self.projection.key] = self
        self.running = True
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
            if _LIVE.get(self.projection.key) is self:
                del _LIVE[self.projection.key]

    def resume(self) -> None:
        """Try the halting event again (after its handler was fixed)."""
        self._resume.set()

    async def _consume(self) -> None:
        self.position = await self.checkpoint()
        queue: asyncio.Queue[Msg] = asyncio.Queue()

        async def deliver(msg: Msg) -> None:
            await queue.put(msg)

        sub: Subscription = await self.js.subscribe(
            f"{self.bus.prefix}.>",
            stream=self.bus.stream,
            cb=deliver,
            ordered_consumer=True,
            config=ConsumerConfig(
                deliver_policy=DeliverPolicy.BY_START_SEQUENCE,
                opt_start_seq=self.position + 1,
            ),
        )
        try:
            while self.halted is None:
                try:
                    first = await asyncio.wait_for(queue.get(), self.idle_check)
                except TimeoutError:
                    await self._check_delivery()
                    continue
                batch = [first]
                while len(batch) < self.batch_size and not queue.empty():
                    batch.append(queue.get_nowait())
                # The ordered consumer restarts after gaps; drop what we already hold.
                batch = [m for m in batch if m.metadata.sequence.stream > self.position]
                if batch:
                    await self._apply_batch(batch)
        finally:
            # Bounded: a stop must not wait on the server's answer for ever.
            with contextlib.suppress(Exception):
                await asyncio.wait_for(sub.unsubscribe(), 2.0)

    async def _check_delivery(self) -> None:
        """Nothing came for a while: fine if the stream holds nothing more for us.

        Otherwise the consumer has stopped delivering (nats-py's ordered consumer can fail
        to re-create itself after a NATS outage); seen twice with no progress in between,
        it is a stall, and the runner subscribes again.
        """
        try:
            last = await asyncio.wait_for(self.bus.last_sequence(self.js), self.io_timeout)
        except TimeoutError:
            raise TimeoutError(f"NATS: no answer within {self.io_timeout:g} s") from None
        if last <= self.position:
            self._stalled_at = None
            self.trouble.clear()
            self.backoff.reset()
        elif self._stalled_at == self.position:
            raise ConsumerStalled(
                f"nothing delivered for {2 * self.idle_check:g} s at {self.position}; "
                f"the stream is at {last}"
            )
        else:
            self._stalled_at = self.position

    async def _apply_batch(self, batch: list[Msg]) -> None:
        try:
            await self._apply_in_one_transaction(batch)
        except CheckpointMoved:
            raise
        except Exception as exc:
            if await self._passing(exc):
                raise
            # Apply the batch one event at a time, to find and report the one that fails.
            for msg in batch:
                try:
                    await self._apply_in_one_transaction([msg])
                except CheckpointMoved:
                    raise
                except Exception as exc:
                    if await self._passing(exc):
                        raise
                    self._halt(msg, exc)
                    return
        self._stalled_at = None
        self.trouble.clear()
        self.backoff.reset()

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

    async def _apply_in_one_transaction(self, batch: list[Msg]) -> None:
        start = self.position
        end = batch[-1].metadata.sequence.stream
        events = [e for e in map(message_to_event, batch) if self.projection.wants(e)]
        versions: dict[str, int] = {}
        for e in events:
            versions[e.stream] = max(e.version, versions.get(e.stream, 0))
        async with self.pool.acquire() as conn, conn.transaction():
            await self._claim(conn, start)
            with self._spans(events):
                await self.projection.apply_batch(conn, events)
            await self._advance(conn, end, versions)
        for stream, version in versions.items():
            self.recent[stream] = version
            self.recent.move_to_end(stream)
        while len(self.recent) > _RECENT:
            self.recent.popitem(last=False)
        async with self._advanced:
            self.position = end
            self._advanced.notify_all()

    async def _claim(self, conn: Conn, start: int) -> None:
        """Lock the checkpoint for this transaction; give way if it is no longer ours."""
        stored = await conn.fetchval(
            f"SELECT position FROM {self.projection.schema}.checkpoints WHERE name = $1 FOR UPDATE",
            self.projection.name,
        )
        if stored != start:
            raise CheckpointMoved

    async def _advance(self, conn: Conn, end: int, versions: dict[str, int]) -> None:
        await conn.execute(
            f"UPDATE {self.projection.schema}.checkpoints SET position = $2 WHERE name = $1",
            self.projection.name,
            end,
        )
        if versions:
            await conn.execute(
                f"""INSERT INTO {self.projection.schema}.applied_versions AS a
                        (projection, stream, version)
                    SELECT $1, s, v FROM unnest($2::text[], $3::int[]) AS t(s, v)
                    ON CONFLICT (projection, stream)
                    DO UPDATE SET version = greatest(a.version, excluded.version)""",
                self.projection.name,
                list(versions),
                list(versions.values()),
            )

    def _halt(self, msg: Msg, exc: Exception) -> None:
        event_id = (msg.headers or {}).get("ce-id", "?")
        self.halted = Halt(event_id, msg.metadata.sequence.stream, f"{type(exc).__name__}: {exc}")
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

    # Checkpoints, waiting and rebuilding.

    async def checkpoint(self) -> int:
        async with self.pool.acquire() as conn:
            return await read_checkpoint(conn, self.projection)

    async def wait_for(self, sequence: int, timeout: float) -> bool:
        """Wait until the runner has applied everything up to `sequence`."""

        async def reached() -> None:
            async with self._advanced:
                await self._advanced.wait_for(
                    lambda: self.position >= sequence or self.halted is not None
                )

        try:
            await asyncio.wait_for(reached(), timeout)
        except TimeoutError:
            return False
        return self.position >= sequence

    async def applied(self, stream: str, version: int, timeout: float) -> bool:
        """Wait until this runner applies `stream` up to `version`, at most `timeout` s."""

        async def reached() -> None:
            async with self._advanced:
                await self._advanced.wait_for(lambda: self.recent.get(stream, 0) >= version)

        try:
            await asyncio.wait_for(reached(), timeout)
        except TimeoutError:
            return False
        return True

    async def rebuild(self) -> None:
        """Forget everything projected; the next run replays from the start of the stream."""
        async with self.pool.acquire() as conn, conn.transaction():
            await reset(conn, self.projection)
        self.position = 0
        self.halted = None
        self.recent.clear()

    async def replay(self, on_progress: Progress | None = None) -> int:
        """Rebuild and consume up to the stream's current end; return the events seen."""
        await self.rebuild()
        end = await self.bus.last_sequence(self.js)
        task = asyncio.create_task(self.run())
        try:
            while self.position < end and self.halted is None:
                await self.wait_for(min(end, self.position + 1), timeout=5.0)
                if on_progress:
                    on_progress(self.position, end)
        finally:
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task
        if self.halted is not None:
            raise RuntimeError(
                f"replay halted at event {self.halted.event_id}: {self.halted.error}"
            )
        return end

    def status(self) -> dict[str, object]:
        """ok, degraded (with the reason), halted (with the event), or stopped."""
        if self.halted is not None:
            return {
                "projection": self.projection.key,
                "status": "halted",
                "position": self.position,
                "event_id": self.halted.event_id,
                "sequence": self.halted.sequence,
                "error": self.halted.error,
            }
        trouble = self.trouble.as_status()
        if not self.running:
            trouble = {**trouble, "status": "stopped"}
        return {"projection": self.projection.key, **trouble, "position": self.position}


async def read_checkpoint(conn: Conn, projection: Projection) -> int:
    await conn.execute(
        f"INSERT INTO {projection.schema}.checkpoints (name, position) VALUES ($1, 0) "
        "ON CONFLICT (name) DO NOTHING",
        projection.name,
    )
    return int(
        await conn.fetchval(
            f"SELECT position FROM {projection.schema}.checkpoints WHERE name = $1",
            projection.name,
        )
    )


async def reset(conn: Conn, projection: Projection) -> None:
    for table in projection.tables:
        await conn.execute(f"TRUNCATE {projection.schema}.{table}")
    await conn.execute(
        f"DELETE FROM {projection.schema}.applied_versions WHERE projection = $1", projection.name
    )
    await conn.execute(
        f"""INSERT INTO {projection.schema}.checkpoints (name, position) VALUES ($1, 0)
            ON CONFLICT (name) DO UPDATE SET position = 0""",
        projection.name,
    )


async def wait_for_version(
    pool: asyncpg.Pool,
    projection: Projection,
    stream: str,
    min_version: int,
    *,
    timeout: float = 2.0,
    interval: float = 0.02,
) -> bool:
    """Read-your-writes: wait (bounded) until `projection` has applied `stream` up to a version.

    Where the projection runs in this process, its runner says what it applied, so waiting
    costs no queries; otherwise the checkpoint table is polled.
    """
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    runner = _LIVE.get(projection.key)
    if runner is not None and runner.recent.get(stream, 0) >= min_version:
        return True
    while True:
        if await _applied(pool, projection, stream) >= min_version:
            return True
        remaining = deadline - loop.time()
        if remaining <= 0:
            return False
        if runner is None:
            await asyncio.sleep(min(interval, remaining))
        # Slices, so that the log (written by other processes too) is checked now and then.
        elif await runner.applied(stream, min_version, min(remaining, 0.25)):
            return True


async def _applied(pool: asyncpg.Pool, projection: Projection, stream: str) -> int:
    async with pool.acquire() as conn:
        version = await conn.fetchval(
            f"""SELECT version FROM {projection.schema}.applied_versions
                WHERE projection = $1 AND stream = $2""",
            projection.name,
            stream,
        )
    return int(version or 0)
