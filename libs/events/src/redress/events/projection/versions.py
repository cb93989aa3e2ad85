"""Stream versions a projection has applied, as far as this process knows, with waiters.

Read-your-writes waits on these rather than on the database: a runner records what each
batch applied as it commits, a process's listener what the runner of another process
announced (`redress.events.projection.announce`), and a waiter is woken by the record that
reaches its version. Nothing asks the database again and again.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections import OrderedDict
from collections.abc import Iterator, Mapping
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from redress.events.projection.runner import ProjectionRunner

# Streams remembered per projection: the most recently applied ones, enough for every
# command answered within the read-your-writes deadline at thousands per second.
BOUND = 50_000

# The runner of each projection running in this process, by key.
LIVE: dict[str, ProjectionRunner] = {}


class Versions:
    def __init__(self, bound: int = BOUND) -> None:
        self.bound = bound
        self._known: OrderedDict[str, int] = OrderedDict()
        self._waiters: dict[str, list[tuple[int, asyncio.Future[None]]]] = {}

    def get(self, stream: str, default: int = 0) -> int:
        return self._known.get(stream, default)

    def __len__(self) -> int:
        return len(self._known)

    def record(self, versions: Mapping[str, int], *, remember: bool = True) -> None:
        """Streams applied up to these versions: remember them and wake who waited."""
        known = self._known
        for stream, version in versions.items():
            if remember:
                if version > known.get(stream, 0):
                    known[stream] = version
                known.move_to_end(stream)
            if waiting := self._waiters.get(stream):
                for wanted, future in waiting:
                    if wanted <= version and not future.done():
                        future.set_result(None)
        while len(known) > self.bound:
            known.popitem(last=False)

    def clear(self) -> None:
        """Forget (a rebuild starts the projection from nothing)."""
        self._known.clear()

    def awaited(self) -> list[str]:
        """The streams someone waits on: what to ask the database once after a gap in what
        this process heard (a lost connection), so that no waiter misses its version."""
        return list(self._waiters)

    @contextlib.contextmanager
    def waiting(self, stream: str, version: int) -> Iterator[asyncio.Future[None]]:
        """A future done once `stream` is recorded at `version` or later; while inside."""
        future: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        if self.get(stream) >= version:
            future.set_result(None)
        entry = (version, future)
        self._waiters.setdefault(stream, []).append(entry)
        try:
            yield future
        finally:
            waiting = self._waiters.get(stream, [])
            if entry in waiting:
                waiting.remove(entry)
            if not waiting:
                self._waiters.pop(stream, None)
            future.cancel()
