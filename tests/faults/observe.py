"""What the suite does beside a fault: filings at a steady rate, and /health watched throughout."""

from __future__ import annotations

import asyncio
import contextlib
import os
import time
import uuid
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from typing import Any

import httpx

from tests.events.helpers import running
from tests.faults.platform import ENDPOINTS, Platform

RATE = 50.0  # filings/s: issue 8's load, offered where the machine carries it
SHARE = 0.6  # of what the machine carries, where that is less: faults need headroom
IN_FLIGHT = 64
BODY = {
    "country": "BD",
    "site_id": "dhaka-knit",
    "category": "working_hours",
    "narrative": "Sixteen-hour shifts every day before the shipment.",
    "language": "bn",
    "contact": {"phone_or_email": "+8801711111111", "language": "bn"},
    "consent": {"contact_me": True},
}


@dataclass
class Answer:
    """One attempt at a filing; a filing that gets no answer or a 503 is asked again."""

    filing: int
    sent: float  # monotonic
    done: float
    status: int | None  # None: no answer (the connection failed or timed out)
    retry_after: str | None = None
    grievance_id: str | None = None
    error: str | None = None
    kind: str | None = None  # a problem's type, its last part ("overloaded", "unavailable")

    @property
    def late(self) -> bool:
        """No answer within the client's timeout: the server may still be working on it."""
        return self.error in LATE


# A member's system asks again with the same Idempotency-Key after a timeout or a 503, as the
# API's documentation tells it to; the retry gets the first answer if the first one landed.
LATE = frozenset({"ReadTimeout", "WriteTimeout", "PoolTimeout"})
TIMEOUT_S = 15.0
GIVE_UP_S = 150.0  # a filing not accepted by then stays so: the checks say how many
BACKOFF_S = (0.25, 0.5, 1.0, 2.0)


@dataclass
class Load:
    """Open loop: each filing goes out on its time, whatever became of the ones before.

    Each filing is asked again until it is accepted, as a member's system would (same
    Idempotency-Key): after a 503, once its Retry-After has passed; after no answer, at once.
    Every attempt is kept in `answers`, so that the checks see each one.
    """

    platform: Platform
    token: str
    answers: list[Answer] = field(default_factory=list)
    sent: int = 0
    rate: float = RATE
    began: float = 0.0
    run: str = field(default_factory=lambda: uuid.uuid4().hex[:12])

    @property
    def accepted(self) -> list[str]:
        return sorted({a.grievance_id for a in self.answers if a.grievance_id})

    def between(self, start: float, end: float) -> list[Answer]:
        return [a for a in self.answers if start <= a.sent <= end]

    async def _attempt(self, client: httpx.AsyncClient, n: int) -> Answer:
        sent = time.monotonic()
        try:
            answer = await client.post(
                self.platform.url("intake", "/v1/grievances"),
                json={**BODY, "member_reference": f"FAULT-{self.run}-{n}"},
                headers={
                    "Authorization": f"Bearer {self.token}",
                    "Idempotency-Key": f"fault-{self.run}-{n}",
                },
            )
        except httpx.HTTPError as exc:
            return Answer(n, sent, time.monotonic(), None, error=type(exc).__name__)
        try:
            body = answer.json()
        except ValueError:
            body = {}
        return Answer(
            n,
            sent,
            time.monotonic(),
            answer.status_code,
            answer.headers.get("Retry-After"),
            body.get("grievance_id") if answer.status_code == 201 else None,
            kind=str(body.get("type", "")).rsplit(":", 1)[-1] or None,
        )

    async def _file(self, client: httpx.AsyncClient, n: int) -> None:
        began, tries = time.monotonic(), 0
        while time.monotonic() - began < GIVE_UP_S:
            answer = await self._attempt(client, n)
            self.answers.append(answer)
            if answer.status is not None and answer.status != 503:
                return  # accepted, or refused for good (the checks say so)
            if answer.retry_after and answer.retry_after.isdigit():
                await asyncio.sleep(min(int(answer.retry_after), 5))
            elif not answer.late:
                await asyncio.sleep(BACKOFF_S[min(tries, len(BACKOFF_S) - 1)])
            tries += 1

    @contextlib.asynccontextmanager
    async def running(self) -> AsyncIterator[Load]:
        stop = asyncio.Event()
        tasks: set[asyncio.Task[None]] = set()

        async def drive(client: httpx.AsyncClient) -> None:
            slots = asyncio.Semaphore(IN_FLIGHT)
            start = self.began = time.monotonic()
            first = self.sent
            while not stop.is_set():
                due = start + (self.sent - first) / self.rate
                if (wait := due - time.monotonic()) > 0:
                    await asyncio.sleep(wait)
                await slots.acquire()
                self.sent += 1
                task = asyncio.create_task(self._file(client, self.sent))
                tasks.add(task)
                task.add_done_callback(tasks.discard)
                task.add_done_callback(lambda _: slots.release())

        async with httpx.AsyncClient(timeout=httpx.Timeout(TIMEOUT_S)) as client:
            driver = asyncio.create_task(drive(client))
            try:
                yield self
            finally:
                stop.set()
                await driver
                while tasks:
                    await asyncio.gather(*list(tasks))


async def carried(platform: Platform, token: str, seconds: float = 15.0) -> float:
    """Filings per second the platform accepts on this machine when offered twice `RATE`
    (more than it can take, so that a machine that carries `RATE` with room shows it).

    Counted after the first 5 s, so that start-up work and the first queue do not count.
    """
    load = Load(platform, token, rate=2 * RATE)
    async with load.running():
        await asyncio.sleep(seconds)
    counted = [a for a in load.answers if a.status == 201 and a.done >= load.began + 5]
    return len(counted) / (max(a.done for a in counted) - load.began - 5) if counted else 0.0


