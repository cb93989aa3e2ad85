"""The metrics projections' rebuild rate over a generated tenant's log.

`redress seed figures`'s generator records a made-up initiative (10,000 grievances over two
years by default, `BENCH_METRICS_GRIEVANCES`) through the real handlers on a fresh database;
the relay publishes its log, and each metrics projection is rebuilt from the stream's start,
as `redress replay --offline` does. The goal is the event log's own replay rate: the `log`
part's "projection replay" row of the same run, or 20,000 events/s without it. Then a month
of the tenant is published and its public page is put under load beside a static file
(bench/figures_page.py).
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import tempfile
import time
from collections.abc import Callable
from datetime import date
from pathlib import Path
from statistics import median

import asyncpg
import nats
from nats.js import JetStreamContext

from bench import figures_page, replay
from bench.report import Row
from bench.servers import Servers, fresh_database
from bench.workload import ROUNDS
from redress.cases.app import service as cases_service
from redress.events.bus import Bus
from redress.events.migrations import migrate
from redress.events.projection import Projection, ProjectionRunner
from redress.events.relay import Relay
from redress.intake.app import service as intake_service
from redress.kit.settings import Settings
from redress.metrics.app import service as metrics_service
from redress.referral.app import service as referral_service
from redress.synth.seed import seed_figures

GRIEVANCES = int(os.environ.get("BENCH_METRICS_GRIEVANCES", "10000"))
GOAL = 20_000


async def measure(
    s: Servers, say: Callable[[str], None], goal: float = GOAL
) -> tuple[list[Row], dict[str, object]]:
    """`goal`: the event log's replay rate when the `log` part ran in the same run."""
    components = tuple(c.component for c in (intake_service, cases_service, referral_service,
                                             metrics_service))  # fmt: skip
    nc = await nats.connect(s.nats_url)
    js = nc.jetstream()
    bus = Bus(stream=f"BENCH_METRICS_{os.getpid()}", prefix=f"benchm{os.getpid()}.events")
    await bus.ensure_stream(js)
    try:
        async with fresh_database(s.database_url, components) as dsn:
            settings = Settings(dev=True, database_url=dsn, nats_url=s.nats_url,
                                data_dir=Path(tempfile.mkdtemp(prefix="bench-synth-")),
                                _env_file=None)  # fmt: skip
            began = time.perf_counter()
            await seed_figures(settings, "synthetic", GRIEVANCES, 7, date(2024, 1, 1), 24, 6,
                               lambda *_: None)  # fmt: skip
            generated = time.perf_counter() - began
            pool = await asyncpg.create_pool(dsn, min_size=1, max_size=4)
            try:
                total = await pool.fetchval("SELECT count(*) FROM eventlog.events")
                say(f"metrics: {GRIEVANCES:,} grievances, {total:,} events in {generated:,.0f} s")
                await publish(dsn, js, bus, total)
                rows, rates = [], {}
                minimal = await minimal_replays(pool, js, bus, total)
                say(f"metrics: the minimal read model replays this log at {median(minimal):,.0f}/s")
                for projection in metrics_service.projections_for(settings):
                    samples = [await rebuild(projection, pool, js, bus, total)
                               for _ in range(ROUNDS)]  # fmt: skip
                    rates[projection.key] = median(samples)
                    say(f"metrics: {projection.key} rebuilt at {median(samples):,.0f} events/s")
                    rows.append(Row(f"rebuild {projection.key} ({total // 1000}k events) vs "
                                    "minimal read model, same log", tuple(samples),
                                    tuple(minimal), goal_rate=round(goal)))  # fmt: skip
                serving = settings.model_copy(
                    update={"nats_stream": bus.stream, "nats_subject_prefix": bus.prefix}
                )
                page_rows, page = await figures_page.measure(serving, "synthetic", say)
                rows += page_rows
            finally:
                await pool.close()
    finally:
        await js.delete_stream(bus.stream)
        await nc.close()
    facts = {"grievances": GRIEVANCES, "events": total, "generate_seconds": generated,
             "rebuild_events_per_second": rates, "figures_page": page}  # fmt: skip
    return rows, facts


async def rebuild(
    projection: Projection, pool: asyncpg.Pool, js: JetStreamContext, bus: Bus, total: int
) -> float:
    runner = ProjectionRunner(projection, pool, js, bus)
    began = time.perf_counter()
    await runner.replay()
    return total / (time.perf_counter() - began)


async def minimal_replays(
    pool: asyncpg.Pool, js: JetStreamContext, bus: Bus, total: int
) -> list[float]:
    """The log bench's one-row-per-event read model, over this same log: the baseline that
    separates what the generated events cost to decode from what each projection does."""
    async with pool.acquire() as conn:
        await conn.execute(replay.ROLE)
        await migrate(conn, [replay.component(Path(tempfile.mkdtemp(prefix="bench-replay-")))])
    return [await rebuild(replay.Replayed(), pool, js, bus, total) for _ in range(ROUNDS)]


async def publish(dsn: str, js: JetStreamContext, bus: Bus, total: int) -> None:
    """The relay publishes the whole log; the stream's end says when it is done."""
    relay = Relay(dsn, js, bus, poll_interval=0.05)
    task = asyncio.ensure_future(relay.run())
    try:
        while await bus.last_sequence(js) < total:  # noqa: ASYNC110 - the stream is polled
            await asyncio.sleep(0.2)
    finally:
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError, Exception):
            await task
