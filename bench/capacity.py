"""Capacity and idle latency: issue 15's headline figures, on the platform bench/e2e.py runs.

**Capacity** is searched, not guessed: a bisection over offered rates, each probe SEARCH_SECONDS
of open-loop submissions, keeping the highest rate at which request p99 < 100 ms and time to
case p99 < 500 ms both held, every submission was answered 201 and its case read, at least 95%
of the offered rate was achieved, and the load generator kept its schedule. Between probes the
platform settles: nothing waits for the relay and every runner of intake and cases has reached
the stream's end, so that one probe's backlog is not the next one's load.

**At idle** (IDLE_RATE for IDLE_SECONDS), beside raw JetStream: from the member's 201 to the
event's arrival on NATS (the relay's commit-to-publish, plus one delivery), and the time to
case, against a plain `js.publish` round trip to a stream on the same server.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import os
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import httpx
import nats

from bench import report
from bench.e2e import GOAL_CASE_P99_MS, GOAL_REQUEST_P99_MS, Outcome, drive, percentile
from redress.kit import registry
from redress.kit.settings import Settings

SEARCH_SECONDS = float(os.environ.get("BENCH_SEARCH_SECONDS", "20"))
SEARCH_LOW, SEARCH_HIGH, SEARCH_STEPS = 20.0, 480.0, 5
IDLE_RATE, IDLE_SECONDS = 2.0, 20.0
SETTLE_DEADLINE = 120.0
GOAL_CAPACITY = 300.0
GOAL_IDLE_PUBLISH_P99_MS, GOAL_IDLE_CASE_P99_MS = 50.0, 300.0
LATE_SHARE = 0.01  # more submissions than this sent late: the generator fell behind


@dataclass(frozen=True)
class Probe:
    rate: float
    outcome: Outcome
    met: bool
    why: str

    def as_json(self) -> dict[str, Any]:
        out = self.outcome
        return {
            "offered_per_s": self.rate,
            "achieved_per_s": round(out.rate, 1),
            "request_p99_ms": round(1000 * percentile(out.requests, 99), 1),
            "case_p99_ms": round(1000 * percentile(out.to_case, 99), 1),
            "met": self.met,
            "why_not": self.why,
            **out.as_json(),
        }


def verdict(out: Outcome, rate: float) -> tuple[bool, str]:
    """Whether a probe held every goal, and if not, which it missed."""
    missed = []
    if out.errors:
        missed.append(f"errors {dict(out.errors)}")
    if out.offered and out.late > LATE_SHARE * out.offered:
        missed.append(f"the generator sent {out.late} of {out.offered} late")
    if out.rate < 0.95 * rate:
        missed.append(f"achieved {out.rate:.0f}/s")
    if len(out.to_case) < out.filed:
        missed.append(f"{out.filed - len(out.to_case)} cases not read")
    if (p99 := 1000 * percentile(out.requests, 99)) >= GOAL_REQUEST_P99_MS:
        missed.append(f"request p99 {p99:.0f} ms")
    if (p99 := 1000 * percentile(out.to_case, 99)) >= GOAL_CASE_P99_MS:
        missed.append(f"case p99 {p99:.0f} ms")
    return not missed, "; ".join(missed)


async def settle(settings: Settings) -> None:
    """Until nothing waits for the relay and intake's and cases' runners are at the end."""
    nc = await nats.connect(settings.require_nats())
    deadline = time.perf_counter() + SETTLE_DEADLINE
    try:
        async with httpx.AsyncClient(timeout=10) as client:
            while time.perf_counter() < deadline:
                info = await nc.jetstream().stream_info(settings.nats_stream)
                if await _caught_up(client, int(info.state.last_seq)):
                    return
                await asyncio.sleep(0.25)  # a bench's wait, between two probes
    finally:
        await nc.close()
    raise RuntimeError(f"the platform did not catch up within {SETTLE_DEADLINE:.0f} s")


async def _caught_up(client: httpx.AsyncClient, last: int) -> bool:
    for name in ("intake", "cases"):
        body = (await client.get(f"http://127.0.0.1:{registry.PORTS[name]}/health")).json()
        if body.get("delivery", {}).get("lag_events", 1) != 0:
            return False
        if any(int(p.get("position", 0)) < last for p in body.get("projections", [])):
            return False
    return True


async def search(settings: Settings, say: Callable[[str], None]) -> tuple[float, list[Probe]]:
    """The highest rate found to hold every goal (0 when even SEARCH_LOW did not)."""
    best, low, high, probes = 0.0, SEARCH_LOW, SEARCH_HIGH, []
    for step in range(SEARCH_STEPS + 1):
        # The first probe is the floor itself: a platform that fails it has no capacity.
        rate = low if step == 0 else round((low + high) / 2 / 5) * 5
        out = await drive(settings, rate, SEARCH_SECONDS)
        await settle(settings)
        met, why = verdict(out, rate)
        probes.append(Probe(rate, out, met, why))
        say(f"capacity: {rate:.0f}/s {'held' if met else 'missed: ' + why}")
        if met:
            best, low = max(best, rate), rate
        elif step == 0:
            break
        else:
            high = rate
    return best, probes


@dataclass(frozen=True)
class Idle:
    outcome: Outcome
    to_nats: list[float]  # seconds from the 201 to the event's arrival on NATS
    raw_publish: list[float]  # seconds of a plain js.publish round trip


async def idle(settings: Settings) -> Idle:
    nc = await nats.connect(settings.require_nats())
    arrived: dict[str, float] = {}

    async def on_event(msg: Any) -> None:
        arrived[json.loads(msg.data)["data"]["grievance_id"]] = time.perf_counter()

    subject = f"{settings.nats_subject_prefix}.grievance.GrievanceSubmitted"
    sub = await nc.subscribe(subject, cb=on_event)
    try:
        out = await drive(settings, IDLE_RATE, IDLE_SECONDS)
        raw = await _raw_publish(nc)
    finally:
        await sub.unsubscribe()
        await nc.close()
    to_nats = [max(0.0, arrived[g] - t) for g, t in out.answered.items() if g in arrived]
    return Idle(out, to_nats, raw)


async def _raw_publish(nc: Any, n: int = 200) -> list[float]:
    """Round trips of js.publish to a scratch stream, one at a time, as the relay's at idle."""
    js = nc.jetstream()
    name = f"BENCH_RAW_{os.getpid()}"
    await js.add_stream(name=name, subjects=[f"benchraw{os.getpid()}.>"])
    try:
        took = []
        for i in range(n):
            began = time.perf_counter()
            await js.publish(f"benchraw{os.getpid()}.x", b"{}", headers={"Nats-Msg-Id": str(i)})
            took.append(time.perf_counter() - began)
        return took
    finally:
        with contextlib.suppress(Exception):
            await js.delete_stream(name)


def rows(capacity: float, probes: list[Probe], at_idle: Idle) -> list[report.Row]:
    def ms(values: list[float]) -> tuple[float, ...]:
        return (percentile([1000 * v for v in values], 99),)

    return [
        report.Row("capacity: highest rate holding both p99 goals (submissions/s)",
                   (capacity,), goal_rate=GOAL_CAPACITY),
        report.Row("idle: 201 to event on NATS p99 ms vs raw js.publish", ms(at_idle.to_nats),
                   ms(at_idle.raw_publish), goal_max=GOAL_IDLE_PUBLISH_P99_MS, unit="ms",
                   digits=1),
        report.Row("idle: time to case p99 ms", ms(at_idle.outcome.to_case),
                   goal_max=GOAL_IDLE_CASE_P99_MS, unit="ms", digits=1),
    ]  # fmt: skip
