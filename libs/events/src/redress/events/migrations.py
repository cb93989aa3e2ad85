"""Applying SQL migrations in order, once each, recorded in `public.redress_migrations`.

The event log's own migrations come first; then each service's, run as the service's role
so that its schema and tables belong to it. A service may keep a library's tables in its
schema (the webhook outbox of `redress.kit.webhooks`): the library's migrations are applied
before the service's own, so that the service's may build on them and never the reverse.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from importlib.resources import files
from pathlib import Path

from redress.events.leader import lock_key
from redress.events.store import Conn

_LEDGER = """
CREATE TABLE IF NOT EXISTS public.redress_migrations (
    component  text NOT NULL,
    name       text NOT NULL,
    checksum   text NOT NULL,
    applied_at timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (component, name)
)
"""

# What every service schema holds for its runners and schedulers.
_SERVICE_BASE = """
CREATE SCHEMA IF NOT EXISTS {schema} AUTHORIZATION {role};
SET ROLE {role};
CREATE TABLE IF NOT EXISTS {schema}.checkpoints (
    name     text PRIMARY KEY,
    position bigint NOT NULL DEFAULT 0
);
CREATE TABLE IF NOT EXISTS {schema}.applied_versions (
    projection text NOT NULL,
    stream     text NOT NULL,
    version    integer NOT NULL,
    PRIMARY KEY (projection, stream)
);
CREATE TABLE IF NOT EXISTS {schema}.timers (
    id       text PRIMARY KEY,
    kind     text NOT NULL,
    tenant   text NOT NULL,
    due_at   timestamptz NOT NULL,
    payload  jsonb NOT NULL DEFAULT '{{}}',
    fired_at timestamptz
);
CREATE INDEX IF NOT EXISTS timers_due ON {schema}.timers (due_at) WHERE fired_at IS NULL;
RESET ROLE;
"""


@dataclass(frozen=True)
class Component:
    """A set of migrations: the event log, or one service (schema and role named after it).

    `embedded`: migration folders of libraries whose tables live in this component's schema;
    their files are recorded under their own names, which must not clash with the service's.
    """

    name: str
    directory: Path
    schema: str | None = None
    embedded: tuple[Path, ...] = ()

    def files(self) -> list[Path]:
        """Every migration in the order it is applied: each library's, then the service's."""
        ordered = [p for d in (*self.embedded, self.directory) for p in sorted(d.glob("*.sql"))]
        stems = [p.stem for p in ordered]
        if clash := sorted({s for s in stems if stems.count(s) > 1}):
            raise RuntimeError(f"migrations of {self.name} named twice: {', '.join(clash)}")
        return ordered

    @property
    def role(self) -> str:
        return f"redress_{self.schema}"


def eventlog_component() -> Component:
    return Component("eventlog", Path(str(files("redress.events") / "migrations")))


async def migrate(conn: Conn, components: list[Component]) -> list[str]:
    """Apply what is not applied yet; return the names applied. Safe to run concurrently."""
    applied: list[str] = []
    await conn.execute("SELECT pg_advisory_lock($1)", lock_key("migrations"))
    try:
        await conn.execute(_LEDGER)
        for component in components:
            applied += await _migrate_one(conn, component)
    finally:
        await conn.execute("SELECT pg_advisory_unlock($1)", lock_key("migrations"))
    return applied


async def _migrate_one(conn: Conn, component: Component) -> list[str]:
    done = {
        r["name"]: r["checksum"]
        for r in await conn.fetch(
            "SELECT name, checksum FROM public.redress_migrations WHERE component = $1",
            component.name,
        )
    }
    applied = []
    if component.schema is not None and "000_base" not in done:
        base = _SERVICE_BASE.format(schema=component.schema, role=component.role)
        await _apply(conn, component, "000_base", base, _checksum(base))
        applied.append(f"{component.name}/000_base")
    for path in component.files():
        sql = path.read_text()
        checksum = _checksum(sql)
        if path.stem in done:
            if done[path.stem] != checksum:
                raise RuntimeError(f"migration {component.name}/{path.name} changed after it ran")
            continue
        if component.schema is not None:
            # Objects belong to the service's role and land in its schema.
            sql = (
                f"SET LOCAL ROLE {component.role};\n"
                f"SET LOCAL search_path TO {component.schema}, public;\n{sql}\n"
                "RESET ROLE; RESET search_path;"
            )
        await _apply(conn, component, path.stem, sql, checksum)
        applied.append(f"{component.name}/{path.stem}")
    return applied


async def _apply(conn: Conn, component: Component, name: str, sql: str, checksum: str) -> None:
    async with conn.transaction():
        await conn.execute(sql)
        await conn.execute(
            "INSERT INTO public.redress_migrations (component, name, checksum) VALUES ($1, $2, $3)",
            component.name,
            name,
            checksum,
        )


def _checksum(sql: str) -> str:
    return hashlib.sha256(sql.encode()).hexdigest()[:16]
