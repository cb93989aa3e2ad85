"""End to end: member submissions through the whole platform, as `make run` runs it.

The platform starts the way `redress dev` starts it (redress.kit.dev.Platform): embedded
PostgreSQL and NATS in a temp dir (or the servers REDRESS_DATABASE_URL / REDRESS_NATS_URL
name), migrations, then the relay and the five services as child processes, on ports moved
by REDRESS_DEV_PORT_BASE to a free base so that a running `make run` is untouched. The
demo tenant is seeded as `make run` seeds it.

Then, for SECONDS, POST /v1/grievances with a member token at RATE, open loop: each request
has its time on a fixed schedule and goes out then, whatever became of the ones before, up
to IN_FLIGHT at once (past that the schedule slips and the achieved rate shows it). For
each filed grievance a separate set of pollers reads its case as the member who filed it,
`GET /v1/cases/{case_id}?min_version=2`: the cases service answers as soon as its view has
applied the case's two opening events, or 202 after two seconds, and is then asked again.
The time to case runs from the start of the POST to that 200: relay, cases' policy
opening the case, relay again, cases' view.

The filer reads its own write, as a member's system does. An officer's read of a case
decrypts the worker's data and records that read in the log (a transaction and an event of
its own, which every runner then receives): one officer read per submission at the offered
rate is a workload no officer produces, and in a profile at 300/s it was 29% of the cases
service's samples.

Before that run, the platform at idle; after it, the search for its capacity at the latency
goals (bench/capacity.py). With BENCH_PROFILE=dir, py-spy samples every process of the
platform during the RATE run (bench/profile.py, docs/performance.md).
"""

from __future__ import annotations

import asyncio
import atexit
import contextlib
import importlib.util
import json
import os
import random
import shutil
import socket
import sys
import tempfile
import time
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import aiohttp
import nats
import psutil

from bench import pools, report, wal
from redress.cases.policies import case_stream
from redress.kit import registry
from redress.kit.admin import apply_migrations
from redress.kit.auth import signer_for
from redress.kit.dev import Platform, wait_healthy
from redress.kit.settings import Settings, load_settings

if importlib.util.find_spec("sniffio") is None:
    # httpcore imports sniffio on every request and falls back to asyncio without it;
    # anyio 4 no longer installs it, and a failed import scans sys.path each time (a third
    # of a millisecond here). None in sys.modules makes that import fail at once.
    sys.modules["sniffio"] = None  # type: ignore[assignment]

RATE = 300.0  # submissions/s offered
SECONDS = float(os.environ.get("BENCH_E2E_SECONDS", "60"))
IN_FLIGHT = 64  # submissions awaiting their answer at most
POLLERS = 128  # cases being waited for at most
LATE = 0.05  # a submission sent this far behind its time counts as late
CASE_DEADLINE = 15.0  # seconds from the POST within which the case must be readable
AFTER_OPENING = {"min_version": "2"}  # the case's read waits on the server for its view
HEALTH_DEADLINE = 120.0
GOAL_RATE, GOAL_REQUEST_P99_MS, GOAL_CASE_P99_MS = 300.0, 100.0, 500.0

TENANT, SITE, ORG = "demo", "dhaka-knit", "acme-apparel"
BODY = {
    "country": "BD",
    "site_id": SITE,
    "category": "working_hours",
    "narrative": "Sixteen-hour shifts every day before the shipment.",
    "language": "bn",
    "contact": {"phone_or_email": "+8801711111111", "language": "bn"},
    "consent": {"contact_me": True},
}


@dataclass
class Outcome:
    """What one run saw: the seconds are wall-clock, latencies in seconds."""

    offered: int = 0
    filed: int = 0
    late: int = 0  # sent behind schedule by the generator itself (its CPU)
    held: int = 0  # sent behind schedule because IN_FLIGHT were waiting (the platform)
    seconds: float = 0.0
    requests: list[float] = field(default_factory=list)
    to_case: list[float] = field(default_factory=list)
    errors: Counter[str] = field(default_factory=Counter)
    reads: Counter[int] = field(default_factory=Counter)  # case reads by status
    answered: dict[str, float] = field(default_factory=dict)  # grievance -> when answered

    @property
    def rate(self) -> float:
        return self.filed / self.seconds if self.seconds > 0 else 0.0

    def as_json(self) -> dict[str, Any]:
        return {
            "offered": self.offered,
            "filed": self.filed,
            "late": self.late,
            "held": self.held,
            "seconds": round(self.seconds, 2),
            "cases_readable": len(self.to_case),
            "errors": dict(self.errors),
            "case_reads": {str(status): n for status, n in sorted(self.reads.items())},
        }


