"""Referral delivery: from a worker's consent to the partner's verified webhook, through the
referral service as `make run` runs it, beside a plain httpx loop.

The platform starts as bench/e2e.py starts it (relay and services as processes, embedded
servers) with `REDRESS_WEBHOOK_FIRST_RETRY=1`, as the library's benchmark retries after 1 s.
Five partners are registered through the admin API, each with an endpoint at one of five
receivers (bench/receivers.py, a process of their own: 50 ms to answer, the first attempt of
2 % of webhook-ids failing). Untimed: 1,000 referrals opened, safety-checked and addressed
to a partner (p0 … p4 in turn), appended through the referral domain as the officer's API
would. Timed: consent by phone for each, through the referral API (32 at a time): the
service appends `ConsentGiven` and `ReferralSent`, the relay publishes them, the webhooks
projection enqueues `referral.sent`, the service's delivery worker sends it. Latency runs
from the consent's answer to the receiver's first verification (first-attempt successes);
the rate from the first consent to the last verification.

The baseline, in the same run and to the same receivers: the very requests the service
sent (the bodies and webhook-ids in its outbox, signed with the same secrets), from a queue,
by as many concurrent httpx senders as the worker keeps in flight (32), a failure retried
after the same 1 s. Nothing lost is a gate: every referral consented must be verified.
"""

from __future__ import annotations

import asyncio
import os
import socket
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import asyncpg
import httpx

from bench import e2e
from bench.receivers import fails_first
from bench.webhooks import Partners, p
from redress.events.application import execute
from redress.events.catalogue.partner import PartnerKind, Service
from redress.events.envelope import Actor, Metadata
from redress.events.store import EventStore
from redress.kit import registry
from redress.kit.auth import signer_for
from redress.kit.settings import Settings
from redress.kit.webhooks.secrets import headers as signed_headers
from redress.referral import domain as d
from redress.referral.policies import referral_stream

REFERRALS = int(os.environ.get("BENCH_REFERRALS", "1000"))
PARTNERS = 5
CONCURRENCY = 32  # consents in flight, and the baseline's senders (the worker's default)
FIRST_RETRY = 1.0
DEADLINE = 300.0
TENANT = "demo"
PHONE = {"answer": "given", "channel": "phone", "given_at": "2026-03-02T09:15:00+06:00"}


def settings() -> dict[str, object]:
    return {
        "referrals": REFERRALS,
        "partners": PARTNERS,
        "consents_in_flight": CONCURRENCY,
        "answer_after_ms": 50,
        "first_attempt_failing": "2 %",
        "first_retry_s": FIRST_RETRY,
        "path": "consent POST -> log -> relay -> NATS -> webhooks projection -> outbox -> worker",
    }


@dataclass(frozen=True)
class Result:
    ours_rate: float
    baseline_rate: float
    ours_p99_ms: float
    ours_p50_ms: float
    baseline_p99_ms: float
    consent_rate: float
    consent_p99_ms: float
    enqueue_p50_ms: float  # consent answered -> webhook in the outbox (relay, NATS, projection)
    enqueue_p99_ms: float
    send_p50_ms: float  # in the outbox -> delivered (the worker and the receiver)
    send_p99_ms: float
    lost: int
    repeats: int
    first_failures: int

    def as_json(self) -> dict[str, float | int]:
        return {k: round(v, 1) if isinstance(v, float) else v for k, v in self.__dict__.items()}


def free_ports(n: int) -> list[int]:
    ports = []
    for _ in range(n):
        with socket.socket() as s:
            s.bind(("127.0.0.1", 0))
            ports.append(s.getsockname()[1])
    return ports


async def directory(client: httpx.AsyncClient, base: str, admin: dict, ports: list[int]) -> list:
    """Five partners, each with an endpoint at its receiver; their secrets, in order."""
    secrets = []
    for i, port in enumerate(ports):
        body = {"name": f"Partner {i}", "kind": "shelter", "countries": ["BD"]}
        answer = await client.put(f"{base}/v1/partners/p{i}", json=body, headers=admin)
        assert answer.status_code == 200, answer.text
        answer = await client.post(
            f"{base}/v1/partners/p{i}/endpoints",
            json={"url": f"http://127.0.0.1:{port}/hooks"},
            headers=admin,
        )
        assert answer.status_code == 201, answer.text
        secrets.append(answer.json()["secret"])
    return secrets


