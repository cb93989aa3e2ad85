"""Real servers for the suite: embedded PostgreSQL and NATS, or those named by
REDRESS_DATABASE_URL / REDRESS_NATS_URL. Every test gets its own database and its own
JetStream stream, so tests never see each other's events."""

from __future__ import annotations

import itertools
import os
import tempfile
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

import asyncpg
import nats
import pytest
from nats.aio.client import Client as NATS
from nats.js import JetStreamContext
from opentelemetry import trace
from opentelemetry.sdk.trace import TracerProvider
from opentelemetry.sdk.trace.export import SimpleSpanProcessor
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter

from redress.events.bus import Bus
from redress.events.migrations import Component, eventlog_component, migrate
from redress.events.store import EventStore
from redress.kit.embedded import EmbeddedNats, EmbeddedPostgres

_counter = itertools.count(1)

# One in-memory exporter for the whole run, so tests can follow a trace across parts.
SPANS = InMemorySpanExporter()
_provider = TracerProvider()
_provider.add_span_processor(SimpleSpanProcessor(SPANS))
trace.set_tracer_provider(_provider)


@dataclass
class Servers:
    database_url: str
    nats_url: str
    nats: EmbeddedNats | None
    postgres: EmbeddedPostgres | None = None


@pytest.fixture(scope="session")
def servers() -> Iterator[Servers]:
    root = Path(tempfile.mkdtemp(prefix="redress-test-"))
    os.environ.setdefault("XDG_RUNTIME_DIR", str(root))
    pg = nt = None
    db = os.environ.get("REDRESS_DATABASE_URL")
    nu = os.environ.get("REDRESS_NATS_URL")
    if not db:
        pg = EmbeddedPostgres(root / "pg")
        db = pg.start()
    if not nu:
        nt = EmbeddedNats(root / "nats")
        nu = nt.start()
    yield Servers(db, nu, nt, pg)
    if nt:
        nt.stop()
    if pg:
        pg.stop()


def with_database(url: str, name: str) -> str:
    parts = urlsplit(url)
    return urlunsplit(parts._replace(path=f"/{name}"))


@dataclass
class System:
    """One test's slice of the servers: a database of its own and a stream of its own."""

    dsn: str
    nats_url: str
    pool: asyncpg.Pool
    nc: NATS
    js: JetStreamContext
    bus: Bus
    store: EventStore


async def new_database(admin_url: str, components: list[Component] | None = None) -> str:
    name = f"t_{os.getpid()}_{next(_counter)}"
    admin = await asyncpg.connect(admin_url)
    try:
        await admin.execute(f"DROP DATABASE IF EXISTS {name}")
        await admin.execute(f"CREATE DATABASE {name}")
    finally:
        await admin.close()
    dsn = with_database(admin_url, name)
    conn = await asyncpg.connect(dsn)
    try:
        await migrate(conn, [eventlog_component(), *(components or [])])
    finally:
        await conn.close()
    return dsn


@pytest.fixture
async def system(servers: Servers) -> AsyncIterator[System]:
    dsn = await new_database(servers.database_url)
    n = next(_counter)
    bus = Bus(stream=f"TEST_{os.getpid()}_{n}", prefix=f"test{os.getpid()}x{n}.events")
    pool = await asyncpg.create_pool(dsn, min_size=1, max_size=20)
    nc = await nats.connect(servers.nats_url)
    js = nc.jetstream()
    await bus.ensure_stream(js)
    store = EventStore(pool)
    yield System(dsn, servers.nats_url, pool, nc, js, bus, store)
    await store.close()
    await js.delete_stream(bus.stream)
    await nc.close()
    await pool.close()


CHROMIUM = "/usr/bin/chromium"


def pytest_terminal_summary(terminalreporter) -> None:  # type: ignore[no-untyped-def]
    """Say how many browser tests ran, so that a run without a browser cannot pass unseen."""
    stats = terminalreporter.stats
    ran = [r for r in stats.get("passed", []) + stats.get("failed", [])
           if r.when == "call" and "browser" in r.keywords]  # fmt: skip
    skipped = [r for r in stats.get("skipped", []) if "browser" in r.keywords]
    terminalreporter.write_line(
        f"browser tests: {len(ran)} ran, {len(skipped)} skipped (Debian chromium: {CHROMIUM})"
    )
