"""Running the relay as a process: connect, then publish for ever.

The relay recovers from NATS and PostgreSQL failures by itself (see `Relay.run`); only a
configuration that cannot work ends the process.
"""

from __future__ import annotations

import structlog
from nats.aio.client import Client as NATS

from redress.events.relay import Relay
from redress.kit import logs, telemetry
from redress.kit.runtime import bus_for, database_session, open_nats
from redress.kit.settings import Settings

log = structlog.get_logger("redress.relay")


async def run_relay(settings: Settings) -> None:
    logs.configure("relay", settings.log_level, settings.log_json)
    telemetry.configure("relay")
    nc = await open_nats(settings, "relay")
    try:
        await build_relay(settings, nc).run()
    finally:
        await nc.close()


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