@dataclass(frozen=True)
class Result:
    rows: list[report.Row]
    facts: dict[str, Any]
    outcome: Outcome
    cpu: dict[str, float]  # cores busy on average during the run, by process group
    extra: dict[str, Any] = field(default_factory=dict)  # capacity, idle, profiles


class CpuMeter:
    """CPU seconds of the platform's processes, the load generator's and the machine's."""

    def __init__(self, platform: Platform) -> None:
        self.platform = platform

    def groups(self) -> dict[str, list[psutil.Process]]:
        found = {"load generator": [psutil.Process()]}
        for child in self.platform.children:
            if child.process is not None:
                # A service of several processes: uvicorn's parent and its workers.
                parent = psutil.Process(child.process.pid)
                found[child.name] = [parent, *parent.children(recursive=True)]
        if self.platform.nats and self.platform.nats.process:
            found["nats-server"] = [psutil.Process(self.platform.nats.process.pid)]
        if self.platform.pg:
            pgdata = str(self.platform.pg.directory)
            for p in psutil.process_iter(["cmdline"]):
                if pgdata in (p.info["cmdline"] or []):  # the postmaster: -D pgdata
                    found["postgres"] = [p, *p.children(recursive=True)]
        return found

    def sample(self) -> tuple[float, float, dict[str, dict[int, float]]]:
        busy = psutil.cpu_times()
        idle = busy.idle + getattr(busy, "iowait", 0.0)
        seconds: dict[str, dict[int, float]] = {}
        for name, processes in self.groups().items():
            for p in processes:
                with contextlib.suppress(psutil.Error):
                    t = p.cpu_times()
                    seconds.setdefault(name, {})[p.pid] = t.user + t.system
        return time.perf_counter(), sum(busy) - idle, seconds

    @staticmethod
    def cores(
        before: tuple[float, float, dict[str, dict[int, float]]],
        after: tuple[float, float, dict[str, dict[int, float]]],
    ) -> dict[str, float]:
        """Cores busy on average between two samples: per group, the rest, the machine."""
        elapsed = after[0] - before[0]
        use = {
            name: sum(t - before[2].get(name, {}).get(pid, 0.0) for pid, t in pids.items())
            / elapsed
            for name, pids in after[2].items()
        }
        machine = (after[1] - before[1]) / elapsed
        ranked = dict(sorted(use.items(), key=lambda kv: -kv[1]))
        ranked = {k: round(v, 2) for k, v in ranked.items()}
        return {
            **ranked,
            "other processes": round(max(0.0, machine - sum(use.values())), 2),
            "machine": round(machine, 2),
        }


