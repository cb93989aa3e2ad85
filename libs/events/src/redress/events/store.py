"""The PostgreSQL event store: append with optimistic concurrency, read streams, read the log.

The log is read in `(tx_id, position)` order, taking only rows of transactions older than
every transaction still running, so that a reader never skips an event that commits late.
The queries, and the reads on a connection the caller holds, are `redress.events.reads`'s,
named here as the store's callers have always named them.
"""

from __future__ import annotations

import asyncio
import contextlib
import contextvars
import json
from collections.abc import AsyncIterator, Sequence
from dataclasses import dataclass
from typing import Any

import asyncpg
import structlog
from asyncpg.connection import LoggedQuery
from opentelemetry import propagate

from redress.events.envelope import Event, EventData, Metadata, stream_type_of
from redress.events.errors import ConcurrencyError
from redress.events.ids import new_id
from redress.events.reads import (
    READ_LOG,
    READ_LOG_FOR_RELAY,
    Conn,
    LogCursor,
    RelayPage,
    read_head_and_after,
    read_stream_on,
    read_streams_on,
    row_to_event,
    stream_version_on,
)
from redress.events.recovery import describe, is_transient

# The streams appended to by the work of the current context, where someone asked to know
# (a read given up on during an outage must not say that nothing was recorded when it may
# have appended, as reading a worker's data records the read: `redress.kit.reads`).
appends_noted: contextvars.ContextVar[list[str] | None] = contextvars.ContextVar(
    "appends_noted", default=None
)

__all__ = [
    "NOTIFY_CHANNEL", "Appended", "Conn", "EventStore", "LogCursor", "RelayPage", "appends_noted",
    "encode_jsonb", "read_head_and_after", "read_stream_on", "read_streams_on", "row_to_event",
    "stream_version_on", "trace_carrier",
]  # fmt: skip

log = structlog.get_logger("redress.store")

NOTIFY_CHANNEL = "redress_events"

_APPEND = """
INSERT INTO eventlog.events (id, stream, version, type, schemaversion, tenant, data, metadata)
SELECT e.id, $1, $2 + e.ord, e.type, e.sv, $3, e.data, $4
FROM unnest($5::uuid[], $6::text[], $7::int[], $8::jsonb[])
     WITH ORDINALITY AS e(id, type, sv, data, ord)
WHERE (SELECT coalesce(max(version), 0) FROM eventlog.events WHERE stream = $1) = $2
  -- A transaction that took its id before the stream's last event was written would be
  -- delivered before that event: refused, so that a stream's order is its version order.
  -- The transaction that wrote it may go on (its events are delivered in position order).
  AND pg_current_xact_id() >= coalesce(
        (SELECT tx_id FROM eventlog.events WHERE stream = $1 ORDER BY version DESC LIMIT 1),
        '0'::xid8)
RETURNING position
"""


@dataclass(frozen=True)
class Appended:
    stream: str
    version: int
    last_position: int


def trace_carrier() -> str | None:
    carrier: dict[str, str] = {}
    propagate.inject(carrier)
    return carrier.get("traceparent")


