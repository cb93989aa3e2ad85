"""What a projection is: a read model (or a policy) fed by events, and how a runner stops."""

from __future__ import annotations

from abc import ABC, abstractmethod
from dataclasses import dataclass
from typing import ClassVar

from redress.events import catalogue
from redress.events.envelope import Event, EventData
from redress.events.store import Conn, EventStore


class Projection(ABC):
    """A read model (or, with appends, a policy) fed by events.

    `apply` runs inside the batch's transaction on `conn`; it must do all its writes there,
    naming its own `tables` unqualified: the runner sets the search path to the projection's
    schema, or to a shadow schema while a rebuild fills it (docs/decisions/0011).

    `handles` names the event types `apply` reads; the runner passes it those only, and
    skips every other message on its headers, undecoded (docs/events.md). Left empty, it is
    every type the catalogue knows of `stream_types` (of every stream, when none are named).
    """

    name: ClassVar[str]
    schema: ClassVar[str]
    stream_types: ClassVar[tuple[str, ...]] = ()
    handles: ClassVar[tuple[type[EventData], ...]] = ()
    tables: ClassVar[tuple[str, ...]] = ()
    # False for one whose effects reach outside (a partner's webhooks): replayed from the
    # start, it would do them again where what it did since was undone. `redress replay`
    # refuses it.
    replayable: ClassVar[bool] = True

    @property
    def key(self) -> str:
        return f"{self.schema}.{self.name}"

    def reads(self) -> dict[str, int]:
        """Each event type applied, with the newest schema version this build reads of it."""
        types = self.handles or catalogue.of_stream(*self.stream_types)
        return {t.type: t.schemaversion for t in types}

    @abstractmethod
    async def apply(self, conn: Conn, event: Event) -> None: ...

    async def carry_over(self, conn: Conn, shadow: str) -> None:
        """Before a rebuild in `shadow` is swapped in: copy what the live tables hold that
        no event has told yet (none by default)."""
        return None

    async def apply_batch(self, conn: Conn, events: list[Event]) -> None:
        """Apply events in order; a projection may override this to write a batch at once,
        set-based, leaving what applying each event in turn leaves, whatever the batch
        (`rounds` cuts one into parts that each statement can write)."""
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
