"""Tenant commands, transport-free: load the tenant stream, fold, decide, append.

The API, the admin pages and the command line all call these; none of them writes a
tenant event itself.
"""

from __future__ import annotations

from dataclasses import dataclass

from redress.events.application import execute as record
from redress.events.envelope import EventData, Metadata
from redress.events.ids import derived_stream
from redress.events.store import Conn, EventStore, read_stream_on
from redress.tenancy.domain import Command, Tenant, decide, evolve, fold


@dataclass(frozen=True)
class Outcome:
    state: Tenant
    recorded: list[EventData]
    stream: str
    version: int


def tenant_stream(slug: str) -> str:
    return derived_stream("tenant", slug)


async def load(store: EventStore, slug: str, conn: Conn | None = None) -> tuple[Tenant, int]:
    """The tenant as its stream tells it, and the stream's version (read on `conn` if given)."""
    events = await store.read_stream(tenant_stream(slug), conn=conn)
    return fold(slug, (e.data for e in events)), len(events)


async def read_tenant(conn: Conn, slug: str) -> Tenant:
    """The tenant as its stream tells it now, read on `conn`.

    What commands and pages need of a tenant (its name, sites, time frames) is read here, on
    the log, never in a read model: a rebuild in place empties those for a while, and a
    command that read one then would fail, or record a wrong date for good (ADR 18).
    """
    return fold(slug, (e.data for e in await read_stream_on(conn, tenant_stream(slug))))


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
