"""What a service says of itself: `/live`, `/health` and `/ready`.

`/live` is for liveness probes: it answers while the process can serve, whatever else is
down, so that an outage elsewhere never restarts every pod. `/health` is for people and
monitoring: each runner (ok, degraded with the reason, halted with the event, stopped) and
how far delivery is behind the log; 503 when delivery has stopped. A process that does not
run the service's runners (ADR 0036) says what the process that does last told it, with
`"leading": false`. `/ready` says whether
this replica can take requests.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable, Coroutine
from typing import Any, Generic, TypeVar

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse

from redress.events.lag import Lag, delivery_lag
from redress.events.recovery import describe
from redress.kit.errors import Problem
from redress.kit.runtime import Runtime
from redress.kit.settings import Settings

T = TypeVar("T")


def lag_probe(request: Request) -> LagProbe:
    """The app's one probe, which /health and /metrics share."""
    probe: LagProbe = request.app.state.lag_probe
    return probe


def health_router() -> APIRouter:
    router = APIRouter(tags=["health"])

    @router.get("/live")
    async def live() -> JSONResponse:
        """200 while the process can serve: for liveness probes, blind to outages elsewhere."""
        return JSONResponse({"status": "live"})

    @router.get("/health")
    async def health(request: Request) -> JSONResponse:
        """Each runner and the delivery lag; 503 once delivery has stopped.

        Stopped means: a runner halted on an event, a runner not running, a runner degraded
        for longer than `REDRESS_HEALTH_STALLED_AFTER`, or the oldest event not yet in the
        stream older than `REDRESS_HEALTH_LAG_AFTER`.
        """
        runtime: Runtime = request.app.state.runtime
        body: dict[str, Any] = {
            # A process that does not run the runners says what the one that does told it.
            "leading": runtime.leading is None or runtime.leading.leading.is_set(),
            "projections": runtime.runner_statuses(),
            "background": [{"task": t.name, **t.as_status()} for t in runtime.background],
            "delivery": await lag_probe(request).read(runtime),
        }
        failing = _failing(body, runtime.settings)
        if failing is not None:
            kind, detail = failing
            raise Problem(503, kind, detail, **body)
        parts = [*body["projections"], *body["background"], body["delivery"]]
        degraded = any(part["status"] != "ok" for part in parts)
        return JSONResponse({"status": "degraded" if degraded else "ok", **body})

    @router.get("/ready")
    async def ready(request: Request) -> JSONResponse:
        """Ready when PostgreSQL answers (ADR 0010). NATS is not needed to take requests:
        they append to the log, which the relay delivers once NATS is back, so a NATS
        outage shows on /health and never takes a pod out of the load balancer."""
        runtime: Runtime = request.app.state.runtime
        try:
            async with runtime.pool.acquire(timeout=2) as conn:
                await conn.fetchval("SELECT 1", timeout=2)
        except Exception as exc:
            raise Problem(503, "not-ready", f"PostgreSQL: {type(exc).__name__}") from None
        return JSONResponse({"status": "ready"})

    return router


def unanswered(server: str, error: BaseException, within: float) -> str:
    """A probe's failed question, naming the server: a question that ran out of time says
    so as the one still waiting does, not as a bare "TimeoutError"."""
    if isinstance(error, TimeoutError) and not str(error):
        return f"no answer from {server} within {within:g} s"
    return f"{server}: {describe(error)}"


class Question(Generic[T]):
    """One question to PostgreSQL and NATS at a time, waited for within `/health`'s deadline.

    `/health` must answer while either is frozen (a probe that hangs is a probe that lies):
    a question that waits on one of them goes on in the background, bounded by its own I/O
    deadlines, and every `/health` meanwhile says it has had no answer instead of waiting.
    Asking again while one is in flight would only pile questions on a frozen server.
    `answered` hears every answer, also one that comes after `/health` has answered.
    """

    def __init__(self, answered: Callable[[T], None] | None = None) -> None:
        self.asked = "NATS"  # the server asked last: the one that is silent, while one is
        self.task: asyncio.Task[T] | None = None
        self._answered = answered

    def asking(self, server: str) -> None:
        self.asked = server

    async def put(
        self, ask: Callable[[], Coroutine[Any, Any, T]], settings: Settings
    ) -> tuple[T | None, str | None]:
        """The answer, or why there is none, naming the server."""
        if self.task is None or self.task.done():
            self.task = asyncio.create_task(ask())
            self.task.add_done_callback(self._done)
        task = self.task
        # asyncio.wait, not wait_for: a timeout must not wait for the question's own end.
        done, _ = await asyncio.wait({task}, timeout=settings.health_timeout)
        if not done:
            return None, f"no answer from {self.asked} within {settings.health_timeout:g} s"
        if (error := task.exception()) is not None:
            return None, unanswered(self.asked, error, settings.io_timeout)
        return task.result(), None

    def cancel(self) -> None:
        if self.task is not None:
            self.task.cancel()

    def _done(self, task: asyncio.Task[T]) -> None:
        # Read here, so that a failure that ends after /health has answered is not
        # reported as never retrieved.
        if task.cancelled() or task.exception() is not None:
            return
        if self._answered is not None:
            self._answered(task.result())


