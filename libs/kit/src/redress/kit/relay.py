"""Running the relay as a process: connect, publish, and start again after a failure."""

from __future__ import annotations

import asyncio

import structlog

from redress.events.relay import Relay
from redress.kit import logs, telemetry
from redress.kit.runtime import bus_for, open_nats
from redress.kit.settings import ConfigurationError, Settings

log = structlog.get_logger("redress.relay")


async def run_relay(settings: Settings) -> None:
    logs.configure("relay", settings.log_level, settings.log_json)
    telemetry.configure("relay")
    dsn = settings.require_database()
    nc = await open_nats(settings, "relay")
    delay = 0.5
    try:
        while True:
            relay = Relay(dsn, nc.jetstream(), bus_for(settings))
            try:
                await relay.run()
            except ConfigurationError:
                raise
            except Exception as exc:
                log.error("relay stopped; starting again", error=str(exc), delay=delay)
                await asyncio.sleep(delay)
                delay = min(delay * 2, 10.0) if relay.published == 0 else 0.5
    finally:
        await nc.close()
