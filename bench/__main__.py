"""`python -m bench`: every measurement in one run, then the table and the JSON.

Six parts: `log`, the event log's figures (append, relay, replay) against embedded servers;
`e2e`, member submissions through the whole platform started as `make run` starts it
(bench/e2e.py); `webhooks`, webhook delivery to five receivers against a plain httpx loop
(bench/webhooks.py); `referral`, from a worker's consent to the partner's verified webhook
through the referral service started as `make run` starts it (bench/referral.py);
`metrics`, the metrics projections' rebuild rate over a generated tenant of 10,000 grievances
(bench/metrics.py); `cases`, the rebuild rate of cases' projections and policy over a
generated tenant of 2,000 (bench/cases.py); and `processes`, the e2e load at one rate with
each service in one, then two processes (bench/processes.py). BENCH_ONLY names the parts to
run, comma-separated, for quick iterations:

    BENCH_ONLY=e2e .venv/bin/python -m bench

Unset, all run (what `make bench` does).
"""

from __future__ import annotations

import asyncio
import os
import time
from dataclasses import asdict

import nats
from rich.console import Console

from bench import (
    append,
    cases,
    e2e,
    metrics,
    processes,
    referral,
    relay,
    replay,
    report,
    servers,
    webhooks,
)
from bench.servers import Servers, fresh_database
from bench.workload import POOL_SIZE, ROUNDS, Samples, cells
from redress.kit import collector
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
            rates, raw = await replay.measure(s.database_url, s.workdir, js, bus, ROUNDS)
        finally:
            await js.delete_stream(bus.stream)
        console.log(f"replay: {brief({'ours': rates, 'raw': raw})}")
        rows.append(report.replay_row(relay.EVENTS, rates, raw))
        facts = await report.machine(s.database_url, nc, s.embedded)
    finally:
        await nc.close()
    return rows, facts


def brief(samples: Samples) -> str:
    return "; ".join(
        f"{name} " + " ".join(f"{v:,.0f}" for v in values) + " /s"
        for name, values in samples.items()
    )


def parts() -> list[str]:
    known = ["log", "e2e", "webhooks", "referral", "metrics", "cases", "processes"]
    only = [p.strip() for p in os.environ.get("BENCH_ONLY", "").split(",") if p.strip()]
    if unknown := set(only) - set(known):
        raise SystemExit(
            f"BENCH_ONLY: no part {', '.join(sorted(unknown))}; parts: {', '.join(known)}"
        )
    return [p for p in known if p in only] if only else known


def settings(chosen: list[str]) -> dict[str, object]:
    log = {
        "rounds": ROUNDS,
        "append_cells": [asdict(cell) for cell in cells()],
        "pool_size": POOL_SIZE,
        "relay_events": relay.EVENTS,
        "relay_streams": relay.STREAMS,
    }
    return {
        "parts": chosen,
        **(log if "log" in chosen else {}),
        **({"e2e": e2e.settings()} if "e2e" in chosen else {}),
        **({"webhooks": webhooks.settings()} if "webhooks" in chosen else {}),
        **({"referral": referral.settings()} if "referral" in chosen else {}),
        **({"metrics": {"grievances": metrics.GRIEVANCES}} if "metrics" in chosen else {}),
        **({"cases": {"grievances": cases.GRIEVANCES}} if "cases" in chosen else {}),
        **({"processes": processes.settings()} if "processes" in chosen else {}),
    }


def main() -> None:
    # The relay and runners log at info; the table is what this run is for.
    configure("bench", level="warning", as_json=False)
    # As `redress serve`, `relay` and `replay` set it, whose work this process measures.
    collector.tune()
    chosen = parts()
    loop_ms = report.python_loop_ms()
    started = time.perf_counter()
    rows: list[report.Row] = []
    facts: dict[str, object] = {}
    extra: dict[str, object] = {}
    notes: tuple[str, ...] = ()
    if "log" in chosen:
        console.print(
            "Warm-up: every append run first does an untimed warm-up on its fresh database "
            "(connections, prepared statements, caches); only the work after it is timed. "
            f"Each figure is the median of {ROUNDS} rounds."
        )
        with servers.running() as s:
            rows, facts = asyncio.run(measure_all(s))
    if "e2e" in chosen:
        result = e2e.measure(console.log)
        rows += result.rows
        facts = facts or result.facts
        extra["e2e"] = {**result.outcome.as_json(), "cpu_cores": result.cpu, **result.extra}
        notes = e2e.notes(result)
    lost = 0
    if "webhooks" in chosen:
        with servers.running() as s:
            delivery = asyncio.run(webhooks.measure(s.database_url))
        console.log(f"webhooks: {delivery.as_json()}")
        rows += report.webhook_rows(webhooks.REFERRALS, delivery)
        extra["webhooks"] = delivery.as_json()
        lost = delivery.lost
    if "referral" in chosen:
        delivered = referral.measure(console.log)
        console.log(f"referral: {delivered.as_json()}")
        rows += referral.rows(delivered)
        extra["referral"] = delivered.as_json()
        lost += delivered.lost
    if "metrics" in chosen:
        with servers.running() as s:
            replayed = next((r.ours for r in rows if r.measurement.startswith("projection replay")),
                            None)  # fmt: skip
            goal = replayed or metrics.GOAL
            metric_rows, extra["metrics"] = asyncio.run(metrics.measure(s, console.log, goal))
        rows += metric_rows
    if "cases" in chosen:
        with servers.running() as s:
            replayed = next((r.ours for r in rows if r.measurement.startswith("projection replay")),
                            None)  # fmt: skip
            case_rows, extra["cases"] = asyncio.run(
                cases.measure(s, console.log, replayed or metrics.GOAL)
            )
        rows += case_rows
    if "processes" in chosen:
        scaling = processes.measure(console.log)
        rows += processes.rows(scaling)
        extra["processes"] = processes.as_json(scaling)
        notes += processes.notes(scaling)
    seconds = time.perf_counter() - started
    extra["python_loop_ms"] = loop_ms
    notes += (
        f"This machine ran a fixed Python loop (a million additions) in {loop_ms:.0f} ms before "
        "the run: absolute figures compare only between runs whose loop times are close.",
    )
    path = report.write_json(rows, facts, settings(chosen), seconds, extra)
    report.show(console, rows, path, seconds, notes)
    if lost:
        raise SystemExit(f"webhooks: {lost} never reached their receiver (a gate)")


if __name__ == "__main__":
    main()
