"""The servers a run measures against, and a fresh database for each measurement."""

from __future__ import annotations

import atexit
import contextlib
import itertools
import os
import shutil
import tempfile
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit, urlunsplit

import asyncpg

from redress.events.migrations import Component, eventlog_component, migrate
from redress.kit.embedded import EmbeddedNats, EmbeddedPostgres

_counter = itertools.count(1)


@dataclass(frozen=True)
class Servers:
    database_url: str
    nats_url: str
    workdir: Path
    embedded: bool


@contextlib.contextmanager
def running() -> Iterator[Servers]:
    """Embedded PostgreSQL and NATS in a temp dir, unless the environment names servers."""
    root = Path(tempfile.mkdtemp(prefix="redress-bench-"))
    os.environ.setdefault("XDG_RUNTIME_DIR", str(root))
    # pgserver's own exit handler takes its lock file under XDG_RUNTIME_DIR again after we
    # are done; handlers run last-registered first, so this one, registered before it, runs
    # after it and leaves nothing behind.
    atexit.register(shutil.rmtree, root, ignore_errors=True)
    db = os.environ.get("REDRESS_DATABASE_URL")
    nu = os.environ.get("REDRESS_NATS_URL")
    pg = None if db else EmbeddedPostgres(root / "pg")
    nt = None if nu else EmbeddedNats(root / "nats")
    try:
        db = db or pg.start()  # type: ignore[union-attr]
        nu = nu or nt.start()  # type: ignore[union-attr]
        yield Servers(db, nu, root, embedded=pg is not None)
    finally:
        if nt:
            nt.stop()
        if pg:
            pg.stop()
        shutil.rmtree(root, ignore_errors=True)


def with_database(url: str, name: str) -> str:
    return urlunsplit(urlsplit(url)._replace(path=f"/{name}"))


@contextlib.asynccontextmanager
async def fresh_database(
    admin_url: str, components: tuple[Component, ...] = ()
) -> AsyncIterator[str]:
    """A new database with the event log migrated, dropped afterwards (as the tests do)."""
    name = f"bench_{os.getpid()}_{next(_counter)}"
    admin = await asyncpg.connect(admin_url)
    try:
        await admin.execute(f"CREATE DATABASE {name}")
        dsn = with_database(admin_url, name)
        conn = await asyncpg.connect(dsn)
        try:
            await migrate(conn, [eventlog_component(), *components])
        finally:
            await conn.close()
        yield dsn
    finally:
        # FORCE: a pool a contender left open must not keep the database alive.
        await admin.execute(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")
        await admin.close()


def libpq_params(dsn: str) -> dict[str, Any]:
    """The URL as keyword arguments, for eventsourcing's PostgresDatastore.

    pgserver listens on a Unix socket named in the query (`?host=/socket/dir`); libpq takes a
    directory as `host`, with the port naming the socket file.
    """
    parts = urlsplit(dsn)
    query = {k: v[-1] for k, v in parse_qs(parts.query).items()}
    return {
        "dbname": parts.path.lstrip("/"),
        "host": query.get("host") or parts.hostname or "localhost",
        "port": int(query.get("port") or parts.port or 5432),
        "user": parts.username or query.get("user") or "postgres",
        "password": parts.password or query.get("password") or "",
    }
