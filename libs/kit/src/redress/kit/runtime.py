"""Connections a process needs, opened with a deadline and a one-line reason on failure."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

import asyncpg
import nats
import structlog
from nats.aio.client import Client as NATS
from nats.js import JetStreamContext

from redress.events.bus import Bus
from redress.events.projection import ProjectionRunner
from redress.events.recovery import Backoff, Trouble
from redress.events.sessions import session_settings
from redress.events.store import EventStore
from redress.kit.auth import TokenVerifier
from redress.kit.pools import DeadlinePool
from redress.kit.settings import ConfigurationError, Settings
from redress.kit.sources import DEV_ENV, from_dev_env

if TYPE_CHECKING:
    from redress.kit.leading import Leading

log = structlog.get_logger("redress.runtime")


async def _keep_session(conn: asyncpg.Connection) -> None:
    """Skip asyncpg's reset query on release: a round trip per command saved.

    Pooled connections hold no session state here (no LISTEN, no session locks, no SET
    but the role given at connect, which RESET ALL would keep anyway); an open
    transaction is still rolled back by the pool itself.
    """


def redact(url: str) -> str:
    parts = urlsplit(url)
    if parts.password:
        parts = parts._replace(netloc=parts.netloc.replace(f":{parts.password}@", ":***@"))
    return parts.geturl()


async def open_pool(
    settings: Settings, role: str | None = None, size: int = 10, *, bounded: bool = True
) -> asyncpg.Pool:
    """A pool acting as `role`; `bounded=False` lifts the statement timeout (migrations)."""
    url = settings.require_database()
    server_settings = database_session(settings, role)
    if not bounded:
        server_settings["statement_timeout"] = "0"
    common: dict[str, Any] = {
        "min_size": 1,
        "max_size": size,
        "server_settings": server_settings,
        "timeout": 5,
        "reset": _keep_session,
    }
    if bounded:
        # The client's own deadline: a server that stops answering (SIGSTOP, a lost
        # network) never enforces statement_timeout, and a request would wait for ever.
        command = settings.statement_timeout + settings.io_timeout
        pool: asyncpg.Pool = DeadlinePool(
            url,
            **common,
            command_timeout=command,
            # In line for a connection: while none comes back for an I/O timeout (the server
            # stopped answering), or twice as long as a statement may take.
            wait=settings.io_timeout,
            longest=2 * command,
        )
    else:
        pool = asyncpg.create_pool(url, **common)
    return await reached(pool, url, settings.connect_timeout)


async def reached(pool: asyncpg.Pool, url: str, timeout: float) -> asyncpg.Pool:
    """`pool` connected; else one line naming the server and why (a command's user reads
    it, not a traceback)."""
    try:
        await asyncio.wait_for(pool, timeout)
    except (OSError, TimeoutError, asyncpg.PostgresError, ValueError) as exc:
        reason = str(exc) or type(exc).__name__
        if from_dev_env("REDRESS_DATABASE_URL"):
            # The embedded server of `make run`, which runs only while `make run` does.
            reason += (
                f" (the server came from {DEV_ENV}: the platform of `make run` is not running;"
                " start it, or point REDRESS_DATABASE_URL at another server)"
            )
        raise ConfigurationError(f"cannot reach PostgreSQL at {redact(url)}: {reason}") from None
    return pool


async def open_nats(
    settings: Settings, name: str, client: NATS | None = None, trouble: Trouble | None = None
) -> NATS:
    """A connected client (`client` itself when given, connected anew); `trouble` says
    whether it is connected now, for /health."""
    url = settings.require_nats()
    nc = client or NATS()
    links: dict[str, Any] = {}
    opened = False

    async def failed(exc: Exception) -> None:
        # Until the first connection, the caller says why it could not connect (the
        # ConfigurationError below, `redress status`'s line, /health): said once, not twice.
        if opened:
            log.warning("nats", error=str(exc) or type(exc).__name__)

    if trouble is not None:

        async def lost() -> None:
            # Closed by the service itself (its shutdown): nothing was lost. A connection
            # the server drops is reconnecting, never closed (`max_reconnect_attempts=-1`).
            if nc.is_closed:
                return
            trouble.report(ConnectionError("NATS: the connection was lost; opening it again"))

        async def back() -> None:
            trouble.clear()

        links = {"disconnected_cb": lost, "reconnected_cb": back}
    try:
        await asyncio.wait_for(
            nc.connect(
                url,
                name=f"redress-{name}",
                connect_timeout=2,
                max_reconnect_attempts=-1,
                allow_reconnect=True,
                error_cb=failed,
                # nats-py's default (two minutes, two pings) would leave a frozen server or a
                # half-open link unnoticed for minutes: no reconnection, and /health saying ok.
                ping_interval=settings.nats_ping_interval,
                max_outstanding_pings=2,
                **links,
            ),
            settings.connect_timeout,
        )
    except (OSError, TimeoutError, nats.errors.Error) as exc:
        reason = str(exc) or type(exc).__name__
        raise ConfigurationError(f"cannot reach NATS at {redact(url)}: {reason}") from None
    opened = True
    return nc


async def keep_connecting(
    settings: Settings, name: str, nc: NATS, bus: Bus, trouble: Trouble
) -> None:
    """Connect `nc` and make sure of the stream, however long NATS takes to answer.

    A process started while NATS is down takes requests meanwhile (they need PostgreSQL
    only, ADR 0010) and says so on /health through `trouble`; what needs NATS waits for
    this to return.
    """
    backoff = Backoff(initial=0.5, cap=10.0)
    while True:
        try:
            if not nc.is_connected:
                await open_nats(settings, name, nc, trouble)
            await asyncio.wait_for(bus.ensure_stream(nc.jetstream()), settings.io_timeout)
        except Exception as exc:
            # A ConfigurationError says only that NATS did not answer: a passing failure.
            trouble.report(
                ConnectionError(str(exc)) if isinstance(exc, ConfigurationError) else exc
            )
            await backoff.wait()
        else:
            trouble.clear()
            return


async def connect(settings: Settings, role: str | None, application: str) -> asyncpg.Connection:
    """A connection of its own (a listener's), with the role and timeouts of the pools'."""
    conn: asyncpg.Connection = await asyncpg.connect(
        settings.require_database(),
        timeout=settings.connect_timeout,
        server_settings=database_session(settings, role, application),
    )
    return conn


def database_session(
    settings: Settings, role: str | None, application: str = "redress"
) -> dict[str, str]:
    """The role and timeouts every connection of this process starts with."""
    return session_settings(
        role,
        application=application,
        statement_timeout=settings.statement_timeout,
        idle_in_transaction_timeout=settings.idle_in_transaction_timeout,
    )


def bus_for(settings: Settings) -> Bus:
    return Bus(
        stream=settings.nats_stream,
        prefix=settings.nats_subject_prefix,
        replicas=settings.nats_stream_replicas,
    )


@dataclass
class Runtime:
    """What a running service holds: its pool, the bus, the store and its runners."""

    settings: Settings
    pool: asyncpg.Pool
    nc: NATS
    js: JetStreamContext
    bus: Bus
    store: EventStore
    verifier: TokenVerifier
    # The runners' connections, and /health's, apart from the requests' (see start_runtime).
    delivery: asyncpg.Pool
    runners: list[ProjectionRunner] = field(default_factory=list)
    # What keeps each supervised background task (schedulers, ...) from its work.
    background: list[Trouble] = field(default_factory=list)
    extras: dict[str, Any] = field(default_factory=dict)
    tasks: list[asyncio.Task[None]] = field(default_factory=list)
    # Whether this process runs the runners, and what it heard of them (ADR 0036).
    leading: Leading | None = None

    def runner_statuses(self) -> list[dict[str, Any]]:
        """Each runner's state, here or (told) in the process of the service that runs it."""
        if self.leading is None:
            return [r.status() for r in self.runners]
        return self.leading.statuses()


async def preflight(settings: Settings, name: str) -> None:
    """Fail fast, with one clear line, when PostgreSQL cannot be reached. NATS is not
    needed to start: the service takes requests, and delivers once NATS answers."""
    settings.require_nats()
    pool = await open_pool(settings, size=1)
    await pool.close()
