"""The event machinery's tests: a system with the small projection's table and a relay."""

from __future__ import annotations

import pytest

from redress.events.migrations import migrate
from redress.events.relay import Relay
from tests.events.helpers import component, running


@pytest.fixture
async def projected(system, tmp_path):
    async with system.pool.acquire() as conn:
        await migrate(conn, [component(str(tmp_path))])
    relay = Relay(system.dsn, system.js, system.bus, poll_interval=0.05)
    async with running(relay.run()):
        yield system
