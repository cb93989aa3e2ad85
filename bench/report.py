"""The figures against their goals: a Rich table on the terminal, JSON in bench/results/."""

from __future__ import annotations

import json
import math
import os
import platform
import time
from dataclasses import asdict, dataclass
from datetime import UTC, datetime
from importlib.metadata import version
from pathlib import Path
from typing import Any

import asyncpg
from nats.aio.client import Client as NATS
from rich.console import Console
from rich.table import Table

from bench.workload import Samples, median

RESULTS = Path(__file__).parent / "results"
LIBRARIES = ("asyncpg", "nats-py", "eventsourcing", "psycopg", "pydantic")


@dataclass(frozen=True)
class Row:
    """One figure of ours against its goal: medians of the rounds' samples.

    A figure that must stay below its goal (a latency) has `goal_max`, in `unit`.
    """

    measurement: str
    ours_samples: tuple[float, ...]
    baseline_samples: tuple[float, ...] = ()
    goal_ratio: float | None = None
    goal_rate: float | None = None
    goal_max: float | None = None
    unit: str = ""
    digits: int = 0

    @property
    def ours(self) -> float:
        return median(self.ours_samples)

    @property
    def baseline(self) -> float | None:
        return median(self.baseline_samples) if self.baseline_samples else None

    @property
    def ratio(self) -> float | None:
        return self.ours / self.baseline if self.baseline else None

    @property
    def goal(self) -> str:
        if self.goal_ratio is not None:
            return f">= {self.goal_ratio:g}x"
        if self.goal_rate is not None:
            return f">= {self.goal_rate:,.0f}/s"
        if self.goal_max is not None:
            return f"< {self.goal_max:,g} {self.unit}".rstrip()
        return ""

    @property
    def met(self) -> bool | None:
        if self.goal_ratio is not None:
            return self.ratio is not None and self.ratio >= self.goal_ratio
        if self.goal_rate is not None:
            return self.ours >= self.goal_rate
        if self.goal_max is not None:
            return self.ours < self.goal_max  # a figure without samples (NaN) fails
        return None

    def as_json(self) -> dict[str, Any]:
        # Events/s to 0.1 are precise enough; the ratio keeps three decimals.
        figures = {
            "ours": _finite(round(self.ours, 1)),
            "baseline": None if self.baseline is None else round(self.baseline, 1),
            "ratio": None if self.ratio is None else round(self.ratio, 3),
            "ours_samples": [_finite(round(v, 1)) for v in self.ours_samples],
            "baseline_samples": [round(v, 1) for v in self.baseline_samples],
        }
        return {**asdict(self), **figures, "goal": self.goal, "met": self.met}


def _finite(value: float) -> float | None:
    return value if math.isfinite(value) else None


def append_rows(name: str, writers: int, samples: Samples) -> list[Row]:
    # Goals hold at 16 writers; one writer is shown for the shape of the curve.
    many = writers >= 16
    ours = tuple(samples["ours"])
    return [
        Row(f"{name} vs raw", ours, tuple(samples["raw"]), 0.5 if many else None),
        Row(
            f"{name} vs eventsourcing", ours, tuple(samples["eventsourcing"]), 1.5 if many else None
        ),
    ]


def relay_row(events: int, samples: Samples) -> Row:
    return Row(
        f"relay {events // 1000}k vs raw JetStream",
        tuple(samples["ours"]),
        tuple(samples["raw"]),
        goal_ratio=0.7,
    )


def replay_row(events: int, samples: list[float], raw: list[float]) -> Row:
    """Replay through the runner, beside the raw floor: nats-py and asyncpg with no decoding."""
    return Row(f"projection replay {events // 1000}k vs raw consumer", tuple(samples),
               tuple(raw), goal_rate=20_000)  # fmt: skip


def webhook_rows(referrals: int, result: Any) -> list[Row]:
    """Delivery rate against the plain loop, and latency of first-attempt successes."""
    return [
        Row(
            f"webhooks {referrals:,} to 5 receivers vs plain httpx",
            (result.ours_rate,),
            (result.baseline_rate,),
            goal_ratio=0.8,
        ),
        Row(
            "webhook p99, commit to verified (first attempts)",
            (result.ours_p99_ms,),
            goal_max=1000,
            unit="ms",
        ),
    ]


def table(rows: list[Row]) -> Table:
    t = Table(
        title="Redress benchmark (events/s, median of rounds; e2e: one run)",
        caption="single: one-event commands; batch100: 100-event appends; xN: N writers; "
        "raw: plain asyncpg INSERT / nats-py publish; e2e: member API submissions through "
        "the whole platform, time to case until the cases API reads it; webhooks: "
        "deliveries/s verified by receivers answering after 50 ms",
    )
    for heading in ("measurement", "ours", "baseline", "ratio", "goal", "met?"):
        t.add_column(heading, justify="left" if heading == "measurement" else "right")
    for row in rows:
        t.add_row(
            row.measurement,
            f"{row.ours:,.{row.digits}f}",
            "" if row.baseline is None else f"{row.baseline:,.0f}",
            "" if row.ratio is None else f"{row.ratio:.2f}x",
            row.goal,
            {True: "[green]yes[/]", False: "[red]NO[/]", None: ""}[row.met],
        )
    return t


async def machine(database_url: str, nc: NATS, embedded: bool) -> dict[str, Any]:
    conn = await asyncpg.connect(database_url)
    try:
        postgres = await conn.fetchval("SHOW server_version")
    finally:
        await conn.close()
    nats_version = nc.connected_server_version
    return {
        "cpu_count": os.cpu_count(),
        "platform": platform.platform(),
        "python": platform.python_version(),
        "postgres": postgres,
        "nats_server": f"{nats_version.major}.{nats_version.minor}.{nats_version.patch}",
        "servers": "embedded" if embedded else "from REDRESS_DATABASE_URL / REDRESS_NATS_URL",
        "libraries": {name: version(name) for name in LIBRARIES},
    }


def python_loop_ms(rounds: int = 5) -> float:
    """How fast this machine runs Python now: a fixed loop of a million additions, in ms,
    the median of `rounds`. Machines of the same kind differ, and one machine from hour to
    hour: absolute figures of two runs compare only beside it."""
    times = []
    for _ in range(rounds):
        started = time.perf_counter()
        total = 0
        for i in range(1_000_000):
            total += i
        times.append(1000 * (time.perf_counter() - started))
    return median(times)


def write_json(
    rows: list[Row],
    facts: dict[str, Any],
    settings: dict[str, Any],
    seconds: float,
    extra: dict[str, Any] | None = None,
) -> Path:
    now = datetime.now(UTC)
    document = {
        "time": now.isoformat(timespec="seconds"),
        "seconds": round(seconds, 1),
        "machine": facts,
        "settings": settings,
        "results": [row.as_json() for row in rows],
        **(extra or {}),
    }
    text = json.dumps(document, indent=2) + "\n"
    RESULTS.mkdir(exist_ok=True)
    path = RESULTS / f"bench-{now:%Y%m%dT%H%M%SZ}.json"
    path.write_text(text)
    (RESULTS / "latest.json").write_text(text)
    return path


def show(
    console: Console, rows: list[Row], path: Path, seconds: float, notes: tuple[str, ...] = ()
) -> None:
    console.print(table(rows))
    for note in notes:
        console.print(note)
    console.print(f"Written to {path} (and latest.json); the run took {seconds:.0f} s.")
