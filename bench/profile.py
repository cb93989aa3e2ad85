"""Sampling profiles of the platform's processes under the e2e load (BENCH_PROFILE=dir).

py-spy samples each Python process of the platform (the relay and the five services) from
outside, without touching it, while the 300/s phase runs; the raw stacks go to `dir`, one
file per process, and `summary` ranks where each process spends its samples. How to read
them, and what they showed: docs/performance.md.
"""

from __future__ import annotations

import contextlib
import shutil
import signal
import subprocess
import sys
from collections import Counter
from collections.abc import Iterator
from pathlib import Path

from redress.kit.dev import Platform

RATE_HZ = 100


@contextlib.contextmanager
def profiling(platform: Platform, directory: Path | None) -> Iterator[None]:
    if directory is None:
        yield
        return
    spy = shutil.which("py-spy") or str(Path(sys.executable).with_name("py-spy"))
    directory.mkdir(parents=True, exist_ok=True)
    spies = [
        subprocess.Popen(
            _record(spy, child.process.pid, directory / f"{child.name}.txt"),
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        for child in platform.children
        if child.process is not None
    ]
    try:
        yield
    finally:
        for p in spies:
            p.send_signal(signal.SIGINT)  # py-spy writes its file on SIGINT
        for p in spies:
            with contextlib.suppress(subprocess.TimeoutExpired):
                p.wait(timeout=30)


def _record(spy: str, pid: int, output: Path) -> list[str]:
    return [spy, "record", "--pid", str(pid), "--rate", str(RATE_HZ), "--format", "raw",
            "--full-filenames", "--subprocesses",  # a service's workers too
            "--nonblocking", "--output", str(output)]  # fmt: skip


def summary(directory: Path, top: int = 12) -> dict[str, dict[str, list[tuple[str, float]]]]:
    """Per process, as shares of its samples: the functions that were running (`self`), and
    the platform's own functions on the stack (`redress`, time spent in them and below)."""
    ranked: dict[str, dict[str, list[tuple[str, float]]]] = {}
    for path in sorted(directory.glob("*.txt")):
        running: Counter[str] = Counter()
        ours: Counter[str] = Counter()
        total = 0
        # py-spy copies names as the process holds them, not always as UTF-8.
        for line in path.read_text(errors="replace").splitlines():
            stack, _, count = line.rpartition(" ")
            if not count.isdigit():
                continue
            n, frames = int(count), stack.split(";")
            total += n
            running[_frame(frames[-1])] += n
            for frame in {_frame(f) for f in frames if "/src/redress/" in f}:
                ours[frame] += n
        if total:
            ranked[path.stem] = {
                "self": [(f, round(100 * n / total, 1)) for f, n in running.most_common(top)],
                "redress": [(f, round(100 * n / total, 1)) for f, n in ours.most_common(top)],
            }
    return ranked


def _frame(frame: str) -> str:
    """`name (path/to/package/module.py:12)` -> `name (package/module.py)`."""
    name, _, where = frame.partition(" (")
    if not where:
        return name
    parts = where.split(":")[0].split("/")
    return f"{name} ({'/'.join(parts[-2:])})"
