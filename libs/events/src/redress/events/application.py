"""The application layer: every write of every service goes through `execute`.

A write loads its stream, folds it, decides and appends at the version it read. When
another writer got there first (two officers on one case, a policy beside a person), it
reads again and decides again after a short jittered pause (ADR 0006) rather than answer
a conflict nobody can do anything about. API routes, pages, policies and timers all call
it: none of them appends to a stream of its own accord.

A domain refuses a command by raising a `Refused`: the input was well formed, the state
forbids it. The kit answers every `Refused` the same way, as problem+json of its `kind`.
"""

from __future__ import annotations

import asyncio
import inspect
import random
from collections.abc import Awaitable, Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, ClassVar, Generic, Protocol, TypeVar

from redress.events.envelope import Event, EventData, Metadata
from redress.events.errors import ConcurrencyError
from redress.events.store import Conn, EventStore

# Enough for a whole team writing to one stream at once; each retry waits a little longer.
ATTEMPTS = 10
PAUSE_S = 0.005

State = TypeVar("State")
Command = TypeVar("Command")


class Refused(Exception):
    """A command the domain forbids in the current state; `kind` is stable for clients.

    `statuses` says, per kind, how a client should read the refusal (HTTP's words, as the
    APIs answer): 404 there is nothing to act on, 409 the state forbids it, 410 it is gone,
    422 the command cannot apply to it. A domain lists its kinds in a subclass.
    """

    statuses: ClassVar[Mapping[str, int]] = {}
    default_status: ClassVar[int] = 409

    def __init__(self, kind: str, detail: str) -> None:
        super().__init__(detail)
        self.kind = kind
        self.detail = detail

    @property
    def status(self) -> int:
        return self.statuses.get(self.kind, self.default_status)


Pure = Callable[[list[Event]], list[EventData]]
Decide = Callable[[list[Event]], Sequence[EventData] | Awaitable[Sequence[EventData]]]
"""What to append, decided on the stream's events as the log has them (empty: nothing).

Pure as a rule; awaitable where deciding has an effect that must commit with the events
(destroying a data key with the event that says it was erased), on `Within.conn`."""


@dataclass(frozen=True)
class Recorded:
    """What `execute` did: the stream's version after it, and what it appended."""

    stream: str
    version: int
    events: Sequence[EventData]
    history: list[Event]
    """The events the decision was taken on."""
    earlier: Any = None
    """The answer a `Transaction` found already given (an idempotency key's first answer):
    nothing was decided or appended."""


class Transaction(Protocol):
    """Work that commits with the write or not at all (an idempotency key's claim).

    `begin` runs first in the write's transaction and may end the write with an earlier
    answer; `end` runs after the append, before the commit. Both run again on a retry.
    """

    async def begin(self, conn: Conn) -> Any: ...

    async def end(self, conn: Conn, recorded: Recorded) -> None: ...


@dataclass(frozen=True)
class Aggregate(Generic[State, Command]):
    """A pure domain: the state of a stream with no events, `evolve` and `decide`."""

    initial: Callable[[str], State]
    evolve: Callable[[State, EventData], State]
    decide: Callable[[Command, State], Sequence[EventData]]

    def fold(self, stream: str, events: Sequence[Event]) -> State:
        state = self.initial(stream)
        for event in events:
            state = self.evolve(state, event.data)
        return state

    def deciding(self, stream: str, *commands: Command) -> Pure:
        """Decide `commands` in turn, each on the state the ones before it leave."""

        def decide(history: list[Event]) -> list[EventData]:
            state, new = self.fold(stream, history), list[EventData]()
            for command in commands:
                for event in self.decide(command, state):
                    state = self.evolve(state, event)
                    new.append(event)
            return new

        return decide


class Within:
    """A `Transaction` that lends the write's connection to an effectful decision.

    `also` runs in the same transaction around it: an Idempotency-Key's claim, say, so that a
    write that seals files or changes an outbox is also given once per key.
    """

    conn: Conn | None = None
    also: Transaction | None = None

    def __init__(self, also: Transaction | None = None) -> None:
        self.also = also

    async def begin(self, conn: Conn) -> Any:
        self.conn = conn
        return await self.also.begin(conn) if self.also is not None else None

    async def end(self, conn: Conn, recorded: Recorded) -> None:
        if self.also is not None:
            await self.also.end(conn, recorded)


async def execute(
    store: EventStore,
    stream: str,
    decide: Decide,
    metadata: Metadata,
    *,
    transaction: Transaction | None = None,
    attempts: int = ATTEMPTS,
) -> Recorded:
    """Load `stream`, decide, append at the version read; on a concurrent write, again.

    Each attempt is a transaction of its own: a transaction that read the stream before
    another writer appended may not append after it (ADR 0006), so a retry starts afresh.
    """
    for attempt in range(1, attempts + 1):
        try:
            if transaction is None:
                return await _attempt(store, stream, decide, metadata, None, None)
            async with store.pool.acquire() as conn, conn.transaction():
                return await _attempt(store, stream, decide, metadata, conn, transaction)
        except ConcurrencyError:
            if attempt == attempts:
                raise
            await asyncio.sleep(random.uniform(0, PAUSE_S * 2 ** min(attempt, 6)))  # noqa: S311
    raise AssertionError("unreachable")  # pragma: no cover


T = TypeVar("T")


async def retried(work: Callable[[], Awaitable[T]], *, attempts: int = ATTEMPTS) -> T:
    """`work`, a transaction of its own that may append to streams it finds on the way (a
    text joining the grievance its number threads into), again after a concurrent write, as
    `execute` does: a clash nobody can do anything about is never the answer."""
    for attempt in range(1, attempts + 1):
        try:
            return await work()
        except ConcurrencyError:
            if attempt == attempts:
                raise
            await asyncio.sleep(random.uniform(0, PAUSE_S * 2 ** min(attempt, 6)))  # noqa: S311
    raise AssertionError("unreachable")  # pragma: no cover


async def _attempt(
    store: EventStore,
    stream: str,
    decide: Decide,
    metadata: Metadata,
    conn: Conn | None,
    transaction: Transaction | None,
) -> Recorded:
    if conn is not None and transaction is not None:
        earlier = await transaction.begin(conn)
        if earlier is not None:
            return Recorded(stream, 0, [], [], earlier)
    history = await store.read_stream(stream, conn=conn)
    decided = decide(history)
    new = list(await decided if inspect.isawaitable(decided) else decided)
    version = len(history)
    if new:
        version = (await store.append(stream, new, version, metadata, conn=conn)).version
    done = Recorded(stream, version, new, history)
    if conn is not None and transaction is not None:
        await transaction.end(conn, done)
    return done