class EventStore:
    """Appends to and reads from `eventlog.events` through an asyncpg pool."""

    def __init__(self, pool: asyncpg.Pool) -> None:
        self.pool = pool
        self._dirty = asyncio.Event()
        self._notifier: asyncio.Task[None] | None = None

    async def append(
        self,
        stream: str,
        events: Sequence[EventData],
        expected_version: int,
        metadata: Metadata,
        *,
        conn: Conn | None = None,
    ) -> Appended:
        """Append all `events` to `stream` in one transaction, if it is at `expected_version`.

        `expected_version` is 0 for a new stream. Pass `conn` to append inside a transaction
        the caller holds (a policy writing its checkpoint with its events).
        """
        if not events:
            raise ValueError("nothing to append")
        kind = stream_type_of(stream)
        for data in events:
            if data.stream_type != kind:
                raise ValueError(f"{data.type} does not belong in a {kind} stream")
        meta = metadata
        if meta.traceparent is None:
            meta = meta.model_copy(update={"traceparent": trace_carrier()})
        args = (
            stream,
            expected_version,
            meta.tenant,
            meta.model_dump_json(exclude={"tenant"}),
            [new_id() for _ in events],
            [e.type for e in events],
            [e.schemaversion for e in events],
            [e.model_dump_json() for e in events],
        )
        if (noted := appends_noted.get()) is not None:
            noted.append(stream)  # before it is sent: from here on it may be recorded
        try:
            if conn is None:
                async with self.pool.acquire() as own:
                    rows = await own.fetch(_APPEND, *args)
            else:
                rows = await conn.fetch(_APPEND, *args)
        except asyncpg.UniqueViolationError as exc:
            if exc.constraint_name == "events_stream_version_key":
                raise ConcurrencyError(stream, expected_version) from None
            raise
        if not rows:
            raise ConcurrencyError(stream, expected_version)
        self.appended(conn)
        return Appended(stream, expected_version + len(events), rows[-1]["position"])

    def appended(self, conn: Conn | None) -> None:
        """Wake the readers of the log for an append on `conn` (None: the pool's): once its
        transaction commits, if it is in one."""
        if conn is not None and conn.is_in_transaction():
            # Woken now, the relay would find nothing readable and sleep its poll interval.
            watch = _WakeAfterCommit(self._dirty, conn)
            watch.conn.add_query_logger(watch)
        else:
            self._dirty.set()

    async def read_stream(
        self, stream: str, after_version: int = 0, *, conn: Conn | None = None
    ) -> list[Event]:
        """The stream's events; pass `conn` to read on a connection already held (in a
        transaction), rather than take a second one from the pool while holding the first."""
        if conn is not None:
            return await read_stream_on(conn, stream, after_version)
        async with self.pool.acquire() as own:
            return await read_stream_on(own, stream, after_version)

    async def stream_version(self, stream: str, *, conn: Conn | None = None) -> int:
        """The stream's version; pass `conn` to read it in a transaction the caller holds."""
        if conn is not None:
            return await stream_version_on(conn, stream)
        async with self.pool.acquire() as own:
            return await stream_version_on(own, stream)

    # Reading the log in the safe order.

    @staticmethod
    async def read_log_rows(conn: Conn, after: LogCursor, limit: int) -> list[asyncpg.Record]:
        return list(await conn.fetch(READ_LOG, str(after.tx_id), after.position, limit))

    @staticmethod
    async def read_log_for_relay(
        conn: Conn, after: LogCursor, limit: int, *, timeout: float | None = None
    ) -> RelayPage:
        args = (str(after.tx_id), after.position, limit)
        found = await conn.fetch(READ_LOG_FOR_RELAY, *args, timeout=timeout)
        # One row with no event in it when the page is empty: the question's answer.
        rows = [r for r in found if r["position"] is not None]
        return RelayPage(rows, bool(found[0]["held_back"]))

    async def read_log(
        self, after: LogCursor = LogCursor(), batch: int = 1000
    ) -> AsyncIterator[Event]:
        """Every event now readable in the safe order, after `after`."""
        cursor = after
        while True:
            async with self.pool.acquire() as conn:
                rows = await self.read_log_rows(conn, cursor, batch)
            for row in rows:
                yield row_to_event(row)
            if len(rows) < batch:
                return
            cursor = LogCursor(rows[-1]["tx_id"], rows[-1]["position"])

    # Waking readers.

    async def start_notifier(self) -> None:
        """Tell LISTENers that the log grew, at most one NOTIFY in flight at a time.

        A NOTIFY inside the appending transaction would serialise every commit in the
        cluster on the notification queue lock; one coalesced NOTIFY after commit does not.
        """
        if self._notifier is None:
            self._notifier = asyncio.create_task(self._notify_loop(), name="eventlog-notifier")

    async def close(self) -> None:
        if self._notifier is not None:
            self._notifier.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._notifier
            self._notifier = None

    async def _notify_loop(self) -> None:
        while True:
            await self._dirty.wait()
            self._dirty.clear()
            try:
                async with self.pool.acquire(timeout=5) as conn:
                    await conn.execute(f"NOTIFY {NOTIFY_CHANNEL}", timeout=5)
            except Exception as exc:
                # The relay polls as well: a lost wake-up only delays delivery, so no error,
                # whatever it is, may end this loop; one that will not pass is said.
                if not is_transient(exc):
                    log.error("wake-up failed", error=describe(exc))
                await asyncio.sleep(0.5)


class _WakeAfterCommit:
    """Marks the log grown once the caller's transaction commits, never before.

    asyncpg calls query loggers after each statement completes; the one that ends the
    transaction (COMMIT, or ROLLBACK) removes this watch again.
    """

    def __init__(self, dirty: asyncio.Event, conn: Conn) -> None:
        self.dirty = dirty
        # The connection itself, not a pool's proxy of it: the proxy may be released back
        # to the pool by the time asyncpg calls the logger, and would refuse the removal.
        self.conn: Conn = getattr(conn, "_con", None) or conn

    def __call__(self, record: LoggedQuery) -> None:
        word = record.query.lstrip()[:8].upper()
        if word.startswith(("COMMIT", "END", "ROLLBACK", "ABORT")):
            if record.exception is None and word.startswith(("COMMIT", "END")):
                self.dirty.set()
            self.conn.remove_query_logger(self)


def encode_jsonb(value: Any) -> str:
    return json.dumps(value, separators=(",", ":"), default=str)
