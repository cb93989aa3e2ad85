"""`/metrics`: what the operator's Prometheus scrapes, in its text format.

Delivery (events not yet in the stream and the age of the oldest), each projection's state,
checkpoint and distance from the stream's end, each background task's state, webhook
attempts by outcome, and HTTP requests by route template and status with their durations.
No label ever carries a path, a tenant, a reference or a person: routes are templates, as in
the access log.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import Response
from prometheus_client import CONTENT_TYPE_LATEST, CollectorRegistry, Counter, Histogram
from prometheus_client import generate_latest as exposition
from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily, Metric
from prometheus_client.registry import Collector

from redress.events.relay import Relay
from redress.kit.health import LagProbe, lag_probe
from redress.kit.pools import DeadlinePool
from redress.kit.runtime import Runtime

STATES = ("ok", "degraded", "halted", "stopped")


class HttpMetrics:
    """Requests by method, route template and status, and their durations; one per app."""

    def __init__(self, registry: CollectorRegistry) -> None:
        self.requests = Counter(
            "redress_http_requests",
            "HTTP requests answered, by route template and status",
            ["method", "route", "status"],
            registry=registry,
        )
        self.seconds = Histogram(
            "redress_http_request_duration_seconds",
            "Time to answer, by route template",
            ["method", "route"],
            buckets=(0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30),
            registry=registry,
        )

    def observe(self, method: str, route: str, status: int, seconds: float) -> None:
        self.requests.labels(method, route, str(status)).inc()
        self.seconds.labels(method, route).observe(seconds)


class RuntimeCollector(Collector):
    """Read at each scrape from what the process already knows: no I/O here (the route
    measures the lag first, within /health's own deadline)."""

    def __init__(self, runtime: Runtime, probe: LagProbe) -> None:
        self.runtime, self.probe = runtime, probe

    def collect(self) -> Iterator[Metric]:
        latest = self.probe.latest
        state = GaugeMetricFamily(
            "redress_projection_state",
            "1 for the state each runner is in",
            labels=["projection", "state"],
        )
        position = GaugeMetricFamily(
            "redress_projection_position", "the stream sequence applied", labels=["projection"]
        )
        behind = GaugeMetricFamily(
            "redress_projection_behind_events",
            "stream messages the runner has not applied yet",
            labels=["projection"],
        )
        restarts = CounterMetricFamily(
            "redress_task_restarts",
            "times a supervised task failed and started again",
            labels=["task"],
        )
        for status in self.runtime.runner_statuses():
            key = str(status["projection"])
            for name in STATES:
                state.add_metric([key, name], 1.0 if status["status"] == name else 0.0)
            at = float(_number(status.get("position")))
            position.add_metric([key], at)
            if latest is not None:
                behind.add_metric([key], float(max(0, latest.stream_last - at)))
            restarts.add_metric([key], float(_number(status.get("restarts"))))
        background = GaugeMetricFamily(
            "redress_background_state",
            "1 for the state each background task is in",
            labels=["task", "state"],
        )
        for trouble in self.runtime.background:
            status = trouble.as_status()
            for name in ("ok", "degraded"):
                background.add_metric(
                    [trouble.name, name], 1.0 if status["status"] == name else 0.0
                )
            restarts.add_metric([trouble.name], float(_number(status.get("restarts"))))
        webhooks = CounterMetricFamily(
            "redress_webhook_attempts",
            "webhook attempts settled: delivered, failed (retried later), endpoint_disabled",
            labels=["outbox", "outcome"],
        )
        waiting = GaugeMetricFamily(
            "redress_webhook_deliveries_waiting",
            "deliveries held up by a failing or disabled endpoint (held), or given up (dead)",
            labels=["outbox", "state"],
        )
        for worker in self.runtime.extras.get("deliverers", []):
            for outcome in ("delivered", "failed", "endpoint_disabled"):
                webhooks.add_metric([worker.hooks.schema, outcome], worker.attempts[outcome])
            waiting.add_metric([worker.hooks.schema, "held"], worker.surveyed.held)
            waiting.add_metric([worker.hooks.schema, "dead"], worker.surveyed.dead)
        yield from (state, position, behind, background, restarts, webhooks, waiting)
        yield from _pools({"requests": self.runtime.pool, "delivery": self.runtime.delivery})
        if latest is not None:
            yield GaugeMetricFamily(
                "redress_delivery_lag_events",
                "events of the log not yet in the stream",
                value=latest.events,
            )
            yield GaugeMetricFamily(
                "redress_delivery_lag_seconds",
                "age of the oldest event not yet in the stream",
                value=latest.seconds,
            )
            yield GaugeMetricFamily(
                "redress_stream_last_sequence",
                "the stream's last sequence",
                value=latest.stream_last,
            )


class RelayCollector(Collector):
    def __init__(self, relay: Relay) -> None:
        self.relay = relay

    def collect(self) -> Iterator[Metric]:
        status = self.relay.status()
        yield CounterMetricFamily(
            "redress_relay_published", "events published to the stream", value=self.relay.published
        )
        yield CounterMetricFamily(
            "redress_relay_stalls",
            "times leadership was given up for want of progress",
            value=self.relay.stalls,
        )
        yield GaugeMetricFamily(
            "redress_relay_leading",
            "1 while this relay leads",
            value=float(self.relay.leading.is_set()),
        )
        yield GaugeMetricFamily(
            "redress_relay_degraded_seconds",
            "how long the relay has been unable to lead or publish",
            value=float(_number(status.get("degraded_s"))),
        )


def _pools(pools: dict[str, Any]) -> Iterator[Metric]:
    """How each database pool is used: its size is chosen from these (docs/performance.md)."""
    families: dict[str, GaugeMetricFamily | CounterMetricFamily] = {
        "size": GaugeMetricFamily("redress_db_pool_size", "connections the pool may open",
                                  labels=["pool"]),
        "in_use": GaugeMetricFamily("redress_db_pool_in_use", "connections lent out now",
                                    labels=["pool"]),
        "waiting": GaugeMetricFamily("redress_db_pool_waiting",
                                     "acquires in line for a connection now", labels=["pool"]),
        "peak": GaugeMetricFamily("redress_db_pool_peak_in_use",
                                  "most connections lent out at once since the process started",
                                  labels=["pool"]),
        "queued": CounterMetricFamily("redress_db_pool_queued",
                                      "acquires that found every connection lent out",
                                      labels=["pool"]),
        "queued_seconds": CounterMetricFamily("redress_db_pool_queued_seconds",
                                              "time those acquires waited", labels=["pool"]),
    }  # fmt: skip
    for name, pool in pools.items():
        if isinstance(pool, DeadlinePool):
            for attribute, family in families.items():
                family.add_metric([name], float(getattr(pool, attribute)))
    yield from families.values()


def relay_exposition(relay: Relay) -> bytes:
    registry = CollectorRegistry()
    registry.register(RelayCollector(relay))
    return exposition(registry)


def _number(value: Any) -> int | float:
    return value if isinstance(value, int | float) else 0


def metrics_router() -> APIRouter:
    router = APIRouter(tags=["health"])

    @router.get(
        "/metrics",
        response_class=Response,
        responses={200: {"content": {CONTENT_TYPE_LATEST: {}}, "description": "Prometheus text"}},
    )
    async def metrics(request: Request) -> Response:
        """Delivery, runners and HTTP figures in Prometheus's text format."""
        runtime: Runtime = request.app.state.runtime
        registry: CollectorRegistry = request.app.state.metrics_registry
        # Measured now (bounded; a frozen server leaves the last measurement), then read by
        # the collector the runtime registered when it started.
        await lag_probe(request).read(runtime)
        return Response(exposition(registry), media_type=CONTENT_TYPE_LATEST)

    return router
