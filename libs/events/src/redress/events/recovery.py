"""Recovering by oneself: passing failures told from lasting ones, and waits between tries.

A passing (transient) failure is one that trying again later can mend without anyone's
help: a connection lost or refused, a server restarting, a timeout, a deadlock. The relay
and the runners retry those for ever, with exponential backoff and jitter, and say they are
degraded meanwhile; only an event that fails on a healthy connection halts a runner.
"""

from __future__ import annotations

import asyncio
import random
import time
from collections.abc import Awaitable, Callable, Iterator
from contextvars import ContextVar
from dataclasses import dataclass, field
from typing import Any

import asyncpg
import nats.errors
import nats.js.errors
import structlog

log = structlog.get_logger("redress.recovery")

# SQLSTATEs that a later try can succeed after: connection exceptions, insufficient
# resources, operator intervention (shutdown, restart, statement timeout), and the
# transaction rollbacks that PostgreSQL itself asks to retry (serialisation, deadlock).
_TRANSIENT_SQLSTATES = ("08", "53", "57P", "57014", "40001", "40P01", "55P03", "25P03")

_TRANSIENT_NATS = (
    nats.errors.TimeoutError,
    nats.errors.NoRespondersError,
    nats.errors.StaleConnectionError,
    nats.errors.ConnectionClosedError,
    nats.errors.ConnectionReconnectingError,
    nats.errors.OutboundBufferLimitError,
    nats.errors.NoServersError,
    nats.errors.FlushTimeoutError,
    nats.errors.SlowConsumerError,
    nats.js.errors.ServiceUnavailableError,
    nats.js.errors.NoStreamResponseError,
    nats.js.errors.TooManyStalledMsgsError,
)


def _causes(exc: BaseException) -> Iterator[BaseException]:
    seen: set[int] = set()
    current: BaseException | None = exc
    while current is not None and id(current) not in seen:
        seen.add(id(current))
        yield current
        current = current.__cause__


def is_transient(exc: BaseException) -> bool:
    """Whether trying again later may well succeed, with no change to code or data."""
    for e in _causes(exc):
        if isinstance(e, (OSError, TimeoutError, *_TRANSIENT_NATS)):
            return True
        if isinstance(e, asyncpg.PostgresError):
            state = getattr(e, "sqlstate", None) or ""
            if state.startswith(_TRANSIENT_SQLSTATES):
                return True
        if isinstance(e, asyncpg.InterfaceError) and "closed" in str(e):
            return True
        # A protocol caught mid-operation by a server that went away.
        if isinstance(e, asyncpg.exceptions.InternalClientError):
            return True
    return False


def describe(exc: BaseException) -> str:
    """One line naming an error, short enough for a health answer."""
    text = str(exc).strip().splitlines()[0] if str(exc).strip() else ""
    name = type(exc).__name__
    return f"{name}: {text[:200]}" if text else name


_SERVERS = (("asyncpg", "PostgreSQL"), ("nats", "NATS"))


def named(exc: BaseException) -> str:
    """`describe(exc)`, naming the server it waited on where the error does not say: asyncpg
    and asyncio time out with a bare `TimeoutError`, and a `/health` reason must say whether
    PostgreSQL or NATS is the one not answering (docs/runbook-delivery.md)."""
    said = describe(exc)
    if any(server in said for _, server in _SERVERS):
        return said
    server = _server_of(exc)
    if server is None:
        return said
    name, _, text = said.partition(": ")
    return f"{name}: {server}: {text or 'no answer in time'}"


def _server_of(exc: BaseException) -> str | None:
    """The server whose client raised `exc` or the error it came from (a timeout's cancel)."""
    seen: BaseException | None = exc
    for _ in range(4):  # an error, its cause or context, and theirs
        if seen is None:
            return None
        modules = [type(seen).__module__]
        tb = seen.__traceback__
        while tb is not None:
            modules.append(str(tb.tb_frame.f_globals.get("__name__", "")))
            tb = tb.tb_next
        for module in modules:
            for package, server in _SERVERS:
                if module == package or module.startswith(package + "."):
                    return server
        seen = seen.__cause__ or seen.__context__
    return None


@dataclass
class Backoff:
    """Exponential waits with jitter: half of each wait fixed, half random, up to `cap`."""

    initial: float = 0.1
    cap: float = 10.0
    attempt: int = 0

    def next_delay(self) -> float:
        ceiling = min(self.cap, self.initial * 2**self.attempt)
        self.attempt = min(self.attempt + 1, 62)
        return float(ceiling / 2 + random.uniform(0, ceiling / 2))  # noqa: S311 (not for secrets)

    async def wait(self) -> None:
        await asyncio.sleep(self.next_delay())

    def reset(self) -> None:
        self.attempt = 0


