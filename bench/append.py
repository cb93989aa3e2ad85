"""Append throughput: our EventStore against a raw asyncpg INSERT and eventsourcing's recorder.

Every contender starts from its natural input, built before the clock starts: ours from
catalogue models (serialising them is part of its job), raw from the same JSON text, the
peer from StoredEvent objects holding the same JSON bytes.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from typing import Any
from uuid import uuid4

import asyncpg
from eventsourcing.persistence import StoredEvent
from eventsourcing.postgres import PostgresApplicationRecorder, PostgresDatastore

from bench.servers import fresh_database, libpq_params
from bench.workload import (
    META,
    META_JSON,
    POOL_SIZE,
    Cell,
    Samples,
    case_opened,
    rate,
    timed_tasks,
    timed_threads,
)
from redress.events.catalogue.case import CaseOpened
from redress.events.ids import new_id, new_stream
from redress.events.store import EventStore
from redress.kit.runtime import open_pool
from redress.kit.settings import Settings

TOPIC = "redress.events.catalogue.case:CaseOpened"

# eventlog.events without its triggers and its (tx_id, position) index: just the columns
# and the unique constraints any event table needs.
_RAW_TABLE = """
CREATE TABLE raw_events (
    position      bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    tx_id         xid8 NOT NULL DEFAULT pg_current_xact_id(),
    id            uuid NOT NULL UNIQUE,
    stream        text NOT NULL,
    version       integer NOT NULL,
    type          text NOT NULL,
    schemaversion integer NOT NULL DEFAULT 1,
    tenant        text NOT NULL,
    time          timestamptz NOT NULL DEFAULT now(),
    data          jsonb NOT NULL,
    metadata      jsonb NOT NULL,
    UNIQUE (stream, version)
)
"""

# One autocommit INSERT per single-event command.
_RAW_ONE = """
INSERT INTO raw_events (id, stream, version, type, schemaversion, tenant, data, metadata)
VALUES ($1, $2, 1, 'CaseOpened', 1, $3, $4, $5)
"""

# A batch is the statement our store sends, minus its version check and RETURNING:
# one autocommit INSERT ... SELECT FROM unnest(), the fastest honest form we know.
_RAW_BATCH = """
INSERT INTO raw_events (id, stream, version, type, schemaversion, tenant, data, metadata)
SELECT e.id, $1, e.ord, 'CaseOpened', 1, $2, e.data, $3
FROM unnest($4::uuid[], $5::jsonb[]) WITH ORDINALITY AS e(id, data, ord)
"""


def _models(cell: Cell, appends: int) -> list[tuple[str, list[CaseOpened]]]:
    return [
        (new_stream("case"), [case_opened() for _ in range(cell.batch)]) for _ in range(appends)
    ]


async def ours_rate(dsn: str, cell: Cell) -> float:
    warm, jobs = _models(cell, cell.warmup), _models(cell, cell.appends)
    # The pool the services append through (deadlines, no reset query on release).
    pool = await open_pool(Settings(dev=True, database_url=dsn, _env_file=None), size=POOL_SIZE)
    try:
        store = EventStore(pool)

        async def one(job: tuple[str, list[CaseOpened]]) -> None:
            await store.append(job[0], job[1], 0, META)

        await timed_tasks(cell.writers, warm, one)
        return rate(cell.events, await timed_tasks(cell.writers, jobs, one))
    finally:
        await pool.close()


def _texts(cell: Cell, appends: int) -> list[tuple[str, list[str]]]:
    return [
        (new_stream("case"), [case_opened().model_dump_json() for _ in range(cell.batch)])
        for _ in range(appends)
    ]


async def raw_rate(dsn: str, cell: Cell) -> float:
    warm, jobs = _texts(cell, cell.warmup), _texts(cell, cell.appends)
    # These writers leave no session state behind, so a released connection needs no
    # reset: that spares the round trip asyncpg's default reset query costs on each release.
    async with asyncpg.create_pool(
        dsn, min_size=POOL_SIZE, max_size=POOL_SIZE, reset=_keep_session
    ) as pool:
        await pool.execute(_RAW_TABLE)

        async def one(job: tuple[str, list[str]]) -> None:
            stream, datas = job
            async with pool.acquire() as conn:
                if len(datas) == 1:
                    await conn.execute(_RAW_ONE, new_id(), stream, META.tenant, datas[0], META_JSON)
                else:
                    ids = [new_id() for _ in datas]
                    await conn.execute(_RAW_BATCH, stream, META.tenant, META_JSON, ids, datas)

        await timed_tasks(cell.writers, warm, one)
        return rate(cell.events, await timed_tasks(cell.writers, jobs, one))


async def _keep_session(conn: asyncpg.Connection) -> None:
    pass


def _stored(cell: Cell, appends: int) -> list[list[StoredEvent]]:
    def one_stream() -> list[StoredEvent]:
        originator = uuid4()
        return [
            StoredEvent(originator, v, TOPIC, case_opened().model_dump_json().encode())
            for v in range(1, cell.batch + 1)
        ]

    return [one_stream() for _ in range(appends)]


def peer_recorder(dsn: str) -> PostgresApplicationRecorder:
    """eventsourcing's standard recorder for an application, with a pool as large as ours."""
    datastore = PostgresDatastore(**libpq_params(dsn), pool_size=POOL_SIZE, max_overflow=0)
    recorder = PostgresApplicationRecorder(datastore)
    recorder.create_table()
    return recorder


async def peer_rate(dsn: str, cell: Cell) -> float:
    warm, jobs = _stored(cell, cell.warmup), _stored(cell, cell.appends)
    # psycopg is synchronous: the writers are threads, kept off the event loop.
    return await asyncio.to_thread(_peer_run, dsn, cell, warm, jobs)


def _peer_run(
    dsn: str, cell: Cell, warm: list[list[StoredEvent]], jobs: list[list[StoredEvent]]
) -> float:
    recorder = peer_recorder(dsn)
    insert: Callable[[list[StoredEvent]], Any] = recorder.insert_events
    try:
        # The pool opens lazily on first use; wait for all its connections before timing.
        recorder.datastore.pool.open(wait=True)
        timed_threads(cell.writers, warm, insert)
        return rate(cell.events, timed_threads(cell.writers, jobs, insert))
    finally:
        recorder.datastore.close()


CONTENDERS = {"ours": ours_rate, "raw": raw_rate, "eventsourcing": peer_rate}


async def measure(admin_url: str, cell: Cell, rounds: int) -> Samples:
    """Events/s of each contender for one cell, `rounds` times, each on a fresh database."""
    samples: Samples = {name: [] for name in CONTENDERS}
    for _ in range(rounds):
        for name, contender in CONTENDERS.items():
            async with fresh_database(admin_url) as dsn:
                samples[name].append(await contender(dsn, cell))
    return samples
