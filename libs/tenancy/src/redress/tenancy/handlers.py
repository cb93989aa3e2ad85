"""Tenant commands, transport-free: load the tenant stream, fold, decide, append.

The API, the admin pages and the command line all call these; none of them writes a
tenant event itself.
"""

from __future__ import annotations

from dataclasses import dataclass
from uuid import UUID

from redress.events.application import execute as record
from redress.events.envelope import EventData, Metadata
from redress.events.ids import derived_stream
from redress.events.store import Conn, EventStore, read_head_and_after, read_stream_on
from redress.tenancy.domain import Command, decide
from redress.tenancy.tenant import Tenant, evolve, fold


@dataclass(frozen=True)
class Outcome:
    state: Tenant
    recorded: list[EventData]
    stream: str
    version: int


def tenant_stream(slug: str) -> str:
    return derived_stream("tenant", slug)


@dataclass(frozen=True)
class _Known:
    first: UUID  # the id of the stream's first event: which database's tenant this is
    state: Tenant
    version: int


# Each tenant as this process last read it. Every request and command reads its tenant, and
# decoding the whole stream each time was a twentieth of a filing's cost; now a read decodes
# the stream's first event and any after the version known. The state is immutable, so one
# copy serves every reader.
_known: dict[str, _Known] = {}


async def _current(conn: Conn, slug: str) -> tuple[Tenant, int]:
    stream = tenant_stream(slug)
    known = _known.get(stream)
    events = await read_head_and_after(conn, stream, known.version if known else 0)
    if not events:
        _known.pop(stream, None)
        return Tenant(slug=slug), 0
    if known is not None and events[0].id == known.first:
        state, newer = known.state, [e for e in events if e.version > known.version]
    else:  # first read, or another database's tenant of the same name
        if known is not None:
            events = await read_stream_on(conn, stream)
        state, newer = Tenant(slug=slug), events
    for event in newer:
        state = evolve(state, event.data)
    version = newer[-1].version if newer else known.version if known else 0
    # Inside a transaction the events read may be its own, and not yet committed.
    if not conn.is_in_transaction():
        _known[stream] = _Known(events[0].id, state, version)
    return state, version


async def load(store: EventStore, slug: str, conn: Conn | None = None) -> tuple[Tenant, int]:
    """The tenant as its stream tells it, and the stream's version (read on `conn` if given)."""
    if conn is not None:
        return await _current(conn, slug)
    async with store.pool.acquire() as own:
        return await _current(own, slug)


def last_read(slug: str) -> Tenant | None:
    """The tenant as this process last read it, without asking the database: for a page
    saying the database cannot be reached, which still names the initiative."""
    known = _known.get(tenant_stream(slug))
    return known.state if known else None


async def read_tenant(conn: Conn, slug: str) -> Tenant:
    """The tenant as its stream tells it now, read on `conn`.

    What commands and pages need of a tenant (its name, sites, time frames) is read here, on
    the log, never in a read model: a rebuild in place empties those for a while, and a
    command that read one then would fail, or record a wrong date for good (ADR 18).
    """
    return (await _current(conn, slug))[0]


async def execute(store: EventStore, slug: str, command: Command, metadata: Metadata) -> Outcome:
    """Decide `command` on the tenant's current state and record what it decided.

    Two admins may change the same tenant at once: the application layer reads again and
    decides again (ADR 0006) rather than answer a conflict the admin can do nothing about.
    """
    if metadata.tenant != slug:
        raise ValueError("a tenant's events are recorded under its own slug")
    done = await record(
        store,
        tenant_stream(slug),
        lambda history: decide(command, fold(slug, (e.data for e in history))),
        metadata,
    )
    state = fold(slug, (e.data for e in done.history))
    for event in done.events:
        state = evolve(state, event)
    return Outcome(state, list(done.events), done.stream, done.version)
