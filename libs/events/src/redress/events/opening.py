"""Opening many streams in one statement: a policy's reactions to a batch that start streams.

A policy that creates streams (cases' opening a case for each grievance) may append to them
in its batch's transaction, since nobody can write to a stream before it exists (ADR 0006).
`open_streams` writes the first events of every stream of a batch at once: each stream that
already has events is left as it is, as `EventStore.append` at version 0 would refuse it (a
replay, whose reaction is recorded); the others are written in the order given, each
stream's events in version order, so that the log delivers them as separate appends would.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from redress.events.envelope import EventData, Metadata, stream_type_of
from redress.events.ids import new_id
from redress.events.store import Conn, EventStore, trace_carrier

_OPEN = """
INSERT INTO eventlog.events (id, stream, version, type, schemaversion, tenant, data, metadata)
SELECT e.id, e.stream, e.version, e.type, e.sv, e.tenant, e.data, e.metadata
FROM unnest($1::uuid[], $2::text[], $3::int[], $4::text[], $5::int[], $6::text[], $7::jsonb[],
            $8::jsonb[]) WITH ORDINALITY AS e(id, stream, version, type, sv, tenant, data,
                                              metadata, ord)
WHERE NOT EXISTS (SELECT FROM eventlog.events x WHERE x.stream = e.stream)
ORDER BY e.ord
RETURNING stream
"""


@dataclass(frozen=True)
class NewStream:
    stream: str
    events: Sequence[EventData]
    metadata: Metadata


async def open_streams(store: EventStore, conn: Conn, opened: Sequence[NewStream]) -> set[str]:
    """Write the first events of each stream that has none, in one statement on `conn` (in
    the caller's transaction); return the streams written. A stream named twice is written
    once, as the first names it."""
    rows: list[tuple[object, ...]] = []
    seen: set[str] = set()
    carrier = trace_carrier()
    for new in opened:
        if new.stream in seen:
            continue
        seen.add(new.stream)
        if not new.events:
            raise ValueError("nothing to append")
        kind = stream_type_of(new.stream)
        meta = new.metadata
        if meta.traceparent is None:
            meta = meta.model_copy(update={"traceparent": carrier})
        metadata = meta.model_dump_json(exclude={"tenant"})
        for version, data in enumerate(new.events, 1):
            if data.stream_type != kind:
                raise ValueError(f"{data.type} does not belong in a {kind} stream")
            rows.append((new_id(), new.stream, version, data.type, data.schemaversion,
                         meta.tenant, data.model_dump_json(), metadata))  # fmt: skip
    if not rows:
        return set()
    # A stream opened meanwhile by a transaction that commits while this one runs fails the
    # statement (a unique violation), and with it the batch: the runner tries it again.
    written = await conn.fetch(_OPEN, *(list(c) for c in zip(*rows, strict=True)))
    if written:
        store.appended(conn)
    return {r["stream"] for r in written}
