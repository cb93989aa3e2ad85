"""What the writers write, and how a fixed amount of work is split among them and timed."""

from __future__ import annotations

import asyncio
import statistics
import time
from collections.abc import Awaitable, Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import TypeVar

from redress.events.catalogue.case import CaseOpened
from redress.events.envelope import Metadata
from redress.events.ids import new_id

J = TypeVar("J")

META = Metadata(tenant="bench")
# What our store writes as `metadata` for META, so that the baselines store the same bytes.
META_JSON = META.model_dump_json(exclude={"tenant"})
POOL_SIZE = 16
# Each figure is the median of this many rounds, contenders taking turns within a round,
# so that a slow moment of the machine does not land on one contender only.
ROUNDS = 3

Samples = dict[str, list[float]]


@dataclass(frozen=True)
class Cell:
    """One cell of the append grid: so many writers, appends of so many events."""

    writers: int
    batch: int
    appends: int

    @property
    def name(self) -> str:
        kind = "single" if self.batch == 1 else f"batch{self.batch}"
        return f"append {kind} x{self.writers}"

    @property
    def events(self) -> int:
        return self.batch * self.appends

    @property
    def warmup(self) -> int:
        # Enough appends to touch every connection of the pool at least twice.
        return max(2 * self.writers, self.appends // 20)


def cells() -> list[Cell]:
    # Fixed work per cell: 4,000 single-event commands, or 200 batches of 100 events.
    return [
        Cell(writers=w, batch=b, appends=n) for b, n in ((1, 4000), (100, 200)) for w in (1, 16)
    ]


def case_opened() -> CaseOpened:
    return CaseOpened(
        case_id=str(new_id()),
        grievance_id=str(new_id()),
        category="wages_and_benefits",
        country="BD",
    )


def rate(events: int, seconds: float) -> float:
    return events / seconds if seconds > 0 else 0.0


def median(samples: Sequence[float]) -> float:
    return statistics.median(samples)


async def timed_tasks(
    writers: int, jobs: Sequence[J], one: Callable[[J], Awaitable[None]]
) -> float:
    """Run `jobs` on `writers` concurrent tasks, each taking its share in turn; the seconds."""

    async def writer(share: Sequence[J]) -> None:
        for job in share:
            await one(job)

    start = time.perf_counter()
    await asyncio.gather(*(writer(jobs[i::writers]) for i in range(writers)))
    return time.perf_counter() - start


def timed_threads(writers: int, jobs: Sequence[J], one: Callable[[J], object]) -> float:
    """The same for a synchronous client: one thread per writer."""

    def writer(share: Sequence[J]) -> None:
        for job in share:
            one(job)

    with ThreadPoolExecutor(max_workers=writers) as pool:
        start = time.perf_counter()
        futures = [pool.submit(writer, jobs[i::writers]) for i in range(writers)]
        for future in futures:
            future.result()
        return time.perf_counter() - start
