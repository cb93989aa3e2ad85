"""Servers a test may break: a NATS server of its own, and a cuttable path to PostgreSQL."""

from __future__ import annotations

import asyncio
import contextlib
import signal
import time
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import parse_qs, urlsplit, urlunsplit

import nats
from nats.aio.client import Client as NATS

from redress.kit.embedded import EmbeddedNats


def _stopped(task: Path) -> bool:
    """Whether a thread is stopped (state T), from /proc/<pid>/task/<tid>/stat."""
    try:
        stat = (task / "stat").read_text()
    except FileNotFoundError:  # the thread ended meanwhile
        return True
    return stat.rpartition(")")[2].split()[0] in ("T", "t")


@dataclass
class OwnNats:
    """A nats-server for one test, which it may stop, kill and start again on its store."""

    server: EmbeddedNats

    @property
    def url(self) -> str:
        return self.server.url

    def pause(self) -> None:
        """SIGSTOP, returning once every thread of the server has stopped: the signal is
        delivered asynchronously (in a sandboxed kernel, after the server had answered one
        more request), and a test that asks right after must find it silent."""
        assert self.server.process is not None
        self.server.process.send_signal(signal.SIGSTOP)
        tasks = Path(f"/proc/{self.server.process.pid}/task")
        deadline = time.monotonic() + 10
        while not all(_stopped(task) for task in tasks.iterdir()):
            if time.monotonic() > deadline:
                raise AssertionError("nats-server did not stop within 10 s of SIGSTOP")
            time.sleep(0.001)  # the interval of the check, as wait_until's

    def carry_on(self) -> None:
        assert self.server.process is not None
        self.server.process.send_signal(signal.SIGCONT)

    def kill_and_restart(self) -> None:
        """SIGKILL (a paused server too), then start again on the same port and store."""
        self.server.kill()
        self.server.start()

    async def connect(self) -> NATS:
        # Reconnects quickly and for ever, as the platform's own connections do.
        return await nats.connect(
            self.url, max_reconnect_attempts=-1, reconnect_time_wait=0.2, connect_timeout=2
        )


@contextlib.asynccontextmanager
async def own_nats(directory: Path) -> AsyncIterator[OwnNats]:
    server = EmbeddedNats(directory)
    server.start()
    try:
        yield OwnNats(server)
    finally:
        with contextlib.suppress(Exception):
            server.process.send_signal(signal.SIGCONT)  # type: ignore[union-attr]
        server.stop()


@dataclass
class PgPath:
    """A TCP hop between clients and PostgreSQL that a test can cut and mend.

    Cut, it resets every connection through it and refuses new ones, as a restarting
    server does; frozen, it keeps every connection and takes new ones but passes no byte on,
    as a SIGSTOPped server does. The server behind it stays up for the test's own connections.
    """

    dsn: str
    server: asyncio.Server | None = None
    links: set[asyncio.StreamWriter] = field(default_factory=set)
    port: int = 0
    flowing: asyncio.Event = field(default_factory=asyncio.Event)

    def __post_init__(self) -> None:
        self.flowing.set()

    def freeze(self) -> None:
        self.flowing.clear()

    def thaw(self) -> None:
        self.flowing.set()

    @property
    def url(self) -> str:
        parts = urlsplit(self.dsn)
        user = parts.username or "postgres"
        password = f":{parts.password}" if parts.password else ""
        return urlunsplit(
            parts._replace(netloc=f"{user}{password}@127.0.0.1:{self.port}", query="")
        )

    def _target(self) -> tuple[str | None, int | None, str | None]:
        parts = urlsplit(self.dsn)
        host = parse_qs(parts.query).get("host", [parts.hostname or "127.0.0.1"])[0]
        port = parts.port or 5432
        if host.startswith("/"):
            return None, None, f"{host}/.s.PGSQL.{port}"
        return host, port, None

    async def open(self) -> None:
        if self.server is not None:
            return
        self.server = await asyncio.start_server(self._link, "127.0.0.1", self.port)
        self.port = self.server.sockets[0].getsockname()[1]

    async def cut(self) -> None:
        if self.server is not None:
            self.server.close()
            await self.server.wait_closed()
            self.server = None
        for writer in list(self.links):
            writer.transport.abort()
        self.links.clear()

    async def _link(self, client_r: asyncio.StreamReader, client_w: asyncio.StreamWriter) -> None:
        host, port, path = self._target()
        if path is not None:
            server_r, server_w = await asyncio.open_unix_connection(path)
        else:
            server_r, server_w = await asyncio.open_connection(host, port)
        self.links |= {client_w, server_w}
        await asyncio.gather(
            _pipe(client_r, server_w, self.flowing), _pipe(server_r, client_w, self.flowing)
        )


async def _pipe(
    reader: asyncio.StreamReader, writer: asyncio.StreamWriter, flowing: asyncio.Event
) -> None:
    try:
        while data := await reader.read(65536):
            await flowing.wait()
            writer.write(data)
            await writer.drain()
    except (ConnectionError, OSError):
        pass
    finally:
        writer.transport.abort()


@contextlib.asynccontextmanager
async def pg_path(dsn: str) -> AsyncIterator[PgPath]:
    path = PgPath(dsn)
    await path.open()
    try:
        yield path
    finally:
        await path.cut()