def suite_rate(carries: float) -> float:
    """The fault suite's load: `RATE`, or `SHARE` of what the machine carries if that is less.

    A machine that cannot carry `RATE` at all would fail every fault on its own queue, and the
    suite would measure the machine, not the recovery; REDRESS_FAULTS_RATE fixes the rate.
    """
    if fixed := os.environ.get("REDRESS_FAULTS_RATE"):
        return float(fixed)
    return max(5.0, min(RATE, SHARE * carries))


@dataclass
class Watch:
    """/health of every service and of the relay, read every quarter second."""

    platform: Platform
    samples: dict[str, list[tuple[float, bool, str]]] = field(
        default_factory=lambda: {name: [] for name in ENDPOINTS}
    )
    reasons: dict[str, str] = field(default_factory=dict)  # the last failing read's parts
    # Each failing read's parts that were not ok, by name and status only: for the report.
    parts: dict[str, list[tuple[float, frozenset[str]]]] = field(
        default_factory=lambda: {name: [] for name in ENDPOINTS}
    )
    _sampled: asyncio.Condition = field(default_factory=asyncio.Condition)

    async def _read(self, client: httpx.AsyncClient, name: str) -> tuple[bool, str]:
        try:
            answer = await client.get(self.platform.url(name))
        except httpx.HTTPError as exc:
            return False, type(exc).__name__
        try:
            body = answer.json()
        except ValueError:
            body = {}
        # A problem+json names its kind in `type`; a health body says its `status`.
        status = str(body.get("type", "")).rsplit("/", 1)[-1] or str(body.get("status", "?"))
        ok = answer.status_code == 200 and status == "ok"
        if not ok:
            self.reasons[name] = self.why(body)
            self.parts[name].append((time.monotonic(), self.named(body)))
        return ok, f"{answer.status_code} {status}"

    @staticmethod
    def named(body: dict[str, Any]) -> frozenset[str]:
        """The parts of a failing /health that were not ok, each as `name status`."""
        parts = [*body.get("projections", []), *body.get("background", [])]
        named = {
            f"{p.get('projection') or p.get('task')} {p.get('status')}"
            for p in parts
            if p.get("status") != "ok"
        }
        if (body.get("delivery") or {}).get("status") not in (None, "ok"):
            named.add(f"delivery {body['delivery']['status']}")
        return frozenset(named)

    def not_ok(self, name: str, start: float) -> set[str]:
        """Every part of the endpoint's /health that was not ok at some read since `start`."""
        return {part for at, named in self.parts[name] if at >= start for part in named}

    @staticmethod
    def why(body: dict[str, Any]) -> str:
        """The parts of a degraded /health that are not ok, for a failure's message."""
        parts = [*body.get("projections", []), *body.get("background", [])]
        named = [
            f"{p.get('projection') or p.get('task')}: {p.get('status')} {p.get('reason', '')}"
            for p in parts
            if p.get("status") != "ok"
        ]
        delivery = body.get("delivery") or {}
        if delivery.get("status") != "ok":
            named.append(f"delivery: {delivery}")
        return "; ".join(named)

    @contextlib.asynccontextmanager
    async def running(self) -> AsyncIterator[Watch]:
        async def watch(name: str) -> None:
            # 3 s: a probe that hangs is what fails; on 2 busy cores a slow answer is not.
            async with httpx.AsyncClient(timeout=3.0) as client:
                while True:
                    at = time.monotonic()
                    ok, what = await self._read(client, name)
                    self.samples[name].append((at, ok, what))
                    async with self._sampled:
                        self._sampled.notify_all()
                    await asyncio.sleep(max(0.0, 0.25 - (time.monotonic() - at)))

        async with contextlib.AsyncExitStack() as watching:
            for name in ENDPOINTS:
                await watching.enter_async_context(running(watch(name)))
            yield self

    async def settled(self, deadline: float = 10) -> None:
        """Wait until every endpoint's watch has read /health once more, from now on.

        The platform is seen healthy by its own reads; without this the watch could stop with
        a failing read that began just before, and its record would end short of the recovery.
        """
        now = time.monotonic()
        async with self._sampled:
            # On timeout the check that follows says which endpoint never answered again.
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(
                    self._sampled.wait_for(
                        lambda: all(s and s[-1][0] >= now for s in self.samples.values())
                    ),
                    deadline,
                )

    def last(self, name: str, end: float, count: int = 6) -> str:
        """The endpoint's last reads, seconds after the fault's end: for a failure's message."""
        last = self.samples[name][-count:]
        reads = ", ".join(f"{at - end:+.1f} s {what}" for at, _, what in last)
        return f"{reads} (last failing read: {self.reasons.get(name, '?')})"

    def transitions(self, name: str, start: float, end: float) -> tuple[float | None, float | None]:
        """Seconds from the fault's start to the first failing answer, and from its end to the
        first ok answer after the last failing one (None: never failed / never ok again)."""
        samples = self.samples[name]
        failing = [at for at, ok, _ in samples if not ok and at >= start]
        if not failing:
            return None, None
        detected = failing[0] - start
        after = [at for at, ok, _ in samples if ok and at > failing[-1]]
        healed = max(0.0, after[0] - end) if after else None
        return detected, healed

    def unanswered(self, name: str, start: float, end: float) -> set[str]:
        """The errors of /health reads that got no answer while the fault lasted."""
        return {
            what
            for at, _, what in self.samples[name]
            if start <= at <= end and not what[0].isdigit()
        }

    def seen(self, name: str, start: float) -> set[str]:
        return {what for at, ok, what in self.samples[name] if at >= start and not ok}
