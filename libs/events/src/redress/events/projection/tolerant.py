"""A tolerant reader: messages are sorted on their subjects before any payload is decoded.

A projection reads the event types it `handles`; the server sends the runner nothing else
(ADR 39), and what it passed over is counted from the stream's sequences. Any other message
that arrives all the same (from a server older than NATS 2.10, which does not filter on
several subjects) is skipped undecoded and counted, the types this build's catalogue does not
know named, so that a producer deployed before its consumers never stops them. A type it does
read, in a schema version newer than this build knows, cannot be skipped without losing
what it says: the runner halts on it, naming the type, the version and what to deploy.
"""

from __future__ import annotations

from collections import Counter

import structlog
from nats.aio.msg import Msg

from redress.events import catalogue
from redress.events.bus import message_to_event, sequence_of, type_of
from redress.events.envelope import Event
from redress.events.projection.model import Projection

log = structlog.get_logger("redress.projection")

Unreadable = tuple[Msg, Exception]


class TolerantReader:
    def __init__(self, projection: Projection) -> None:
        self.projection = projection
        self.reads = projection.reads()
        self.skipped = 0
        """Messages passed over since this runner started, of any type it does not read."""
        self.unknown: Counter[str] = Counter()
        """Of those, the ones of types this build's catalogue does not know, per type."""
        self.counted_to = 0  # the last stream sequence counted

    def read(self, batch: list[Msg]) -> tuple[list[Event | None], Unreadable | None]:
        """The events of the batch (None: skipped), up to the first message that cannot be
        read, which is returned with the reason; everything before it can be applied."""
        events: list[Event | None] = []
        for msg in batch:
            try:
                events.append(self._read(msg))
            except Exception as exc:
                return events, (msg, exc)
        return events, None

    def _read(self, msg: Msg) -> Event | None:
        newest = self.reads.get(type_of(msg))
        if newest is None:
            return None
        return message_to_event(msg, newest, f"the {self.projection.schema} service")

    def count(self, batch: list[Msg], events: list[Event | None], after: int) -> None:
        """Count what a batch, now applied after position `after`, passed over, once: a
        runner that starts again from its stored checkpoint receives again what it had
        passed over since. The messages the server did not send between them count too."""
        for msg, event in zip(batch, events, strict=True):
            if (sequence := sequence_of(msg)) <= self.counted_to:
                after = sequence
                continue
            self.passed_over(after, sequence - 1)
            after = self.counted_to = sequence
            if event is not None:
                continue
            self.skipped += 1
            kind = type_of(msg)
            if catalogue.is_known(kind):
                continue
            if not self.unknown[kind]:
                log.warning(
                    "skipping events of a type this build does not know",
                    projection=self.projection.key,
                    type=kind,
                    sequence=sequence_of(msg),
                )
            self.unknown[kind] += 1

    def passed_over(self, after: int, upto: int) -> None:
        """The server passed over the messages after `after` up to `upto`: none of a type
        the projection reads, all counted as skipped (of types unknown or not, it cannot say)."""
        start = max(after, self.counted_to)
        if upto > start:
            self.skipped += upto - start
            self.counted_to = upto

    def status(self) -> dict[str, object]:
        status: dict[str, object] = {"skipped": self.skipped}
        if self.unknown:
            status["unknown_types"] = dict(self.unknown)
        return status
