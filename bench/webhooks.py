"""Webhook delivery: our outbox and worker against a plain httpx loop, same receivers.

1,000 referrals to 5 partners (200 each), whose receivers (bench/receivers.py, a process of
their own) answer after 50 ms and fail the first attempt of 2 % of webhook-ids. Ours: the
referrals are enqueued while the worker runs, in transactions of `BATCH` as the referral
service's projection runner applies the consent events it finds waiting; latency is from
that commit to the receiver's first verification. The baseline: the
same signed requests from a queue, by as many concurrent httpx senders as our worker keeps
in flight, retrying a failure after the same first wait. Rate: webhooks verified per second
from the first enqueue (or send) to the last verification. Nothing lost is a gate.
"""

from __future__ import annotations

import asyncio
import json
import os
import sys
import tempfile
import time
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

import asyncpg
import httpx

from bench.receivers import fails_first
from bench.servers import fresh_database
from redress.events.migrations import Component
from redress.kit.webhooks import (
    MIGRATIONS,
    Deliverer,
    Guard,
    Message,
    RetryPolicy,
    SecretBox,
    Webhooks,
    new_secret,
)
from redress.kit.webhooks.secrets import headers as signed_headers

REFERRALS = int(os.environ.get("BENCH_WEBHOOKS", "1000"))
PARTNERS = 5
CONCURRENCY = 32
BATCH = 50
RETRY = RetryPolicy(first=timedelta(seconds=1))  # the default 15 s would only add waiting
SCHEMA = "benchhooks"
DEADLINE = 300.0
ROOT = Path(__file__).resolve().parent.parent

_ROLE = f"""
DO $$ BEGIN
    IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = 'redress_{SCHEMA}') THEN
        CREATE ROLE redress_{SCHEMA} NOLOGIN;
    END IF;
END $$
"""


def settings() -> dict[str, object]:
    return {
        "referrals": REFERRALS,
        "partners": PARTNERS,
        "concurrency": CONCURRENCY,
        "enqueued_per_transaction": BATCH,
        "answer_after_ms": 50,
        "first_attempt_failing": "2 %",
        "first_retry_s": RETRY.first.total_seconds(),
    }


@dataclass(frozen=True)
class Result:
    ours_rate: float
    baseline_rate: float
    ours_p99_ms: float
    baseline_p99_ms: float
    ours_p50_ms: float
    enqueue_s: float
    lost: int
    repeats: int
    first_failures: int

    def as_json(self) -> dict[str, float | int]:
        return {k: round(v, 1) if isinstance(v, float) else v for k, v in self.__dict__.items()}


class Partners:
    """The receivers' process."""

    def __init__(self, secrets: list[str]) -> None:
        self.secrets = secrets
        self.proc: asyncio.subprocess.Process | None = None
        self.urls: list[str] = []

    async def __aenter__(self) -> Partners:
        self.proc = await asyncio.create_subprocess_exec(
            sys.executable,
            "-m",
            "bench.receivers",
            stdin=asyncio.subprocess.PIPE,
            stdout=asyncio.subprocess.PIPE,
            cwd=ROOT,
        )
        assert self.proc.stdin and self.proc.stdout
        self.proc.stdin.write((json.dumps(self.secrets) + "\n").encode())
        await self.proc.stdin.drain()
        ports = json.loads(await asyncio.wait_for(self.proc.stdout.readline(), 60))
        self.urls = [f"http://127.0.0.1:{p}/hooks" for p in ports]
        return self

    async def __aexit__(self, *_: object) -> None:
        assert self.proc and self.proc.stdin
        self.proc.stdin.close()
        try:
            await asyncio.wait_for(self.proc.wait(), 10)
        except TimeoutError:
            self.proc.kill()
            await self.proc.wait()

    async def stats(self) -> dict[str, list[float]]:
        found: dict[str, list[float]] = {}
        async with httpx.AsyncClient(timeout=30) as client:
            for url in self.urls:
                answer = (await client.get(url)).json()
                assert answer["bad"] == 0, f"{answer['bad']} requests failed verification"
                found.update(answer["stats"])
        return found

    async def reset(self) -> None:
        async with httpx.AsyncClient(timeout=30) as client:
            for url in self.urls:
                await client.post(url.replace("/hooks", "/reset"))


def message(n: int) -> Message:
    return Message(
        id=f"bench-{n}",
        type="org.redress.referral.sent",
        source="/bench",
        time=datetime.now(UTC),
        subject=f"referral-{n}",
        data={"referral": f"referral-{n}", "partner": f"p{n % PARTNERS}"},
    )


def p(values: list[float], q: float) -> float:
    if not values:
        return float("nan")
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))]


