"""An outbox in a schema of its own (`hooks`, owned by its own role, as a service's would be),
a clock the tests move, and a receiver on loopback."""

from __future__ import annotations

import contextlib
import os
from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

import asyncpg
import pytest

from redress.events.migrations import Component
from redress.events.timers import FixedClock
from redress.kit.webhooks import (
    MIGRATIONS,
    Deliverer,
    Guard,
    Message,
    NewEndpoint,
    SecretBox,
    Webhooks,
)
from tests.conftest import new_database
from tests.kit.webhooks.receiver import Receiver

SCHEMA = "hooks"
ROLE = f"redress_{SCHEMA}"
TENANT = "acme"


@dataclass
class Outbox:
    dsn: str
    pool: asyncpg.Pool
    hooks: Webhooks
    clock: FixedClock
    box_key: bytes

    timedelta = timedelta

    def advance(self, **delta: float) -> None:
        self.clock.at += timedelta(**delta)

    def deliverer(self, **options: object) -> Deliverer:
        options.setdefault("interval", 0.05)
        return Deliverer(self.pool, self.hooks, **options)  # type: ignore[arg-type]

    async def enqueue(
        self, owner: str, key: str, seq: int, *, event_type: str = "org.example.thing.updated"
    ) -> int:
        async with self.pool.acquire() as conn:
            return await self.hooks.enqueue(
                conn,
                tenant=TENANT,
                owner=owner,
                message=message(key, seq, event_type),
                ordering_key=key,
                sequence=seq,
            )

    async def states(self) -> dict[str, int]:
        async with self.pool.acquire() as conn:
            rows = await conn.fetch(
                f"SELECT state, count(*) AS n FROM {SCHEMA}.webhook_deliveries GROUP BY state"
            )
        return {r["state"]: r["n"] for r in rows}

    async def attempts(self) -> int:
        async with self.pool.acquire() as conn:
            return int(await conn.fetchval(f"SELECT count(*) FROM {SCHEMA}.webhook_attempts"))


def message(key: str, seq: int, event_type: str = "org.example.thing.updated") -> Message:
    return Message(
        id=f"{key}-{seq}",
        type=event_type,
        source="/tests/webhooks",
        time=datetime(2026, 1, 1, tzinfo=UTC),
        subject=key,
        data={"seq": seq},
    )


async def ensure_role(admin_url: str) -> None:
    conn = await asyncpg.connect(admin_url)
    try:
        if not await conn.fetchval("SELECT 1 FROM pg_roles WHERE rolname = $1", ROLE):
            # Another test process may make it meanwhile.
            with contextlib.suppress(asyncpg.DuplicateObjectError):
                await conn.execute(f"CREATE ROLE {ROLE} NOLOGIN")
    finally:
        await conn.close()


@pytest.fixture
async def outbox(servers, tmp_path: Path) -> AsyncIterator[Outbox]:
    await ensure_role(servers.database_url)
    own = tmp_path / "migrations"
    own.mkdir()
    (own / "001_own.sql").write_text("CREATE TABLE partners (id text PRIMARY KEY);\n")
    component = Component(SCHEMA, own, schema=SCHEMA, embedded=(MIGRATIONS,))
    dsn = await new_database(servers.database_url, [component])
    pool = await asyncpg.create_pool(dsn, min_size=1, max_size=20, server_settings={"role": ROLE})
    clock = FixedClock(datetime.now(UTC).replace(microsecond=0))
    key = os.urandom(32)
    hooks = Webhooks(SCHEMA, SecretBox(key), guard=Guard(allow_private=True), clock=clock)
    yield Outbox(dsn, pool, hooks, clock, key)
    await pool.close()


@pytest.fixture
async def receiver() -> AsyncIterator[Receiver]:
    r = Receiver(secrets=[])
    await r.start()
    yield r
    await r.stop()


async def register(outbox: Outbox, receiver: Receiver, owner: str = "partner-1") -> NewEndpoint:
    """An endpoint at `receiver`, whose secret the receiver then holds."""
    async with outbox.pool.acquire() as conn:
        made = await outbox.hooks.add_endpoint(conn, tenant=TENANT, owner=owner, url=receiver.url)
    receiver.secrets.append(made.secret)
    return made
