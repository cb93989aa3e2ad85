"""What the server sends a runner: the events its projection reads, and what it passed over.

A runner's ordered consumer is filtered on the server to the subjects of the types its
projection reads (ADR 39), so that each process of the platform is woken by the events it
has work for, not by every event of the stream. What the server passes over the runner
learns only by asking it (`passed_to`).
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Awaitable, Iterable
from typing import TypeVar

import nats.js.errors
from nats.aio.msg import Msg
from nats.js import JetStreamContext
from nats.js.api import ConsumerConfig, DeliverPolicy

from redress.events.bus import Bus, delivered_by

T = TypeVar("T")

# Put in the queue to wake the runner when someone waits for a position it has not reached:
# the server may have passed over everything up to it, which only the server can say.
WAKE = None


class Delivery:
    """One subscription of a runner, from a position on, into a queue."""

    def __init__(
        self, js: JetStreamContext, bus: Bus, reads: Iterable[str], io_timeout: float
    ) -> None:
        self.js, self.bus, self.io_timeout = js, bus, io_timeout
        self.subjects = bus.subjects_reading(reads)
        self.queue: asyncio.Queue[Msg | None] = asyncio.Queue()
        self.sub: JetStreamContext.PushSubscription | None = None
        self._woken = False  # a wake-up is in the queue
        self.received: tuple[str, int] = ("", 0)  # the last message handed out: `delivered_by`

    async def open(self, after: int) -> None:
        async def deliver(msg: Msg) -> None:
            await self.queue.put(msg)

        self.sub = await self.js.subscribe(
            f"{self.bus.prefix}.>",
            stream=self.bus.stream,
            cb=deliver,
            ordered_consumer=True,
            config=ConsumerConfig(
                deliver_policy=DeliverPolicy.BY_START_SEQUENCE,
                opt_start_seq=after + 1,
                filter_subjects=self.subjects,
            ),
        )

    async def close(self) -> None:
        if self.sub is not None:
            # Bounded: a stop must not wait on the server's answer for ever.
            with contextlib.suppress(Exception):
                await asyncio.wait_for(self.sub.unsubscribe(), 2.0)

    def wake(self) -> None:
        if not self._woken:
            self._woken = True
            self.queue.put_nowait(WAKE)

    def batch(self, first: Msg | None, limit: int) -> list[Msg]:
        """`first` and what else has arrived, up to `limit`, wake-ups left out."""
        batch = [first]
        while len(batch) < limit and not self.queue.empty():
            batch.append(self.queue.get_nowait())
        msgs = [m for m in batch if m is not WAKE]
        if len(msgs) < len(batch):
            self._woken = False
        if msgs:
            self.received = delivered_by(msgs[-1])
        return msgs

    async def stream_end(self) -> int:
        return await self._asked(self.bus.last_sequence(self.js))

    async def passed_to(self, position: int) -> tuple[int, bool]:
        """The stream's last sequence, and whether everything after `position` up to it was
        applied by the runner or passed over by the server: nothing the consumer would send is left
        on the server, and all it has sent was handed out (and, as the runner asks only
        after applying what it was handed, applied), with nothing left in the queue.

        The stream's end is read first: an event appended after it is beyond it, so the
        consumer's state read second covers every event up to it. What the consumer has
        sent is its count of deliveries, not a stream sequence: a consumer that has sent
        nothing yet says it has looked further than it has sent (seen on NATS 2.15.1).
        """
        last = await self.stream_end()
        if last <= position or self.sub is None:
            return last, last <= position
        try:
            info = await self._asked(self.sub.consumer_info())
        except nats.js.errors.NotFoundError:  # being re-created: ask again later
            return last, False
        sent = (info.delivered.consumer_seq if info.delivered else None) or 0
        handed_out = sent == 0 or (info.name, sent) == self.received
        return last, info.num_pending == 0 and handed_out and self.queue.empty()

    async def _asked(self, question: Awaitable[T]) -> T:
        try:
            return await asyncio.wait_for(question, self.io_timeout)
        except TimeoutError:
            raise TimeoutError(f"NATS: no answer within {self.io_timeout:g} s") from None
