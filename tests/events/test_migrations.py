"""Migrations of a library kept in a service's schema: applied before the service's own,
recorded under their own names, owned by the service's role."""

from __future__ import annotations

from pathlib import Path

import asyncpg
import pytest

from redress.events.migrations import Component, migrate
from tests.conftest import new_database


def folder(root: Path, name: str, files: dict[str, str]) -> Path:
    path = root / name
    path.mkdir()
    for stem, sql in files.items():
        (path / f"{stem}.sql").write_text(sql)
    return path


async def test_a_library_is_migrated_first_and_the_service_builds_on_it(
    servers, tmp_path: Path
) -> None:
    library = folder(
        tmp_path, "lib", {"lib_001_things": "CREATE TABLE things (id int PRIMARY KEY);"}
    )
    own = folder(
        tmp_path,
        "own",
        {"001_uses": "CREATE TABLE uses (thing int REFERENCES things);"},  # needs the library's
    )
    component = Component("metrics", own, schema="metrics", embedded=(library,))
    assert [p.stem for p in component.files()] == ["lib_001_things", "001_uses"]
    dsn = await new_database(servers.database_url, [component])
    conn = await asyncpg.connect(dsn)
    try:
        owners = dict(
            await conn.fetch(
                "SELECT tablename, tableowner FROM pg_tables WHERE schemaname = 'metrics'"
                " AND tablename IN ('things', 'uses')"
            )
        )
        assert owners == {"things": "redress_metrics", "uses": "redress_metrics"}
        recorded = await conn.fetch(
            "SELECT name FROM public.redress_migrations WHERE component = 'metrics' ORDER BY name"
        )
        assert [r["name"] for r in recorded] == ["000_base", "001_uses", "lib_001_things"]
        assert await migrate(conn, [component]) == []  # once each
    finally:
        await conn.close()


def test_a_name_used_twice_is_refused(tmp_path: Path) -> None:
    library = folder(tmp_path, "lib", {"001_x": "SELECT 1;"})
    own = folder(tmp_path, "own", {"001_x": "SELECT 2;"})
    with pytest.raises(RuntimeError, match="named twice: 001_x"):
        Component("metrics", own, schema="metrics", embedded=(library,)).files()