async def addressed(dsn: str, n: int) -> list[str]:
    """`n` referrals opened, safety-checked and addressed to a partner, awaiting consent."""
    pool = await asyncpg.create_pool(dsn, min_size=1, max_size=8)
    store = EventStore(pool)
    meta = Metadata(tenant=TENANT, actor=Actor(id="bench-officer", role="officer"))
    ids = [referral_stream(f"case-{uuid.uuid4()}") for _ in range(n)]
    slots = asyncio.Semaphore(8)

    async def one(i: int, stream: str) -> None:
        commands = (
            d.OpenReferral(f"case-{uuid.uuid4()}", f"grv-{uuid.uuid4()}", "identity_documents",
                           "BD", "bn", ("document_retention",)),
            d.CheckSafety(False),
            d.SelectPartner(f"p{i % PARTNERS}", d.Candidate(f"Partner {i % PARTNERS}",
                            PartnerKind.shelter), services=(Service.shelter,)),
        )  # fmt: skip
        async with slots:
            await execute(store, stream, d.REFERRAL.deciding(stream, *commands), meta)

    try:
        await asyncio.gather(*(one(i, s) for i, s in enumerate(ids)))
    finally:
        await pool.close()
    return ids


async def readable(client: httpx.AsyncClient, base: str, officer: dict, ids: list[str]) -> None:
    """Until the referral views have the last one (each consent reads them)."""
    for _ in range(600):
        answer = await client.get(f"{base}/v1/referrals/{ids[-1]}", headers=officer)
        if answer.status_code == 200 and answer.json()["partners"]:
            return
        await asyncio.sleep(0.1)
    raise RuntimeError("the referrals never became readable")


async def consent_all(
    base: str, officer: dict, ids: list[str]
) -> tuple[float, dict[str, float], list[float]]:
    """Consent by phone, recorded by an officer (ADR 49), for every referral; when each was
    answered, and how long each took."""
    queue = list(enumerate(ids))
    answered: dict[str, float] = {}
    took: list[float] = []
    started = time.time()

    async def sender(client: httpx.AsyncClient) -> None:
        while queue:
            i, referral_id = queue.pop()
            url = f"{base}/v1/referrals/{referral_id}/partners/p{i % PARTNERS}/consent"
            begun = time.time()
            answer = await client.post(url, json=PHONE, headers=officer)
            assert answer.status_code == 200, answer.text
            answered[referral_id] = time.time()
            took.append(answered[referral_id] - begun)

    async with httpx.AsyncClient(timeout=30, trust_env=False) as client:
        await asyncio.gather(*(sender(client) for _ in range(CONCURRENCY)))
    return started, answered, took


async def outbox(dsn: str) -> list[asyncpg.Record]:
    conn = await asyncpg.connect(dsn)
    try:
        return await conn.fetch(
            """SELECT d.webhook_id, d.ordering_key, d.body, d.state, e.owner,
                      extract(epoch FROM d.created_at) AS enqueued,
                      extract(epoch FROM d.settled_at) AS settled
               FROM referral.webhook_deliveries d
               JOIN referral.webhook_endpoints e ON e.id = d.endpoint_id"""
        )
    finally:
        await conn.close()


async def until_delivered(dsn: str, n: int) -> None:
    deadline = time.monotonic() + DEADLINE
    while time.monotonic() < deadline:
        rows = await outbox(dsn)
        if sum(r["state"] == "delivered" for r in rows) >= n:
            return
        await asyncio.sleep(0.1)


async def baseline(partners: Partners, secrets: list[str], rows: list[asyncpg.Record]) -> float:
    """The same signed requests by a plain httpx loop; returns when it started."""
    queue: asyncio.Queue[asyncpg.Record] = asyncio.Queue()
    for row in rows:
        queue.put_nowait(row)
    started = time.time()
    retries: list[asyncio.Task[None]] = []

    async def later(row: asyncpg.Record) -> None:
        await asyncio.sleep(FIRST_RETRY)
        queue.put_nowait(row)

    async with httpx.AsyncClient(timeout=30, trust_env=False) as client:

        async def sender() -> None:
            while True:
                row = await queue.get()
                i = int(row["owner"][1:])
                hdrs = signed_headers(
                    [secrets[i]], row["webhook_id"], datetime.now(UTC), row["body"]
                )
                hdrs["content-type"] = "application/cloudevents+json; charset=utf-8"
                try:
                    answer = await client.post(
                        partners.urls[i], content=row["body"].encode(), headers=hdrs
                    )
                    ok = answer.is_success
                except httpx.HTTPError:
                    ok = False
                if not ok:
                    retries.append(asyncio.create_task(later(row)))
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


