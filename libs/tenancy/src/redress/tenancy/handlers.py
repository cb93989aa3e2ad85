"""Tenant commands, transport-free: load the tenant stream, fold, decide, append.

The API, the admin pages and the command line all call these; none of them writes a
tenant event itself.
"""

from __future__ import annotations

from dataclasses import dataclass

from redress.events.envelope import EventData, Metadata
from redress.events.errors import ConcurrencyError
from redress.events.ids import derived_stream
from redress.events.store import Conn, EventStore
from redress.tenancy.domain import Command, Tenant, decide, evolve, fold

# Two admins may change the same tenant at once: read again and decide again (ADR 0006)
# rather than answer a conflict the admin can do nothing about.
ATTEMPTS = 5


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


async def execute(store: EventStore, slug: str, command: Command, metadata: Metadata) -> Outcome:
    """Decide `command` on the tenant's current state and record what it decided."""
    if metadata.tenant != slug:
        raise ValueError("a tenant's events are recorded under its own slug")
    stream = tenant_stream(slug)
    for attempt in range(1, ATTEMPTS + 1):
        state, version = await load(store, slug)
        new = decide(command, state)
        if not new:
            return Outcome(state, [], stream, version)
        try:
            done = await store.append(stream, new, version, metadata)
        except ConcurrencyError:
            if attempt == ATTEMPTS:
                raise
            continue
        for event in new:
            state = evolve(state, event)
        return Outcome(state, new, stream, done.version)
    raise AssertionError("unreachable")  # pragma: no cover
