"""What a service's runners tell the service's other processes, by PostgreSQL NOTIFY.

One process of a service runs its runners (ADR 0036); any process may answer a command and
then wait until a view has applied it. The runners announce, as each batch commits, the
stream versions it applied; the leading process announces its runners' states every second
(and at once when asked). Every process of the service listens on one connection, shared by
all its waiters, on a channel of the service's schema. Messages:

    applied <projection> <position>\\n{"<stream>": <version>, ...}
    status\\n[<a runner's state as /health shows it>, ...]
    ask

A message is at most 8000 bytes (PostgreSQL's limit): a large batch is announced in several.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import time
from collections.abc import Awaitable, Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass
from typing import Any

import asyncpg
import structlog

from redress.events.projection.versions import LIVE, Versions
from redress.events.recovery import working
from redress.events.store import Conn

log = structlog.get_logger("redress.announce")

_LIMIT = 7900  # bytes of one payload, under PostgreSQL's 8000
_TEXT = 300  # characters of an error or a reason carried in a state

# The listener of this process for each schema, while its service runs here.
LISTENING: dict[str, Listener] = {}


def channel(schema: str) -> str:
    return f"redress_runners_{schema}"


@dataclass(frozen=True)
class Applied:
    projection: str
    position: int
    versions: dict[str, int]


def applied_messages(projection: str, position: int, versions: Mapping[str, int]) -> list[str]:
    head = f"applied {projection} {position}\n"
    return [head + body for body in _packed(versions.items(), _LIMIT - len(head.encode()))]


def status_messages(statuses: Iterable[Mapping[str, object]]) -> list[str]:
    shortened = [
        {k: v[:_TEXT] if isinstance(v, str) else v for k, v in s.items()} for s in statuses
    ]
    return ["status\n" + body for body in _packed(shortened, _LIMIT - 7, as_list=True)]


def _packed(items: Iterable[Any], limit: int, *, as_list: bool = False) -> Iterator[str]:
    """JSON objects (or lists) of `items`, each encoded under `limit` bytes."""
    chunk: list[Any] = []
    size = 2
    for item in items:
        size_of = len(json.dumps(item if as_list else {item[0]: item[1]}).encode())
        if chunk and size + size_of > limit:
            yield _encoded(chunk, as_list)
            chunk, size = [], 2
        chunk.append(item)
        size += size_of
    if chunk:
        yield _encoded(chunk, as_list)


def _encoded(chunk: list[Any], as_list: bool) -> str:
    return json.dumps(chunk if as_list else dict(chunk), separators=(",", ":"))


def parse_applied(payload: str) -> Applied | None:
    if not payload.startswith("applied "):
        return None
    head, _, body = payload.partition("\n")
    _, projection, position = head.split(" ")
    return Applied(projection, int(position), json.loads(body))


async def tell(conn: Conn, schema: str, messages: list[str], timeout: float) -> None:
    """NOTIFY the service's processes, in one round trip. Within a transaction, they hear it
    when it commits, and not at all if it does not (a runner tells what its batch applied
    in the batch's transaction: one commit, which need not wait for the WAL's flush, where
    a NOTIFY of its own is a commit that does)."""
    await conn.execute(
        "SELECT pg_notify($1, m) FROM unnest($2::text[]) AS m",
        channel(schema),
        messages,
        timeout=timeout,
    )


class Listener:
    """This process's ear on its service's runners: one LISTEN connection, shared by every
    waiter of the process, for what the runners applied and how they are.

    `connect` opens a connection acting as the service's role (it reads the schema's
    applied versions once after every reconnect, for the waiters of the gap). `on_ask` is
    called when another process asks how the runners are, `on_told` when the leading one
    says.
    """

    def __init__(
        self,
        schema: str,
        connect: Callable[[], Awaitable[asyncpg.Connection]],
        *,
        io_timeout: float = 5.0,
        quiet_check: float = 5.0,
    ) -> None:
        self.schema = schema
        self.channel = channel(schema)
        self.connect = connect
        self.io_timeout = io_timeout
        self.quiet_check = quiet_check
        self.connected = False
        self.on_ask: Callable[[], None] | None = None
        self.on_told: Callable[[], None] | None = None
        self.positions: dict[str, int] = {}  # by projection name
        self.statuses: dict[str, dict[str, Any]] = {}  # by projection key, as last told
        self.told_at: float | None = None  # time.monotonic() of the last states heard
        self._versions: dict[str, Versions] = {}
        self._heard = asyncio.Event()

    def versions(self, projection: str) -> Versions:
        found = self._versions.get(projection)
        if found is None:
            found = self._versions[projection] = Versions()
        return found

    async def run(self) -> None:
        """Listen until cancelled; return (for the caller's supervisor) once the connection
        is lost. A connection that goes quiet is checked, so that a dead one is noticed."""
        conn = await self.connect()
        lost = asyncio.Event()

        def closed(_: object) -> None:
            lost.set()
            self._heard.set()

        conn.add_termination_listener(closed)
        try:
            await conn.add_listener(self.channel, self._on_message)
            self.connected = True
            await conn.execute("SELECT pg_notify($1, 'ask')", self.channel, timeout=self.io_timeout)
            await self._recheck(conn)
            working()  # listening again: its supervisor's word for an outage ends here
            while not lost.is_set():
                self._heard.clear()
                with contextlib.suppress(TimeoutError):
                    async with asyncio.timeout(self.quiet_check):
                        await self._heard.wait()
                if not self._heard.is_set() and not lost.is_set():
                    await conn.fetchval("SELECT 1", timeout=self.io_timeout)
            raise ConnectionError("the listening connection was closed")
        finally:
            self.connected = False
            with contextlib.suppress(Exception):
                await asyncio.wait_for(conn.close(timeout=self.io_timeout), self.io_timeout)
            if not conn.is_closed():
                conn.terminate()

    async def _recheck(self, conn: asyncpg.Connection) -> None:
        """What was applied while nobody here listened, for those who wait on it."""
        for projection, versions in self._versions.items():
            if streams := versions.awaited():
                rows = await conn.fetch(
                    f"""SELECT stream, version FROM {self.schema}.applied_versions
                        WHERE projection = $1 AND stream = ANY($2::text[])""",
                    projection,
                    streams,
                    timeout=self.io_timeout,
                )
                versions.record({r["stream"]: r["version"] for r in rows})

    def _on_message(self, _conn: Any, _pid: int, _channel: str, payload: object) -> None:
        self._heard.set()
        try:
            self.heard(str(payload))
        except (ValueError, TypeError, KeyError) as exc:
            log.warning("unreadable announcement", schema=self.schema, error=str(exc))

    def heard(self, payload: str) -> None:
        if payload == "ask":
            if self.on_ask is not None:
                self.on_ask()
        elif payload.startswith("status\n"):
            for status in json.loads(payload[7:]):
                self.statuses[str(status["projection"])] = status
            self.told_at = time.monotonic()
            if self.on_told is not None:
                self.on_told()
        elif payload.startswith("applied "):
            head, _, body = payload.partition("\n")
            _, name, position = head.split(" ")
            self.positions[name] = max(self.positions.get(name, 0), int(position))
            versions = self.versions(name)
            if f"{self.schema}.{name}" not in LIVE:
                versions.record(json.loads(body))
            elif versions.awaited():
                # The runner here remembers its own batches; only who began waiting before
                # it started here is left to wake.
                versions.record(json.loads(body), remember=False)
