"""A PostgreSQL primary and a synchronous standby on loopback (streaming replication), from
the binaries of the `pgserver` wheel the rest of the tests run. As root, the servers run as
pgserver's own system user, as the embedded server does."""

from __future__ import annotations

import contextlib
import os
import subprocess
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import psutil

from redress.kit.embedded import free_port

SETTINGS = """
listen_addresses = '127.0.0.1'
port = {port}
unix_socket_directories = '{directory}'
wal_level = replica
max_wal_senders = 5
wal_keep_size = '128MB'
hot_standby = on
synchronous_commit = on
synchronous_standby_names = 'standby'
fsync = off
"""


def _as_server_user() -> dict[str, Any]:
    if os.geteuid() != 0:
        return {}
    from pgserver.utils import ensure_user_exists

    ensure_user_exists("pgserver")
    return {"user": "pgserver"}


def _pg(tool: str, *args: str, timeout: float = 60) -> str:
    from pgserver._commands import POSTGRES_BIN_PATH

    done = subprocess.run(
        [str(POSTGRES_BIN_PATH / tool), *args],
        capture_output=True,
        text=True,
        timeout=timeout,
        **_as_server_user(),
    )
    assert done.returncode == 0, f"{tool} {' '.join(args)}: {done.stderr}"
    return done.stdout


@dataclass
class Server:
    directory: Path
    port: int

    @property
    def data(self) -> Path:
        return self.directory / "data"

    def start(self) -> None:
        _pg("pg_ctl", "-D", str(self.data), "-l", str(self.directory / "log"), "-w", "start")

    def kill(self) -> None:
        """SIGKILL the postmaster and every backend, as a crashed node. (Backends outlive a
        killed postmaster until they notice, and go on answering on open connections.)"""
        postmaster = psutil.Process(int((self.data / "postmaster.pid").read_text().split()[0]))
        for process in [postmaster, *postmaster.children(recursive=True)]:
            with contextlib.suppress(psutil.NoSuchProcess):
                process.kill()

    def stop(self) -> None:
        with contextlib.suppress(AssertionError, FileNotFoundError):
            _pg("pg_ctl", "-D", str(self.data), "-m", "immediate", "-w", "stop", timeout=30)

    def promote(self) -> None:
        _pg("pg_ctl", "-D", str(self.data), "-w", "promote")


@dataclass
class Pair:
    primary: Server
    standby: Server

    @property
    def dsn(self) -> str:
        """Both hosts: a client connects to whichever accepts writes (libpq's syntax, which
        asyncpg follows)."""
        hosts = f"127.0.0.1:{self.primary.port},127.0.0.1:{self.standby.port}"
        return f"postgresql://postgres@{hosts}/postgres?target_session_attrs=read-write"

    def url(self, server: Server) -> str:
        return f"postgresql://postgres@127.0.0.1:{server.port}/postgres"


@contextlib.contextmanager
def primary_and_standby(directory: Path) -> Iterator[Pair]:
    owner = _as_server_user()
    primary = Server(directory / "primary", free_port())
    standby = Server(directory / "standby", free_port())
    for server in (primary, standby):
        server.directory.mkdir(parents=True)
        if owner:
            import pwd

            from pgserver.utils import ensure_prefix_permissions

            ensure_prefix_permissions(server.directory)
            entry = pwd.getpwnam(owner["user"])
            os.chown(server.directory, entry.pw_uid, entry.pw_gid)
    _pg("initdb", "-D", str(primary.data), "--auth=trust", "-U", "postgres", "--encoding=utf8")
    with (primary.data / "postgresql.conf").open("a") as conf:
        conf.write(SETTINGS.format(port=primary.port, directory=primary.directory))
    pair = Pair(primary, standby)
    try:
        primary.start()
        _pg(
            "pg_basebackup", "-h", "127.0.0.1", "-p", str(primary.port), "-U", "postgres",
            "-D", str(standby.data), "--wal-method=stream", "--write-recovery-conf",
        )  # fmt: skip
        with (standby.data / "postgresql.auto.conf").open("a") as conf:
            conf.write(
                f"primary_conninfo = 'host=127.0.0.1 port={primary.port} user=postgres"
                " application_name=standby'\n"
                f"port = {standby.port}\nunix_socket_directories = '{standby.directory}'\n"
                # Promoted, it has no standby of its own to wait for.
                "synchronous_standby_names = ''\n"
            )
        standby.start()
        yield pair
    finally:
        standby.stop()
        primary.stop()