async def ours(dsn: str, partners: Partners) -> tuple[float, dict[str, float], float]:
    """When the first referral was enqueued, when each was, and how long enqueueing took."""
    pool = await asyncpg.create_pool(
        dsn, min_size=4, max_size=16, server_settings={"role": f"redress_{SCHEMA}"}
    )
    hooks = Webhooks(SCHEMA, SecretBox(os.urandom(32)), guard=Guard(allow_private=True))
    try:
        async with pool.acquire() as conn:
            for i, url in enumerate(partners.urls):
                made = await hooks.add_endpoint(
                    conn, tenant="bench", owner=f"p{i}", url=url, secret=partners.secrets[i]
                )
                assert made.secret == partners.secrets[i]
        worker = Deliverer(pool, hooks, retry=RETRY, concurrency=CONCURRENCY)
        task = asyncio.create_task(worker.run())
        enqueued: dict[str, float] = {}
        started = time.time()

        async def consented(batch: range) -> None:
            async with pool.acquire() as conn, conn.transaction():
                for n in batch:
                    await hooks.enqueue(
                        conn,
                        tenant="bench",
                        owner=f"p{n % PARTNERS}",
                        message=message(n),
                        ordering_key=f"referral-{n}",
                        sequence=1,
                    )
            committed = time.time()
            enqueued.update({f"msg_bench-{n}": committed for n in batch})

        try:
            for start in range(0, REFERRALS, BATCH):
                await consented(range(start, min(start + BATCH, REFERRALS)))
            enqueueing = time.time() - started
            deadline = time.monotonic() + DEADLINE
            while time.monotonic() < deadline:
                async with pool.acquire() as conn:
                    left = await conn.fetchval(
                        f"""SELECT count(*) FROM {SCHEMA}.webhook_deliveries
                            WHERE state <> 'delivered'"""
                    )
                if left == 0:
                    break
                await asyncio.sleep(0.05)
        finally:
            task.cancel()
            await asyncio.gather(task, return_exceptions=True)
            await worker.close()
        return started, enqueued, enqueueing
    finally:
        await pool.close()


async def baseline(partners: Partners) -> float:
    """The same signed requests by a plain httpx loop; returns when it started."""
    queue: asyncio.Queue[int] = asyncio.Queue()
    for n in range(REFERRALS):
        queue.put_nowait(n)
    bodies = {n: message(n).body() for n in range(REFERRALS)}
    started = time.time()
    retries: list[asyncio.Task[None]] = []

    async def later(n: int) -> None:
        await asyncio.sleep(RETRY.first.total_seconds())
        queue.put_nowait(n)

    async with httpx.AsyncClient(timeout=30, trust_env=False) as client:

        async def sender() -> None:
            while True:
                n = await queue.get()
                partner = n % PARTNERS
                hdrs = signed_headers(
                    [partners.secrets[partner]], f"msg_bench-{n}", datetime.now(UTC), bodies[n]
                )
                hdrs["content-type"] = "application/cloudevents+json; charset=utf-8"
                try:
                    answer = await client.post(
                        partners.urls[partner], content=bodies[n].encode(), headers=hdrs
                    )
                    ok = answer.is_success
                except httpx.HTTPError:
                    ok = False
                if not ok:
                    retries.append(asyncio.create_task(later(n)))
                queue.task_done()

        senders = [asyncio.create_task(sender()) for _ in range(CONCURRENCY)]
        try:
            while True:
                await asyncio.wait_for(queue.join(), DEADLINE)
                pending = [t for t in retries if not t.done()]
                if not pending:
                    break
                await asyncio.gather(*pending)
        finally:
            for s in senders:
                s.cancel()
            await asyncio.gather(*senders, return_exceptions=True)
    return started


async def measure(admin_url: str) -> Result:
    secrets = [new_secret() for _ in range(PARTNERS)]
    admin = await asyncpg.connect(admin_url)
    try:
        await admin.execute(_ROLE)
    finally:
        await admin.close()
    directory = Path(tempfile.mkdtemp(prefix="bench-webhooks-"))
    component = Component(SCHEMA, directory, schema=SCHEMA, embedded=(MIGRATIONS,))
    async with Partners(secrets) as partners:
        async with fresh_database(admin_url, (component,)) as dsn:
            started, enqueued, enqueueing = await ours(dsn, partners)
        ours_stats = await partners.stats()
        await partners.reset()
        base_started = await baseline(partners)
        base_stats = await partners.stats()
    return summarise(started, enqueued, enqueueing, ours_stats, base_started, base_stats)


def summarise(
    started: float,
    enqueued: dict[str, float],
    enqueueing: float,
    ours_stats: dict[str, list[float]],
    base_started: float,
    base_stats: dict[str, list[float]],
) -> Result:
    expected = {f"msg_bench-{n}" for n in range(REFERRALS)}
    verified = {k for k, (at, _) in ours_stats.items() if at}
    first = [k for k in expected if not fails_first(k)]
    latencies = [
        (ours_stats[k][0] - enqueued[k]) * 1000 for k in first if k in verified and k in enqueued
    ]
    base_latencies = [
        (base_stats[k][0] - base_started) * 1000 for k in first if base_stats.get(k, [0])[0]
    ]
    repeats = sum(int(c) - 1 for _, c in ours_stats.values()) - sum(
        1 for k in expected if fails_first(k)
    )
    ours_end = max(at for at, _ in ours_stats.values() if at)
    base_end = max(at for at, _ in base_stats.values() if at)
    return Result(
        ours_rate=len(verified) / (ours_end - started),
        baseline_rate=sum(1 for at, _ in base_stats.values() if at) / (base_end - base_started),
        ours_p99_ms=p(latencies, 0.99),
        baseline_p99_ms=p(base_latencies, 0.99),
        ours_p50_ms=p(latencies, 0.5),
        enqueue_s=enqueueing,
        lost=len(expected - verified),
        repeats=repeats,
        first_failures=sum(1 for k in expected if fails_first(k)),
    )


if __name__ == "__main__":
    from redress.kit.logs import configure

    configure("bench", level="warning", as_json=False)
    result = asyncio.run(measure(sys.argv[1]))
    print(json.dumps(result.as_json(), indent=1))