def percentile(values: list[float], q: float) -> float:
    """Nearest rank: the smallest value with at least q% of the values at or below it."""
    if not values:
        return float("nan")
    ordered = sorted(values)
    rank = max(1, -(-len(ordered) * q // 100))
    return ordered[int(rank) - 1]


def free_base() -> int:
    """A port base whose five service ports (base+1 … base+5) are free on loopback."""
    for _ in range(100):
        base = random.randrange(20_000, 60_000, 10)
        try:
            for offset in range(1, len(registry.PORTS) + 1):
                with socket.socket() as s:
                    s.bind(("127.0.0.1", base + offset))
        except OSError:
            continue
        return base
    raise RuntimeError("no free range of ports for the services")


@contextlib.contextmanager
def isolated(root: Path, base: int) -> Iterator[None]:
    """cwd, environment and port map as `redress dev` would have them in `root`, restored."""
    cwd, env, ports = Path.cwd(), dict(os.environ), dict(registry.PORTS)
    # registry.PORTS was computed at import from REDRESS_DEV_PORT_BASE; move it in place, as
    # redress.kit.dev uses that dict, and tell the children the same base.
    shift = base - (min(ports.values()) - 1)
    registry.PORTS.update({name: port + shift for name, port in ports.items()})
    os.environ["REDRESS_DEV_PORT_BASE"] = str(base)
    os.environ.setdefault("XDG_RUNTIME_DIR", str(root))
    os.chdir(root)
    try:
        yield
    finally:
        os.chdir(cwd)
        os.environ.clear()
        os.environ.update(env)
        registry.PORTS.update(ports)


@contextlib.contextmanager
def children_logging_to(log: Path) -> Iterator[None]:
    """The children inherit stdout and stderr: point both at `log` while they start."""
    sys.stdout.flush()
    sys.stderr.flush()
    saved = os.dup(1), os.dup(2)
    with log.open("ab") as f:
        os.dup2(f.fileno(), 1)
        os.dup2(f.fileno(), 2)
        try:
            yield
        finally:
            os.dup2(saved[0], 1)
            os.dup2(saved[1], 2)
            os.close(saved[0])
            os.close(saved[1])


@contextlib.contextmanager
def running_platform(log: Any, workers: int = 1) -> Iterator[tuple[Settings, Platform]]:
    """The platform up, healthy and seeded, each service in `workers` HTTP processes;
    stopped afterwards, leaving no process."""
    root = Path(tempfile.mkdtemp(prefix="redress-bench-e2e-"))
    # pgserver's exit handler touches files under the data dir after we are done; this
    # handler, registered before it, runs after it (see bench.servers).
    atexit.register(shutil.rmtree, root, ignore_errors=True)
    services_log = root / "services.log"
    platform = Platform(root / ".data")
    with isolated(root, free_base()):
        os.environ["REDRESS_WORKERS"] = str(workers)  # what `redress serve` reads
        try:
            platform.start_servers()
            settings = load_settings()
            asyncio.run(apply_migrations(settings))
            with children_logging_to(services_log):
                platform.start_children()
            missing = asyncio.run(wait_healthy(HEALTH_DEADLINE))
            if missing:
                raise RuntimeError(
                    f"not healthy after {HEALTH_DEADLINE:.0f} s: {', '.join(missing)}"
                )
            asyncio.run(seed(settings))
            log(f"e2e: platform up on ports {min(registry.PORTS.values())}…")
            yield settings, platform
        except Exception:
            tail = services_log.read_text(errors="replace").splitlines()[-30:]
            log("e2e: the services' log ended with:\n" + "\n".join(tail))
            raise
        finally:
            platform.stop()
            shutil.rmtree(root, ignore_errors=True)


async def seed(settings: Settings) -> None:
    """As `redress dev` does: every service's demo data (intake's is the demo tenant)."""
    for spec in registry.services().values():
        if spec.seed is not None:
            await spec.seed(settings)


def client(connections: int) -> aiohttp.ClientSession:
    """The load generator's HTTP client. aiohttp, not httpx: the generator shares the two
    cores with what it measures, and httpx spent 1.5 ms of CPU on a request that costs
    aiohttp 0.12 ms (docs/performance.md), enough to make the generator send late."""
    return aiohttp.ClientSession(
        timeout=aiohttp.ClientTimeout(total=10.0),
        connector=aiohttp.TCPConnector(limit=connections),
    )


FAILED = (aiohttp.ClientError, TimeoutError)


async def drive(settings: Settings, rate: float = RATE, seconds: float = SECONDS) -> Outcome:
    signer = signer_for(settings)
    member = {"Authorization": "Bearer " + signer.issue("bench", TENANT, ["member"], ORG)}
    intake = f"http://127.0.0.1:{registry.PORTS['intake']}"
    cases = f"http://127.0.0.1:{registry.PORTS['cases']}"
    out = Outcome()
    slots = asyncio.Semaphore(IN_FLIGHT)
    waits = asyncio.Semaphore(POLLERS)
    tasks: set[asyncio.Task[None]] = set()

    def spawn(coroutine: Any) -> None:
        task = asyncio.create_task(coroutine)
        tasks.add(task)
        task.add_done_callback(tasks.discard)

    # A case is read once the bus says it was opened: until then its stream is not in the
    # log and the API answers 404 at once, and clients asking again and again for cases not
    # yet opened would be the load the run measures. From there the read waits on the
    # server (`min_version`) until the view has the case.
    opened: dict[str, asyncio.Event] = {}

    def opening(grievance_id: str) -> asyncio.Event:
        return opened.setdefault(grievance_id, asyncio.Event())

    async def on_opened(msg: Any) -> None:
        opening(json.loads(msg.data)["data"]["grievance_id"]).set()

    async def to_case(client: aiohttp.ClientSession, grievance_id: str, started: float) -> None:
        url = f"{cases}/v1/cases/{case_stream(grievance_id)}"
        async with waits:
            left = CASE_DEADLINE - (time.perf_counter() - started)
            try:
                await asyncio.wait_for(opening(grievance_id).wait(), max(left, 0.001))
            except TimeoutError:
                out.errors[f"case not read within {CASE_DEADLINE:.0f} s"] += 1
                return
            while True:
                if time.perf_counter() - started > CASE_DEADLINE:
                    out.errors[f"case not read within {CASE_DEADLINE:.0f} s"] += 1
                    return
                try:
                    async with client.get(url, params=AFTER_OPENING, headers=member) as answer:
                        status = answer.status
                        await answer.read()
                except FAILED as exc:
                    out.errors[f"GET case: {type(exc).__name__}"] += 1
                    return
                out.reads[status] += 1
                if status == 200:
                    out.to_case.append(time.perf_counter() - started)
                    opened.pop(grievance_id, None)
                    return
                if status != 202:  # 202 has waited already: ask again
                    out.errors[f"GET case: {status}"] += 1
                    return

    async def submit(post: aiohttp.ClientSession, get: aiohttp.ClientSession, n: int) -> None:
        started = time.perf_counter()
        body = {**BODY, "member_reference": f"BENCH-{n}"}
        try:
            async with post.post(f"{intake}/v1/grievances", json=body, headers=member) as answer:
                status, answered = answer.status, await answer.read()
        except FAILED as exc:
            out.errors[f"POST: {type(exc).__name__}"] += 1
            return
        finally:
            slots.release()
        done = time.perf_counter()
        if status != 201:
            out.errors[f"POST: {status}"] += 1
            return
        out.requests.append(done - started)
        out.filed += 1
        out.seconds = done - start  # until the last answer
        grievance_id = json.loads(answered)["grievance_id"]
        out.answered[grievance_id] = done
        spawn(to_case(get, grievance_id, started))

    async with contextlib.AsyncExitStack() as stack:
        nc = await nats.connect(settings.require_nats())
        stack.push_async_callback(nc.close)
        await nc.subscribe(f"{settings.nats_subject_prefix}.case.CaseOpened", cb=on_opened)
        await nc.flush()
        post = await stack.enter_async_context(client(IN_FLIGHT))
        get = await stack.enter_async_context(client(POLLERS))
        # Each client opens a connection before the schedule starts, so that a first
        # request's own setup does not make the schedule's first submissions late.
        for session, url in ((post, f"{intake}/live"), (get, f"{cases}/live")):
            async with session.get(url) as answer:
                await answer.read()
        start = time.perf_counter()
        end = start + seconds
        # The schedule ends at SECONDS of wall-clock time: what could not be sent by then
        # because IN_FLIGHT were waiting is not sent, and the rate shows it.
        backlog = 0.0  # how far behind its schedule waiting for the platform left the run
        while (due := start + out.offered / rate) < end:
            if (wait := due - time.perf_counter()) > 0:
                await asyncio.sleep(wait)
                backlog = 0.0
            behind = time.perf_counter() - due
            if slots.locked():  # the platform has IN_FLIGHT submissions unanswered
                out.held += 1
                await slots.acquire()
                backlog = time.perf_counter() - due
            else:
                if behind > backlog + LATE:
                    out.late += 1  # this process itself could not keep up
                elif behind > LATE:
                    out.held += 1  # still catching up after waiting for the platform
                await slots.acquire()
            if time.perf_counter() >= end:
                slots.release()
                break
            out.offered += 1
            n = out.offered
            spawn(submit(post, get, n))
        while tasks:
            await asyncio.gather(*list(tasks))
    return out


async def machine(settings: Settings, embedded: bool) -> dict[str, Any]:
    nc = await nats.connect(settings.require_nats())
    try:
        return await report.machine(settings.require_database(), nc, embedded)
    finally:
        await nc.close()


def rows(out: Outcome) -> list[report.Row]:
    def ms(name: str, values: list[float], q: float, goal: float | None = None) -> report.Row:
        figure = percentile([1000 * v for v in values], q)
        return report.Row(name, (figure,), goal_max=goal, unit="ms", digits=1)

    return [
        report.Row("e2e submissions/s", (out.rate,), goal_rate=GOAL_RATE),
        ms("e2e request p50 ms", out.requests, 50),
        ms("e2e request p99 ms", out.requests, 99, GOAL_REQUEST_P99_MS),
        ms("e2e to case p50 ms", out.to_case, 50),
        ms("e2e to case p99 ms", out.to_case, 99, GOAL_CASE_P99_MS),
        report.Row("e2e errors", (float(sum(out.errors.values())),)),
    ]


def measure(log: Any) -> Result:
    """At idle first, then RATE for SECONDS (profiled with BENCH_PROFILE), then the search."""
    from bench import capacity, profile

    embedded = not os.environ.get("REDRESS_DATABASE_URL")
    profiles = Path(p) if (p := os.environ.get("BENCH_PROFILE")) else None
    with running_platform(log) as (settings, platform):
        facts = asyncio.run(machine(settings, embedded))
        at_idle = asyncio.run(capacity.idle(settings))
        log(f"e2e: idle, {len(at_idle.outcome.to_case)} cases at {capacity.IDLE_RATE:g}/s")
        log(f"e2e: {RATE:.0f}/s offered for {SECONDS:.0f} s …")
        meter = CpuMeter(platform)
        before, flushed = meter.sample(), asyncio.run(wal.flushes(settings.require_database()))
        with profile.profiling(platform, profiles):
            out = asyncio.run(drive(settings))
        cpu = meter.cores(before, meter.sample())
        flushed = asyncio.run(wal.flushes(settings.require_database())) - flushed
        pool_use = asyncio.run(pools.read())
        asyncio.run(capacity.settle(settings))
        found, probes = asyncio.run(capacity.search(settings, log))
    log(
        f"e2e: {out.filed:,} filed of {out.offered:,} in {out.seconds:.1f} s "
        f"({out.rate:,.0f}/s), {out.late:,} sent late, {out.held:,} held back by "
        f"{IN_FLIGHT} unanswered, {len(out.to_case):,} cases read, "
        f"errors {dict(out.errors) or 0}"
    )
    extra = {
        "capacity_per_s": found,
        "probes": [p.as_json() for p in probes],
        "idle": {**at_idle.outcome.as_json(), "to_nats_samples": len(at_idle.to_nats)},
        "pools": pool_use,
        "wal_flushes": flushed,
        **({"profiles": profile.summary(profiles)} if profiles else {}),
    }
    return Result(rows(out) + capacity.rows(found, probes, at_idle), facts, out, cpu, extra)


def settings() -> dict[str, Any]:
    return {
        "rate": RATE,
        "seconds": SECONDS,
        "in_flight": IN_FLIGHT,
        "pollers": POLLERS,
        "late_after_s": LATE,
        "case_deadline_s": CASE_DEADLINE,
        "case_read": "GET /v1/cases/{case_id}?min_version=2 as the member who filed, once the "
        "case's CaseOpened is on NATS",
    }


def notes(result: Result) -> tuple[str, ...]:
    cores = os.cpu_count()
    busy = ", ".join(f"{name} {v:.2f}" for name, v in result.cpu.items() if name != "machine")
    out = result.outcome
    late = (
        f"WARNING: the load generator sent {out.late:,} of {out.offered:,} submissions more "
        f"than {LATE * 1000:.0f} ms behind their time: it could not keep its schedule, and "
        "the figures at this rate understate what was asked."
        if out.offered and out.late > 0.01 * out.offered
        else f"e2e: the load generator kept its schedule ({out.late:,} of {out.offered:,} late)."
    )
    held = (
        f"e2e: {out.held:,} of {out.offered:,} submissions waited for one of the {IN_FLIGHT} "
        "in flight to be answered: the platform answered slower than it was asked."
        if out.held
        else ""
    )
    return (
        f"e2e: the load generator (this process) ran on the same {cores} cores as PostgreSQL, "
        "NATS, the relay and the five services, and competes with them for CPU; the e2e "
        "figures are one run, not a median of rounds.",
        f"e2e CPU, cores busy on average: machine {result.cpu['machine']:.2f} of {cores} ({busy}).",
        late,
        *((held,) if held else ()),
        *((pools.note(result.extra["pools"], RATE),) if "pools" in result.extra else ()),
        *(
            (wal.note(result.extra["wal_flushes"], out.filed),)
            if "wal_flushes" in result.extra
            else ()
        ),
    )