class LagProbe:
    """The delivery lag, measured one `Question` at a time and answered within a deadline.

    Once nothing has answered for `REDRESS_HEALTH_STALLED_AFTER`, delivery counts as stopped.
    That time counts from the first measurement that did not answer, for as long as /health
    keeps asking: a measurement that answers (even after /health has) ends it, and so does a
    pause in the asking longer than that setting, in which nothing was seen failing. Else an
    outage seen once would make the next one, weeks later, "stopped" from its first second.
    """

    def __init__(self) -> None:
        self.question: Question[Lag] = Question(self._measured)
        self._failing_since: float | None = None
        self._failed_at = 0.0  # time.monotonic() of the last /health that had no answer
        self.latest: Lag | None = None  # the last measurement that came back

    async def read(self, runtime: Runtime) -> dict[str, Any]:
        settings = runtime.settings
        if not runtime.nc.is_connected:
            # Asked anyway, NATS would keep the measurement waiting for its I/O timeout.
            return self._unknown("NATS: not connected", settings)
        lag, silence = await self.question.put(
            lambda: delivery_lag(
                runtime.delivery, runtime.js, runtime.bus,
                timeout=settings.io_timeout, asking=self.question.asking,
            ),
            settings,
        )  # fmt: skip
        if lag is None:
            return self._unknown(silence or "no answer", settings)
        status = "stopped" if lag.seconds > settings.health_lag_after else "ok"
        return {"status": status, "lag_events": lag.events, "lag_s": lag.seconds}

    def _measured(self, lag: Lag) -> None:
        # An answer, even one that comes after /health has answered, ends the outage.
        self._failing_since = None
        self.latest = lag

    def _unknown(self, reason: str, settings: Settings) -> dict[str, Any]:
        now = time.monotonic()
        if self._failing_since is None or now - self._failed_at > settings.health_stalled_after:
            self._failing_since = now
        self._failed_at = now
        unknown_s = round(now - self._failing_since, 1)
        stopped = unknown_s > settings.health_stalled_after
        return {
            "status": "stopped" if stopped else "unknown",
            "reason": reason,
            "unknown_s": unknown_s,
        }


def _failing(body: dict[str, Any], settings: Settings) -> tuple[str, str] | None:
    """The problem kind and detail when delivery has stopped, else None."""
    projections: list[dict[str, Any]] = body["projections"]
    for s in projections:
        if s["status"] == "halted":
            return (
                "projection-halted",
                f"projection {s['projection']} halted on event {s['event_id']}: {s['error']}",
            )
    for s in projections:
        if s["status"] == "stopped":
            return "projection-stopped", f"projection {s['projection']} is not running"
    for s in projections:
        if s.get("degraded_s", 0) > settings.health_stalled_after:
            return (
                "delivery-stopped",
                f"projection {s['projection']} has been degraded for {s['degraded_s']} s: "
                f"{s['reason']}",
            )
    delivery = body["delivery"]
    if delivery["status"] == "stopped" and "unknown_s" in delivery:
        return (
            "delivery-stopped",
            f"delivery could not be measured for {delivery['unknown_s']} s: {delivery['reason']}",
        )
    if delivery["status"] == "stopped":
        return (
            "delivery-stopped",
            f"{delivery['lag_events']} events wait to be published, the oldest for "
            f"{delivery['lag_s']} s: is the relay running, and is a transaction held open?",
        )
    return None
