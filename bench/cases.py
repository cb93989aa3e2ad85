"""The cases projections' rebuild rate over a generated tenant's log.

As the metrics part does (bench/metrics.py): `redress seed figures`'s generator records a
made-up initiative (2,000 grievances over two years by default, `BENCH_CASES_GRIEVANCES`)
through the real handlers, domains and policies on a fresh database; the relay publishes its
log, and each projection and policy of the cases service is rebuilt from the stream's start
in place, as `redress replay --offline` does (a policy's replay finds every reaction made and
appends nothing). Each rate is the whole log's events over the rebuild's time, beside the log
bench's one-row-per-event read model over the same log. Before them, the hot path of a
submission at a high rate: the policy and the views applying batches of 50 filings
(bench/cases_hot_path.py), in submissions/s against the offered 300/s.
"""

from __future__ import annotations

import os
import tempfile
from collections.abc import Callable
from datetime import date
from pathlib import Path
from statistics import median

import asyncpg
import nats

from bench import cases_hot_path
from bench.metrics import GOAL, minimal_replays, publish, rebuild
from bench.report import Row
from bench.servers import Servers, fresh_database
from bench.workload import ROUNDS
from redress.cases.app import service as cases_service
from redress.events.bus import Bus
from redress.intake.app import service as intake_service
from redress.kit.settings import Settings
from redress.metrics.app import service as metrics_service
from redress.referral.app import service as referral_service
from redress.synth.seed import seed_figures

GRIEVANCES = int(os.environ.get("BENCH_CASES_GRIEVANCES", "2000"))
# Only these projections, comma-separated keys (`cases.views`); all of the service unset.
ONLY = [k for k in os.environ.get("BENCH_CASES_ONLY", "").split(",") if k]


async def measure(
    s: Servers, say: Callable[[str], None], goal: float = GOAL
) -> tuple[list[Row], dict[str, object]]:
    """`goal`: the event log's replay rate when the `log` part ran in the same run."""
    components = tuple(c.component for c in (intake_service, cases_service, referral_service,
                                             metrics_service))  # fmt: skip
    nc = await nats.connect(s.nats_url)
    js = nc.jetstream()
    bus = Bus(stream=f"BENCH_CASES_{os.getpid()}", prefix=f"benchc{os.getpid()}.events")
    await bus.ensure_stream(js)
    try:
        async with fresh_database(s.database_url, components) as dsn:
            settings = Settings(dev=True, database_url=dsn, nats_url=s.nats_url,
                                data_dir=Path(tempfile.mkdtemp(prefix="bench-synth-")),
                                _env_file=None)  # fmt: skip
            await seed_figures(settings, "synthetic", GRIEVANCES, 7, date(2024, 1, 1), 24, 6,
                               lambda *_: None)  # fmt: skip
            pool = await asyncpg.create_pool(dsn, min_size=1, max_size=4)
            try:
                total = await pool.fetchval("SELECT count(*) FROM eventlog.events")
                say(f"cases: {GRIEVANCES:,} grievances, {total:,} events")
                await publish(dsn, js, bus, total)
                rows, rates = [], {}
                minimal = await minimal_replays(pool, js, bus, total)
                say(f"cases: the minimal read model replays this log at {median(minimal):,.0f}/s")
                hot = await cases_hot_path.measure(pool, ROUNDS)
                for part, samples in hot.items():
                    say(f"cases: a submission's {part}: {median(samples):,.0f} submissions/s")
                    rows.append(Row(f"submissions/s through cases' {part}, batches of "
                                    f"{cases_hot_path.PER} (goal: the offered 300/s)",
                                    tuple(samples), goal_rate=300))  # fmt: skip
                rates.update({f"hot path {k}": median(v) for k, v in hot.items()})
                for projection in cases_service.projections_for(settings):
                    if ONLY and projection.key not in ONLY:
                        continue
                    samples = [await rebuild(projection, pool, js, bus, total)
                               for _ in range(ROUNDS)]  # fmt: skip
                    rates[projection.key] = median(samples)
                    say(f"cases: {projection.key} rebuilt at {median(samples):,.0f} events/s")
                    rows.append(Row(f"rebuild {projection.key} ({total // 1000}k events) vs "
                                    "minimal read model, same log", tuple(samples),
                                    tuple(minimal), goal_rate=round(goal)))  # fmt: skip
            finally:
                await pool.close()
    finally:
        await js.delete_stream(bus.stream)
        await nc.close()
    facts = {"grievances": GRIEVANCES, "events": total, "rebuild_events_per_second": rates}
    return rows, facts
