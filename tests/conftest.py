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


# Migrated databases to copy, one per set of migrations (with their contents) and server:
# migrating a service's schema takes most of a second, copying a database a tenth of one.
_TEMPLATES: dict[tuple[object, ...], str] = {}


async def new_database(admin_url: str, components: list[Component] | None = None) -> str:
    """A database of the test's own, with the log's migrations and `components`' applied."""
    every = [eventlog_component(), *(components or [])]
    key = (admin_url, *((c.name, c.schema, *(f.read_bytes() for f in c.files())) for c in every))
    if key not in _TEMPLATES:
        template = await _created(admin_url, f"template_{os.getpid()}_{next(_counter)}")
        conn = await asyncpg.connect(with_database(admin_url, template))
        try:
            await migrate(conn, every)
        finally:
            await conn.close()
        _TEMPLATES[key] = template
    name = await _created(admin_url, f"t_{os.getpid()}_{next(_counter)}", _TEMPLATES[key])
    return with_database(admin_url, name)


async def _created(admin_url: str, name: str, template: str | None = None) -> str:
    admin = await asyncpg.connect(admin_url)
    try:
        await admin.execute(f"DROP DATABASE IF EXISTS {name}")
        await admin.execute(
            f"CREATE DATABASE {name}" + (f" TEMPLATE {template}" if template else "")
        )
        # A copy has the template's contents, not the grants on the database itself (the
        # log's migrations let services create rebuild schemas): those are granted again.
        for grant in await admin.fetch(_DATABASE_GRANTS, template):
            await admin.execute(f"GRANT {grant[0]} ON DATABASE {name} TO {grant[1]}")
    finally:
        await admin.close()
    return name


_DATABASE_GRANTS = """
SELECT a.privilege_type, a.grantee::regrole::text
FROM pg_database d, aclexplode(d.datacl) a
WHERE d.datname = $1 AND a.grantee <> 0 AND a.grantee <> d.datdba
"""


@pytest.fixture
def database_components() -> list[Component]:
    """The services whose schemas a test's database starts with (a folder's conftest names
    its own); a test's own `migrate` of them then finds them applied."""
    return []


@pytest.fixture
async def system(servers: Servers, database_components: list[Component]) -> AsyncIterator[System]:
    dsn = await new_database(servers.database_url, database_components)
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
