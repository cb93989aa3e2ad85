"""Every byte the platform keeps on disk, for privacy tests that search them for canaries.

Privacy is judged on the files, not on table rows: a deleted row lives on in WAL pages,
dead tuples and the stream store until they are recycled.
"""

from __future__ import annotations

import subprocess
from pathlib import Path

import asyncpg

from tests.conftest import Servers
from tests.intake.test_privacy import pg_dump_binary


def _read_tree(root: Path) -> bytes:
    chunks = []
    for path in sorted(root.rglob("*")):
        if path.is_file() and not path.is_symlink():
            try:
                chunks.append(path.read_bytes())
            except (PermissionError, FileNotFoundError):  # sockets, files removed meanwhile
                continue
    return b"".join(chunks)


def directory_files(root: Path) -> bytes:
    """Every file under `root` (the data folder of dev mode, a keyset's folder)."""
    return _read_tree(root)


async def postgres_directory(servers: Servers) -> Path:
    if servers.postgres is not None:
        return Path(servers.postgres.directory)
    conn = await asyncpg.connect(servers.database_url)
    try:
        return Path(await conn.fetchval("SHOW data_directory"))
    finally:
        await conn.close()


async def postgres_files(servers: Servers) -> bytes:
    """The whole PostgreSQL data directory: heap files, dead tuples, WAL, after a checkpoint."""
    conn = await asyncpg.connect(servers.database_url)
    try:
        await conn.execute("CHECKPOINT")
    finally:
        await conn.close()
    return _read_tree(await postgres_directory(servers))


async def wal_files(servers: Servers) -> bytes:
    return _read_tree(await postgres_directory(servers) / "pg_wal")


def stream_store_files(servers: Servers) -> bytes:
    """The JetStream file store; needs the embedded NATS (its store directory is known)."""
    assert servers.nats is not None, "unset REDRESS_NATS_URL: this test reads NATS's files"
    return _read_tree(servers.nats.directory / "jetstream")


def database_dump(dsn: str) -> bytes:
    """A logical backup, as an operator would take one."""
    return subprocess.run(
        [pg_dump_binary(), "--dbname", dsn], capture_output=True, check=True
    ).stdout