async def drive(settings: Settings, log: Callable[[str], None]) -> Result:
    signer = signer_for(settings)

    def bearer(sub: str, role: str) -> dict[str, str]:
        return {"Authorization": "Bearer " + signer.issue(sub, TENANT, [role])}

    base = f"http://127.0.0.1:{registry.PORTS['referral']}"
    dsn = settings.require_database()
    ports = free_ports(PARTNERS)
    async with httpx.AsyncClient(timeout=30, trust_env=False) as client:
        secrets = await directory(client, base, bearer("bench-admin", "admin"), ports)
        ids = await addressed(dsn, REFERRALS)
        await readable(client, base, bearer("bench-officer", "officer"), ids)
    log(f"referral: {REFERRALS:,} referrals await consent; consenting …")
    async with Partners(secrets, ports) as partners:
        on_phone = bearer("bench-officer", "officer")
        started, answered, took = await consent_all(base, on_phone, ids)
        consented = time.time() - started
        await until_delivered(dsn, REFERRALS)
        ours = await partners.stats()
        rows = [r for r in await outbox(dsn) if r["ordering_key"] in answered]
        await partners.reset()
        base_started = await baseline(partners, secrets, rows)
        theirs = await partners.stats()
    return summarise(started, answered, took, consented, rows, ours, base_started, theirs)


def summarise(
    started: float,
    answered: dict[str, float],
    took: list[float],
    consented: float,
    rows: list[asyncpg.Record],
    ours: dict[str, list[float]],
    base_started: float,
    theirs: dict[str, list[float]],
) -> Result:
    key_of = {r["webhook_id"]: r["ordering_key"] for r in rows}
    verified = {k for k, (at, _) in ours.items() if at and k in key_of}
    first = [k for k in key_of if not fails_first(k)]
    latencies = [(ours[k][0] - answered[key_of[k]]) * 1000 for k in first if k in verified]
    base_latencies = [(theirs[k][0] - base_started) * 1000 for k in first if theirs.get(k, [0])[0]]
    ours_end = max((ours[k][0] for k in verified), default=started)
    base_verified = [at for k, (at, _) in theirs.items() if at and k in key_of]
    failing = sum(1 for k in key_of if fails_first(k))
    enqueue = [(float(r["enqueued"]) - answered[r["ordering_key"]]) * 1000 for r in rows]
    send = [(float(r["settled"]) - float(r["enqueued"])) * 1000 for r in rows
            if r["settled"] is not None and not fails_first(r["webhook_id"])]  # fmt: skip
    return Result(
        ours_rate=len(verified) / max(ours_end - started, 1e-9),
        baseline_rate=len(base_verified) / max(max(base_verified) - base_started, 1e-9),
        ours_p99_ms=p(latencies, 0.99),
        ours_p50_ms=p(latencies, 0.5),
        baseline_p99_ms=p(base_latencies, 0.99),
        consent_rate=len(answered) / consented,
        consent_p99_ms=p([t * 1000 for t in took], 0.99),
        enqueue_p50_ms=p(enqueue, 0.5),
        enqueue_p99_ms=p(enqueue, 0.99),
        send_p50_ms=p(send, 0.5),
        send_p99_ms=p(send, 0.99),
        lost=len(answered) - len({key_of[k] for k in verified}),
        repeats=sum(int(ours[k][1]) - 1 for k in verified) - failing,
        first_failures=failing,
    )


def measure(log: Callable[[str], None]) -> Result:
    saved = os.environ.get("REDRESS_WEBHOOK_FIRST_RETRY")
    os.environ["REDRESS_WEBHOOK_FIRST_RETRY"] = str(FIRST_RETRY)
    try:
        with e2e.running_platform(log) as (platform_settings, _):
            return asyncio.run(drive(platform_settings, log))
    finally:
        if saved is None:
            os.environ.pop("REDRESS_WEBHOOK_FIRST_RETRY", None)
        else:
            os.environ["REDRESS_WEBHOOK_FIRST_RETRY"] = saved


def rows(result: Result) -> list[Any]:
    from bench.report import Row

    return [
        Row(
            f"referral {REFERRALS:,} consents to verified webhooks vs plain httpx",
            (result.ours_rate,),
            (result.baseline_rate,),
            goal_ratio=0.8,
        ),
        Row(
            "referral p99, consent to verified (first attempts)",
            (result.ours_p99_ms,),
            goal_max=1000,
            unit="ms",
        ),
        Row("referral p50, consent to verified (first attempts)", (result.ours_p50_ms,), unit="ms"),
        Row("referral consents/s through the API", (result.consent_rate,)),
    ]
