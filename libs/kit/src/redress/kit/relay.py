"""Running the relay as a process: connect, then publish for ever.

The relay recovers from NATS and PostgreSQL failures by itself (see `Relay.run`); only a
configuration that cannot work ends the process.
"""

from __future__ import annotations

import structlog

from redress.events.relay import Relay
from redress.kit import logs, telemetry
from redress.kit.runtime import bus_for, open_nats
from redress.kit.settings import Settings

log = structlog.get_logger("redress.relay")


async def run_relay(settings: Settings) -> None:
    logs.configure("relay", settings.log_level, settings.log_json)
    telemetry.configure("relay")
    dsn = settings.require_database()
    nc = await open_nats(settings, "relay")
    try:
        relay = Relay(
            dsn,
            nc.jetstream(timeout=settings.io_timeout),
            bus_for(settings),
            ack_timeout=settings.relay_ack_timeout,
            io_timeout=settings.io_timeout,
            stall_timeout=settings.relay_stall_timeout,
        )
        await relay.run()
    finally:
        await nc.close()
