"""One log line per request: method, route, status and duration; never who sent it."""

from __future__ import annotations

import time
from typing import TYPE_CHECKING

import structlog
from starlette.types import ASGIApp, Message, Receive, Scope, Send

if TYPE_CHECKING:
    from redress.kit.exposition import HttpMetrics

log = structlog.get_logger("redress.access")


class AccessLog:
    """The access log line, and the same figures for /metrics when given `metrics`."""

    def __init__(self, app: ASGIApp, metrics: HttpMetrics | None = None) -> None:
        self.app = app
        self.metrics = metrics

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = time.perf_counter()
        status = 500

        async def record(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
            await send(message)

        try:
            await self.app(scope, receive, record)
        finally:
            # The route's template, not the path: paths may carry references.
            route = getattr(scope.get("route"), "path", "unmatched")
            seconds = time.perf_counter() - started
            log.info(
                "request",
                method=scope["method"],
                route=route,
                status=status,
                ms=round(seconds * 1000, 1),
            )
            if self.metrics is not None:
                self.metrics.observe(scope["method"], route, status, seconds)
