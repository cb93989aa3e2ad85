"""`python -m bench`: every measurement in one run, then the table and the JSON."""

from __future__ import annotations

import asyncio
import time
from dataclasses import asdict

import nats
from rich.console import Console

from bench import append, relay, replay, report, servers
from bench.servers import Servers, fresh_database
from bench.workload import POOL_SIZE, ROUNDS, Samples, cells
from redress.kit.logs import configure

console = Console()


async def measure_all(s: Servers) -> tuple[list[report.Row], dict[str, object]]:
    rows: list[report.Row] = []
    for cell in cells():
        samples = await append.measure(s.database_url, cell, ROUNDS)
        console.log(f"{cell.name}: {brief(samples)}")
        rows += report.append_rows(cell.name, cell.writers, samples)

    nc = await nats.connect(s.nats_url)
    try:
        js = nc.jetstream()
        async with fresh_database(s.database_url) as dsn:
            samples, bus = await relay.measure(dsn, js, ROUNDS)
        console.log(f"relay: {brief(samples)}")
        rows.append(report.relay_row(relay.EVENTS, samples))
        try:
            rates = await replay.measure(s.database_url, s.workdir, js, bus, ROUNDS)
        finally:
            await js.delete_stream(bus.stream)
        console.log(f"replay: {brief({'ours': rates})}")
        rows.append(report.replay_row(relay.EVENTS, rates))
        facts = await report.machine(s.database_url, nc, s.embedded)
    finally:
        await nc.close()
    return rows, facts


def brief(samples: Samples) -> str:
    return "; ".join(
        f"{name} " + " ".join(f"{v:,.0f}" for v in values) + " /s"
        for name, values in samples.items()
    )


def settings() -> dict[str, object]:
    return {
        "rounds": ROUNDS,
        "append_cells": [asdict(cell) for cell in cells()],
        "pool_size": POOL_SIZE,
        "relay_events": relay.EVENTS,
        "relay_streams": relay.STREAMS,
    }


def main() -> None:
    # The relay and runners log at info; the table is what this run is for.
    configure("bench", level="warning", as_json=False)
    started = time.perf_counter()
    console.print(
        "Warm-up: every append run first does an untimed warm-up on its fresh database "
        "(connections, prepared statements, caches); only the work after it is timed. "
        f"Each figure is the median of {ROUNDS} rounds."
    )
    with servers.running() as s:
        rows, facts = asyncio.run(measure_all(s))
    seconds = time.perf_counter() - started
    path = report.write_json(rows, facts, settings(), seconds)
    report.show(console, rows, path, seconds)


if __name__ == "__main__":
    main()
