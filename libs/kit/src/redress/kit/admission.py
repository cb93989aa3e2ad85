"""Admission: past what a process can work on at once, answer 503 at once instead of late.

A burst larger than the process can serve would otherwise queue in front of the database
pool until each request timed out, and every client (a worker on a phone included) would
wait for nothing. Each process works on at most `REDRESS_ADMISSION_LIMIT` requests at a time;
one more waits up to `REDRESS_ADMISSION_WAIT` seconds for a place, then is answered 503 with
Retry-After, having changed nothing. Probes and /metrics are never turned away.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator

import structlog
from fastapi import Request

from redress.kit.errors import Problem

log = structlog.get_logger("redress.admission")

RETRY_AFTER = 2
# Asked by probes and scrapers, which must learn how the process is, busy or not.
EXEMPT = frozenset({"/live", "/ready", "/health", "/metrics"})


class Admission:
    def __init__(self, limit: int, wait: float) -> None:
        self.places = asyncio.Semaphore(limit)
        self.limit, self.wait = limit, wait
        self.shed = 0

    def overloaded(self) -> Problem:
        self.shed += 1
        if self.shed == 1 or self.shed % 100 == 0:
            log.warning("busy; answering 503", limit=self.limit, shed=self.shed)
        return Problem(
            503,
            "overloaded",
            "the service is busy just now; nothing was recorded, try again",
            headers={"Retry-After": str(RETRY_AFTER)},
        )


async def admitted(request: Request) -> AsyncIterator[None]:
    """A dependency of every route: hold a place while the request is worked on."""
    admission: Admission | None = getattr(request.app.state, "admission", None)
    if admission is None or request.url.path in EXEMPT:
        yield
        return
    try:
        await asyncio.wait_for(admission.places.acquire(), admission.wait)
    except TimeoutError:
        raise admission.overloaded() from None
    try:
        yield
    finally:
        admission.places.release()
