"""Running the relay as a process: connect, then publish for ever.

The relay recovers from NATS and PostgreSQL failures by itself (see `Relay.run`); only a
configuration that cannot work ends the process.
"""

from __future__ import annotations

import asyncio
import contextlib

import asyncpg
import structlog
import uvicorn
from fastapi import FastAPI
from fastapi.responses import JSONResponse, Response
from nats.aio.client import Client as NATS
from prometheus_client import CONTENT_TYPE_LATEST

from redress.events.relay import Relay
from redress.kit import errors, logs, telemetry
from redress.kit.errors import Problem
from redress.kit.exposition import relay_exposition
from redress.kit.head import HeadAsGet
from redress.kit.health import Question
from redress.kit.runtime import bus_for, database_session, keep_connecting
from redress.kit.serving import UVICORN
from redress.kit.settings import Settings

log = structlog.get_logger("redress.relay")


# A container listens on all its interfaces; `make run` binds loopback only.
ALL_INTERFACES = "0.0.0.0"  # noqa: S104


async def run_relay(
    settings: Settings, port: int | None = None, host: str = ALL_INTERFACES
) -> None:
    """Publish for ever; with `port`, also answer `/live`, `/ready` and `/health` there, on
    `host`'s interface."""
    logs.configure("relay", settings.log_level, settings.log_json)
    telemetry.configure("relay")
    asyncio.get_running_loop().set_exception_handler(logs.unhandled)
    nc = NATS()
    relay = build_relay(settings, nc)

    async def publish() -> None:
        # Started while NATS is down, the relay answers its probes and says it is degraded
        # until NATS answers.
        await keep_connecting(settings, "relay", nc, relay.bus, relay.trouble)
        await relay.run()

    work = [asyncio.create_task(publish(), name="relay")]
    probe = ServersProbe(settings, relay)
    if port is not None:
        config = uvicorn.Config(
            relay_app(relay, settings, probe),
            host=host,
            port=port,
            **UVICORN,
        )
        work.append(asyncio.create_task(uvicorn.Server(config).serve(), name="relay-health"))
    try:
        await asyncio.wait(work, return_when=asyncio.FIRST_COMPLETED)
    finally:
        for task in work:
            task.cancel()
        await asyncio.gather(*work, return_exceptions=True)
        await probe.close()
        with contextlib.suppress(Exception):  # never connected
            await nc.close()


class ServersProbe:
    """Whether PostgreSQL and NATS answer now, asked when `/health` is.

    An idle relay asks them only at its poll and its idle check, and finds a silence only
    when its I/O deadline runs out: 11-12 s of `ok` into a freeze. The probe asks on its own
    connection, one `Question` at a time, within `REDRESS_HEALTH_TIMEOUT`.
    """

    def __init__(self, settings: Settings, relay: Relay) -> None:
        self.settings = settings
        self.relay = relay
        self.question: Question[None] = Question()
        self._conn: asyncpg.Connection | None = None

    async def silence(self) -> str | None:
        """None when both answered within the deadline, else why not, naming the server."""
        _, silence = await self.question.put(self._ask, self.settings)
        return silence

    async def _ask(self) -> None:
        io = self.settings.io_timeout
        self.question.asking("NATS")
        # The relay's own question at an idle check (a request of its own: a PING's PONG
        # waited for and given up would be taken by nats-py for the next one's).
        await asyncio.wait_for(self.relay.bus.last_sequence(self.relay.js), io)
        self.question.asking("PostgreSQL")
        if self._conn is None or self._conn.is_closed():
            role = self.settings.database_role or "redress_relay"
            self._conn = await asyncpg.connect(
                self.settings.require_database(),
                timeout=io,
                server_settings=database_session(self.settings, role, "redress-relay-probe"),
            )
        try:
            await self._conn.fetchval("SELECT 1", timeout=io)
        except BaseException:
            self._conn.terminate()  # a timed-out question leaves it unusable
            raise

    async def close(self) -> None:
        self.question.cancel()
        if self._conn is not None:
            self._conn.terminate()


def relay_app(relay: Relay, settings: Settings, probe: ServersProbe) -> FastAPI:
    """The relay's own probes: `/live`, `/ready`, and `/health` with its status.

    `/health` answers 503 once the relay has been degraded (unable to lead or publish) for
    longer than `REDRESS_HEALTH_STALLED_AFTER`; a standby that is fine answers 200. A server
    that does not answer `probe` makes it degraded at once, naming the server.
    """
    app = FastAPI(title="Redress relay", version="0.1.0")
    app.add_middleware(HeadAsGet)  # HEAD answered as GET, as every service answers it
    errors.install(app)

    @app.get("/live")
    async def live() -> JSONResponse:
        return JSONResponse({"status": "live"})

    @app.get("/ready")
    async def ready() -> JSONResponse:
        # The relay takes no requests: readiness only paces rollouts and drains (ADR 0010).
        return JSONResponse({"status": "ready"})

    @app.get(
        "/metrics",
        response_class=Response,
        responses={200: {"content": {CONTENT_TYPE_LATEST: {}}, "description": "Prometheus text"}},
    )
    async def metrics() -> Response:
        """Published events, stalls, leadership and state in Prometheus's text format."""
        return Response(relay_exposition(relay), media_type=CONTENT_TYPE_LATEST)

    @app.get("/health")
    async def health() -> JSONResponse:
        status = relay.status()
        if status["status"] == "ok" and (silence := await probe.silence()) is not None:
            status = {**status, "status": "degraded", "reason": silence}
        degraded_s = status.get("degraded_s", 0.0)
        if isinstance(degraded_s, float) and degraded_s > settings.health_stalled_after:
            raise Problem(
                503,
                "delivery-stopped",
                f"the relay has been degraded for {degraded_s} s: {status['reason']}",
                relay=status,
            )
        return JSONResponse(status)

    return app


def build_relay(settings: Settings, nc: NATS) -> Relay:
    """The relay as `redress relay` runs it: as its own role, with every deadline set."""
    return Relay(
        settings.require_database(),
        nc.jetstream(timeout=settings.io_timeout),
        bus_for(settings),
        ack_timeout=settings.relay_ack_timeout,
        io_timeout=settings.io_timeout,
        stall_timeout=settings.relay_stall_timeout,
        server_settings=database_session(
            settings, settings.database_role or "redress_relay", "redress-relay"
        ),
    )
