"""What the store reads: a stream's events, several streams' at once, and the log in its
safe order, `(tx_id, position)` below the oldest running transaction (the relay's page of it
already in CloudEvents' JSON format); and a row of the log made an event again.

The functions here read on a connection the caller holds; `redress.events.store.EventStore`
reads through its pool with the same queries.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from uuid import UUID

import asyncpg
from asyncpg.pool import PoolConnectionProxy

from redress.events import catalogue
from redress.events.envelope import Actor, Event

# A connection of one's own or one borrowed from a pool: both take the same queries.
Conn = asyncpg.Connection | PoolConnectionProxy

COLUMNS = "position, tx_id::text::bigint AS tx_id, id, stream, version, type, schemaversion, "
COLUMNS += "tenant, time, data, metadata"

STREAM_VERSION = "SELECT coalesce(max(version), 0) FROM eventlog.events WHERE stream = $1"
READ_STREAM = f"""
SELECT {COLUMNS} FROM eventlog.events
WHERE stream = $1 AND version > $2 ORDER BY version
"""

READ_HEAD_AND_AFTER = f"""
SELECT {COLUMNS} FROM eventlog.events
WHERE stream = $1 AND (version = 1 OR version > $2) ORDER BY version
"""

READ_STREAMS = f"""
SELECT {COLUMNS} FROM eventlog.events
WHERE stream = ANY($1::text[]) AND ($2::text[] IS NULL OR type = ANY($2::text[]))
ORDER BY stream, version
"""

READ_LOG = f"""
SELECT {COLUMNS} FROM eventlog.events
WHERE (tx_id, position) > ($1::text::xid8, $2::bigint)
  AND tx_id < pg_snapshot_xmin(pg_current_snapshot())
ORDER BY tx_id, position
LIMIT $3
"""

# The relay's read: each event already in CloudEvents' JSON format (ADR 0021), written by
# PostgreSQL, so that the relay parses and writes no JSON. Absent correlation and causation
# ids are left out rather than null, as the format asks of optional attributes.
READ_LOG_FOR_RELAY = """
SELECT h.held_back, p.*
FROM (SELECT coalesce(
        (SELECT tx_id FROM eventlog.events ORDER BY tx_id DESC LIMIT 1)
          >= pg_snapshot_xmin(pg_current_snapshot()),
        false) AS held_back) AS h
LEFT JOIN LATERAL (
  SELECT position, tx_id::text AS txid, id::text AS id, stream, type,
         metadata ->> 'traceparent' AS traceparent,
         (jsonb_build_object(
              'specversion', '1.0', 'id', id, 'source', 'redress', 'type', type,
              'datacontenttype', 'application/json', 'time', time,
              'schemaversion', schemaversion, 'stream', stream, 'version', version,
              'tenant', tenant, 'actor', metadata -> 'actor', 'position', position,
              'txid', tx_id::text::bigint, 'data', data)
          || jsonb_strip_nulls(jsonb_build_object(
              'correlationid', metadata -> 'correlationid',
              'causationid', metadata -> 'causationid'))
         )::text AS envelope
  FROM eventlog.events
  WHERE (tx_id, position) > ($1::text::xid8, $2::bigint)
    AND tx_id < pg_snapshot_xmin(pg_current_snapshot())
  ORDER BY tx_id, position
  LIMIT $3
) AS p ON true
ORDER BY p.txid::xid8, p.position
"""


@dataclass(frozen=True)
class RelayPage:
    """A page of the log as the relay publishes it, and whether running transactions still
    keep rows from readers (`held_back`), seen in the same snapshot: one round trip where
    an empty page and the question took two."""

    rows: list[asyncpg.Record]
    held_back: bool


@dataclass(frozen=True, order=True)
class LogCursor:
    """A place in the log's safe order: after this transaction id and position."""

    tx_id: int = 0
    position: int = 0


def row_to_event(row: asyncpg.Record) -> Event:
    meta = json.loads(row["metadata"])
    correlation, causation = meta.get("correlationid"), meta.get("causationid")
    return Event(
        id=row["id"],
        type=row["type"],
        schemaversion=row["schemaversion"],
        stream=row["stream"],
        version=row["version"],
        position=row["position"],
        tx_id=row["tx_id"],
        tenant=row["tenant"],
        time=row["time"],
        data=catalogue.load_json(row["type"], row["schemaversion"], row["data"]),
        actor=Actor.model_validate(meta["actor"]),
        correlationid=UUID(correlation) if correlation else None,
        causationid=UUID(causation) if causation else None,
        traceparent=meta.get("traceparent"),
    )


async def read_stream_on(conn: Conn, stream: str, after_version: int = 0) -> list[Event]:
    """A stream's events after `after_version`, read on a connection the caller holds."""
    return [row_to_event(r) for r in await conn.fetch(READ_STREAM, stream, after_version)]


async def stream_version_on(conn: Conn, stream: str) -> int:
    """The stream's version (0: no such stream), read on a connection the caller holds."""
    return int(await conn.fetchval(STREAM_VERSION, stream))


async def read_head_and_after(conn: Conn, stream: str, after_version: int) -> list[Event]:
    """A stream's first event and those after `after_version`: what a reader that keeps a
    stream's state checks its copy against (the first event's id tells this database's
    stream from another's of the same name) and brings it up to date with."""
    return [row_to_event(r) for r in await conn.fetch(READ_HEAD_AND_AFTER, stream, after_version)]


async def read_streams_on(
    conn: Conn, streams: Sequence[str], types: Sequence[str] | None = None
) -> dict[str, list[Event]]:
    """Several streams' events (those of `types`, when named), each stream's in version
    order, in one query: what a policy deciding for a batch reads of the streams it names."""
    found: dict[str, list[Event]] = {s: [] for s in streams}
    for row in await conn.fetch(READ_STREAMS, list(found), None if types is None else list(types)):
        found[row["stream"]].append(row_to_event(row))
    return found
