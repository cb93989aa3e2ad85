"""One versus two processes per service (ADR 0036), at the same offered rate.

The platform starts twice, as bench/e2e.py starts it: each service first in one HTTP process,
then in two (`REDRESS_WORKERS=2`: `redress serve --workers 2`, the runners in one of them).
Each time, a fresh platform takes member submissions at RATE for SECONDS, open loop, and every
case is read back as in the e2e run; the figures are the achieved rate, request p99 and time
to case p99 of each, with the CPU each process group used. One run each, not a median.
"""

from __future__ import annotations

import asyncio
import os
from dataclasses import dataclass
from typing import Any

from bench import report
from bench.e2e import SECONDS, CpuMeter, Outcome, drive, percentile, running_platform

RATE = float(os.environ.get("BENCH_PROCESSES_RATE", "200"))
COUNTS = (1, 2)


@dataclass(frozen=True)
class Scaling:
    outcomes: dict[int, Outcome]
    cpu: dict[int, dict[str, float]]  # cores busy on average, by process group


def measure(log: Any) -> Scaling:
    outcomes: dict[int, Outcome] = {}
    cpu: dict[int, dict[str, float]] = {}
    for workers in COUNTS:
        with running_platform(log, workers=workers) as (settings, platform):
            log(f"processes: {workers} per service, {RATE:.0f}/s offered for {SECONDS:.0f} s …")
            meter = CpuMeter(platform)
            before = meter.sample()
            out = outcomes[workers] = asyncio.run(drive(settings, RATE, SECONDS))
            cpu[workers] = meter.cores(before, meter.sample())
        log(
            f"processes: {workers} per service: {out.rate:,.0f}/s, request p99 "
            f"{p99(out.requests):,.0f} ms, to case p99 {p99(out.to_case):,.0f} ms, "
            f"errors {dict(out.errors) or 0}"
        )
    return Scaling(outcomes, cpu)


def p99(values: list[float]) -> float:
    return percentile([1000 * v for v in values], 99)


def rows(scaling: Scaling) -> list[report.Row]:
    """Two processes per service as ours, one as the baseline."""
    one, two = scaling.outcomes[1], scaling.outcomes[2]
    label = f"2 vs 1 processes per service at {RATE:.0f}/s:"
    return [
        report.Row(f"{label} submissions/s", (two.rate,), (one.rate,)),
        report.Row(f"{label} request p99 ms", (p99(two.requests),), (p99(one.requests),),
                   unit="ms", digits=1),
        report.Row(f"{label} to case p99 ms", (p99(two.to_case),), (p99(one.to_case),),
                   unit="ms", digits=1),
    ]  # fmt: skip


def as_json(scaling: Scaling) -> dict[str, Any]:
    return {
        str(workers): {
            **out.as_json(),
            "achieved_per_s": round(out.rate, 1),
            "request_p99_ms": round(p99(out.requests), 1),
            "case_p99_ms": round(p99(out.to_case), 1),
            "cpu_cores": scaling.cpu[workers],
        }
        for workers, out in scaling.outcomes.items()
    }


def notes(scaling: Scaling) -> tuple[str, ...]:
    said = []
    for workers, cores in scaling.cpu.items():
        busy = ", ".join(f"{name} {v:.2f}" for name, v in cores.items() if name != "machine")
        out = scaling.outcomes[workers]
        late = f"; {out.late:,} of {out.offered:,} sent late" if out.late else ""
        said.append(
            f"processes: {workers} per service at {RATE:.0f}/s, cores busy on average: machine "
            f"{cores['machine']:.2f} ({busy}){late}."
        )
    return tuple(said)


def settings() -> dict[str, Any]:
    return {"rate": RATE, "seconds": SECONDS, "processes_per_service": list(COUNTS)}
