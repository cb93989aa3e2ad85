"""What a projection runner's owners ask of it: where it is, waiting for it, replaying it.

Its checkpoint and status (ok, degraded, halted or stopped), a wait until it has applied a
given position (read-your-writes, `redress replay`, a rebuild's catch-up), and rebuilding
and replaying in place. The consuming itself is the runner's
(`redress.events.projection.runner`); these read and steer the state it keeps.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Callable

import asyncpg
from nats.js import JetStreamContext

from redress.events.bus import Bus
from redress.events.projection.checkpoints import read_checkpoint, reset
from redress.events.projection.delivery import Delivery
from redress.events.projection.model import Halt, Projection
from redress.events.projection.tolerant import TolerantReader
from redress.events.projection.versions import Versions
from redress.events.recovery import Trouble, stop

Progress = Callable[[int, int], None]


class RunnerControls:
    """The runner's checkpoint, waiting, rebuilding and status, over the state it keeps."""

    # Kept by `ProjectionRunner`, which sets them all as it is made.
    projection: Projection
    schema: str
    pool: asyncpg.Pool
    js: JetStreamContext
    bus: Bus
    io_timeout: float
    halted: Halt | None
    reader: TolerantReader
    trouble: Trouble
    running: bool
    position: int
    written: int
    lazy: bool
    recent: Versions
    _advanced: asyncio.Condition
    _delivery: Delivery | None
    _waits: list[int]

    async def run(self) -> None:
        """The runner's consuming (`ProjectionRunner.run`)."""
        raise NotImplementedError

    async def checkpoint(self) -> int:
        async with self.pool.acquire(timeout=self.io_timeout) as conn:
            return await read_checkpoint(conn, self.projection, self.schema)

    async def wait_for(self, sequence: int, timeout: float) -> bool:
        """Wait until the runner has applied everything up to `sequence`."""

        async def reached() -> None:
            async with self._advanced:
                await self._advanced.wait_for(
                    lambda: self.position >= sequence or self.halted is not None
                )

        # The server may have passed over everything up to it: the runner asks it, after
        # each batch while someone waits, and at once if it is idle.
        self._waits.append(sequence)
        if sequence > self.position and self._delivery is not None:
            self._delivery.wake()
        try:
            await asyncio.wait_for(reached(), timeout)
        except TimeoutError:
            return False
        finally:
            self._waits.remove(sequence)
        return self.position >= sequence

    async def rebuild(self) -> None:
        """Forget everything projected, in place; the next run replays from the start.

        Readers see the tables empty, then partial: only for a stopped system (see
        `redress.events.projection.shadow` for a rebuild beside the live tables).
        """
        async with self.pool.acquire(timeout=self.io_timeout) as conn, conn.transaction():
            await reset(conn, self.projection)
        self.position = self.written = 0
        self.halted = None
        self.recent.clear()

    async def replay(self, on_progress: Progress | None = None) -> int:
        """Rebuild in place and consume up to the stream's current end; return its end."""
        await self.rebuild()
        return await self.catch_up(on_progress)

    async def catch_up(self, on_progress: Progress | None = None, end: int | None = None) -> int:
        """Consume from the checkpoint up to `end` (the stream's current end) and stop there."""
        if end is None:
            end = await self.bus.last_sequence(self.js)
        self.position = await self.checkpoint()
        # Stopped at `end`, the runner must have stored it: a rebuild's swap reads it.
        lazy, self.lazy = self.lazy, False
        task = asyncio.create_task(self.run())
        try:
            while self.position < end and self.halted is None:
                await self.wait_for(min(end, self.position + 1), timeout=5.0)
                if on_progress:
                    on_progress(self.position, end)
        finally:
            await stop(task)
            with contextlib.suppress(asyncio.CancelledError):
                await task
            self.lazy = lazy
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
                **self.reader.status(),
            }
        trouble = self.trouble.as_status()
        if not self.running:
            trouble = {**trouble, "status": "stopped"}
        return {
            "projection": self.projection.key,
            **trouble,
            "position": self.position,
            **self.reader.status(),
        }
