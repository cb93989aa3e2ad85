"""The public figures page under load, beside a static file served by the same server.

After the metrics part has rebuilt its projections, a closed month of the generated tenant
is published through the real release handler, and the metrics app is started in a process
of its own, as `redress serve` builds it, with one static file mounted beside it: the page's
own HTML, saved once. Requests come at a steady 50 a second (an open loop: each is sent at its
time, whether or not the one before has answered), to the page and to the file in turn, for
ROUNDS rounds; the figure is each round's 99th percentile, the median of the rounds, in ms,
against the goal of 100 ms and beside the static file's.
"""

from __future__ import annotations

import asyncio
import os
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from datetime import UTC, date, datetime
from pathlib import Path

import asyncpg
import httpx
import uvicorn

from bench.report import Row
from redress.events.envelope import Actor, Metadata
from redress.events.store import EventStore
from redress.kit.keyset import root_secret
from redress.kit.settings import Settings
from redress.metrics import figures, ledger
from redress.metrics.publication import to_release
from redress.metrics.releases.handlers import Publishing, publish, published
from redress.metrics.tables import period_of
from redress.metrics.timeline import stories

RATE = 50
SECONDS = float(os.environ.get("BENCH_PAGE_SECONDS", "10"))
ROUNDS = 3
GOAL_MS = 100
MONTH = date(2025, 3, 1)


async def measure(
    settings: Settings, tenant: str, say: Callable[[str], None]
) -> tuple[list[Row], dict[str, object]]:
    pool = await asyncpg.create_pool(settings.database_url, min_size=1, max_size=2)
    try:
        async with pool.acquire() as conn:
            rows = await ledger.read(conn, tenant)
        period = period_of("month", MONTH)
        began = time.perf_counter()
        release = to_release(figures.compute(rows, period, stories(rows)))
        at = Publishing(root_secret(settings), datetime.now(UTC))
        meta = Metadata(tenant=tenant, actor=Actor(id="bench", role="admin"))
        done = await publish(EventStore(pool), meta, period.label, release, at)
        say(f"figures page: {period.label} published in {time.perf_counter() - began:,.0f} s")
    finally:
        await pool.close()
    page = f"/t/{tenant}/figures/releases/{published(done).release_id}"
    static = Path(tempfile.mkdtemp(prefix="bench-static-"))
    port = _free_port()
    server = _start(settings, port, static)
    try:
        base = f"http://127.0.0.1:{port}"
        async with httpx.AsyncClient(base_url=base, timeout=30) as c:
            await _up(c, server)
            first = await c.get(page)  # rendered once, then kept
            first.raise_for_status()
            (static / "page.html").write_bytes(first.content)
            ours, theirs = [], []
            for _ in range(ROUNDS):
                ours.append(await _p99(c, page))
                theirs.append(await _p99(c, "/static/page.html"))
                say(f"figures page: p99 {ours[-1]:.1f} ms, static file {theirs[-1]:.1f} ms")
    finally:
        server.terminate()
        server.wait(timeout=30)
    row = Row(f"public figures page p99 at {RATE}/s vs static file (ms)", tuple(ours),
              tuple(theirs), goal_max=GOAL_MS, unit="ms", digits=1)  # fmt: skip
    return [row], {"bytes": len(first.content), "p99_ms": ours, "static_p99_ms": theirs}


async def _p99(c: httpx.AsyncClient, path: str) -> float:
    """Send RATE requests a second for SECONDS; the 99th percentile of their latencies."""
    latencies: list[float] = []

    async def one() -> None:
        sent = time.perf_counter()
        answer = await c.get(path)
        answer.raise_for_status()
        latencies.append((time.perf_counter() - sent) * 1000)

    start = time.perf_counter()
    tasks = []
    for i in range(int(RATE * SECONDS)):
        await asyncio.sleep(max(0.0, start + i / RATE - time.perf_counter()))
        tasks.append(asyncio.ensure_future(one()))
    await asyncio.gather(*tasks)
    latencies.sort()
    return latencies[min(len(latencies) - 1, int(len(latencies) * 0.99))]


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _start(settings: Settings, port: int, static: Path) -> subprocess.Popen[bytes]:
    env = {**os.environ, "REDRESS_DATABASE_URL": settings.database_url,
           "REDRESS_NATS_URL": settings.nats_url, "REDRESS_NATS_STREAM": settings.nats_stream,
           "REDRESS_NATS_SUBJECT_PREFIX": settings.nats_subject_prefix,
           "REDRESS_DATA_DIR": str(settings.data_dir), "REDRESS_DEV": "true",
           "REDRESS_LOG_LEVEL": "warning"}  # fmt: skip
    args = [sys.executable, "-m", "bench.figures_page", str(port), str(static)]
    return subprocess.Popen(args, env=env)


async def _up(c: httpx.AsyncClient, server: subprocess.Popen[bytes]) -> None:
    for _ in range(600):
        if server.poll() is not None:
            raise RuntimeError("the metrics server stopped before it started")
        try:
            if (await c.get("/live")).status_code == 200:
                return
        except httpx.TransportError:
            pass
        await asyncio.sleep(0.1)  # polling a process that is starting: nothing to wait on
    raise RuntimeError("the metrics server did not start within a minute")


def serve(port: int, static: Path) -> None:
    """The metrics app as `redress serve` builds it, with the static file beside it."""
    from starlette.staticfiles import StaticFiles

    from redress.kit.service import app_for

    app = app_for("metrics", Settings(_env_file=None))
    app.mount("/static", StaticFiles(directory=static))
    uvicorn.run(app, host="127.0.0.1", port=port, log_level="warning", access_log=False)


if __name__ == "__main__":
    serve(int(sys.argv[1]), Path(sys.argv[2]))