@dataclass
class Trouble:
    """What keeps a worker (the relay, a runner) from doing its work, and since when."""

    name: str
    reason: str | None = None
    since: float | None = None
    failures: int = 0
    restarts: int = 0
    _attempts: int = field(default=0, repr=False)

    @property
    def degraded(self) -> bool:
        return self.reason is not None

    def seconds(self) -> float:
        return 0.0 if self.since is None else time.monotonic() - self.since

    def report(self, exc: BaseException, *, restart: bool = False) -> None:
        """Record a failure; one log line when an outage starts or its reason changes.

        A failure that is not transient is a bug or a lasting fault: it is logged with its
        traceback every time. `restart` counts it as a restart of the worker.
        """
        reason = named(exc)
        self.failures += 1
        self._attempts += 1
        if restart or not is_transient(exc):
            self.restarts += 1
        if not is_transient(exc):
            log.error(
                "failed; starting again",
                worker=self.name,
                reason=reason,
                restarts=self.restarts,
                exc_info=exc,
            )
        elif self.reason != reason:
            log.warning("degraded; trying again", worker=self.name, reason=reason)
        self._degrade(reason)

    def note(self, reason: str) -> None:
        """A lasting state that is no failure of the worker itself (a partner's endpoint
        that does not answer): degraded for `reason`, logged when it starts."""
        if self.reason is None:
            log.warning("degraded", worker=self.name, reason=reason)
        self._degrade(reason)

    def _degrade(self, reason: str) -> None:
        # An outage's start stays put while its reason changes: `degraded_s` is its length.
        if self.since is None:
            self.since = time.monotonic()
        self.reason = reason

    def clear(self) -> None:
        """Back to work: one log line saying how long the trouble lasted."""
        if self.reason is not None:
            log.info(
                "recovered",
                worker=self.name,
                after_s=round(self.seconds(), 1),
                attempts=self._attempts,
                reason=self.reason,
            )
        self.reason = None
        self.since = None
        self._attempts = 0

    def as_status(self) -> dict[str, object]:
        status: dict[str, object] = {"status": "degraded" if self.degraded else "ok"}
        if self.degraded:
            status["reason"] = self.reason
            status["degraded_s"] = round(self.seconds(), 1)
        if self.restarts:
            status["restarts"] = self.restarts
        return status


# The trouble of the work `supervise` runs in this context, for the work to end (`working`).
_supervised: ContextVar[Trouble | None] = ContextVar("supervised", default=None)


def working() -> None:
    """Said by supervised work that has just done its work (a scheduler's tick, a standby's
    look at the lock): the outage it was reported for ends now, not `healthy_after` later.
    Outside `supervise`, nothing."""
    trouble = _supervised.get()
    if trouble is not None:
        trouble.clear()


async def supervise(
    work: Callable[[], Awaitable[object]],
    trouble: Trouble,
    backoff: Backoff | None = None,
    *,
    healthy_after: float = 10.0,
    transient_cap: float = 5.0,
) -> None:
    """Run `work` for ever: whenever it fails or ends, log it, count it, and start it again.

    The wait between starts grows with each quick failure, and starts small again after
    `work` has run well for a minute. The failure stays reported until `work` has run
    `healthy_after` seconds, or says it works (`working`), or clears trouble of its own.
    A bug waits up to the backoff's cap; a lost connection at most `transient_cap`, so that
    work stopped by an outage starts again within seconds of the server's return, as the
    runners do, where a long outage had grown the wait to half a minute.
    """
    backoff = backoff or Backoff(initial=0.5, cap=30.0)
    loop = asyncio.get_running_loop()
    _supervised.set(trouble)  # this task's own context: `working` in `work` finds it
    while True:
        started = loop.time()
        cleared = asyncio.create_task(_clear_later(trouble, trouble.reason, healthy_after))
        transient = False
        try:
            await work()
            trouble.report(RuntimeError("stopped by itself"), restart=True)
        except Exception as exc:
            transient = is_transient(exc)
            trouble.report(exc, restart=True)
        finally:
            cleared.cancel()
        if loop.time() - started > 60:
            backoff.reset()
        delay = backoff.next_delay()
        await asyncio.sleep(min(delay, transient_cap) if transient else delay)


async def stop(*tasks: asyncio.Future[Any]) -> None:
    """Stop the tasks for sure, and only then return (or raise the caller's own cancel).

    Cancelled again until they have stopped: Python 3.11 can swallow a cancel that lands as
    an awaited result arrives. And a caller cancelled while it waits here still waits: one
    that gave up would leave its children running on their own, a runner nobody stops any
    more. Their failures are retrieved here; the caller reads them if they matter.
    """
    interrupted = False
    while running := {t for t in tasks if not t.done()}:
        for task in running:
            task.cancel()
        try:
            await asyncio.wait(running, timeout=0.5)
        except asyncio.CancelledError:
            interrupted = True
    for task in tasks:
        if not task.cancelled():
            task.exception()
    if interrupted:
        raise asyncio.CancelledError


async def _clear_later(trouble: Trouble, reason: str | None, after: float) -> None:
    if reason is None:
        return
    await asyncio.sleep(after)
    if trouble.reason == reason:
        trouble.clear()
