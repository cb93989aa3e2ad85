"""The metrics projections over the generated tenant: rebuilt, they hold what the live
runners wrote; a worker's erasure changes no figure; no table holds anything of a person."""

from __future__ import annotations

import subprocess
import time
from typing import Any

import asyncpg
import pytest

from redress.events.application import Within, execute
from redress.events.catalogue.grievance import ErasureReason
from redress.events.envelope import Actor, Event, EventData, Metadata
from redress.events.projection import ProjectionRunner, rebuild_beside
from redress.intake.context import build
from redress.intake.domain import GRIEVANCE
from redress.intake.erasure import erase
from redress.intake.filing import grievance_stream
from redress.metrics import figures, ledger
from redress.synth.run import CANARY, PHONES
from tests.intake.test_privacy import pg_dump_binary
from tests.metrics.conftest import TENANT, TIMEOUT
from tests.metrics.test_figures import periods

pytestmark = pytest.mark.timeout(TIMEOUT)


async def snapshot(pool: asyncpg.Pool, projection: Any) -> dict[str, list[tuple[Any, ...]]]:
    tables = {}
    async with pool.acquire() as conn:
        for table in projection.tables:
            rows = await conn.fetch(f"SELECT * FROM {projection.schema}.{table}")
            tables[table] = sorted((tuple(r) for r in rows), key=repr)
    return tables


async def test_rebuilding_each_metrics_projection_gives_the_rows_the_live_runner_wrote(generated):
    """Beside the live tables as `redress replay` does (by the service's own role), then in
    place as `--offline` does: every row of every table is the same."""
    total = await generated.pool.fetchval("SELECT count(*) FROM eventlog.events")
    as_service = await asyncpg.create_pool(
        generated.dsn, min_size=1, max_size=4, server_settings={"role": "redress_metrics"}
    )
    try:
        for projection in generated.projections():
            live = await snapshot(generated.pool, projection)
            assert all(live.values()), (projection.key, {t: len(r) for t, r in live.items()})
            began = time.perf_counter()
            end = await rebuild_beside(projection, as_service, generated.js, generated.bus)
            rate = total / (time.perf_counter() - began)
            print(f"\n{projection.key}: rebuilt beside at {rate:,.0f} events/s")
            assert end == total, projection.key
            assert await snapshot(generated.pool, projection) == live, projection.key
            runner = ProjectionRunner(projection, generated.pool, generated.js, generated.bus)
            assert await runner.replay() == total
            assert await snapshot(generated.pool, projection) == live, projection.key
    finally:
        await as_service.close()


async def test_a_workers_erasure_leaves_every_figure_unchanged(generated):
    async with generated.pool.acquire() as conn:
        before = await ledger.read(conn, TENANT)
    years = [p for p in periods() if p.kind == "year"]
    every = [figures.compute(before, p) for p in years]
    # A case closed with a score, one still open, one raised on a callback.
    chosen = {g.grievance_id: g for g in generated.recorded.grievances if g.steps[-1].kind
              in ("satisfaction", "advance") or g.channel == "callback"}  # fmt: skip
    erased = [gid for gid, g in list(chosen.items())[:30]]
    intake = build(generated.settings)
    for gid in erased:
        stream, within = grievance_stream(gid), Within()

        async def decide(
            history: list[Event], within: Within = within, gid: str = gid, stream: str = stream
        ) -> list[EventData]:
            assert within.conn is not None
            state = GRIEVANCE.fold(stream, history)
            reason = ErasureReason.worker_request
            return await erase(within.conn, intake.keyring, gid, state, reason)

        worker = Metadata(tenant=TENANT, actor=Actor(id="worker", role="worker"))
        await execute(generated.store, stream, decide, worker, transaction=within)
    erasures = await generated.pool.fetchval(
        "SELECT count(*) FROM eventlog.events WHERE type = 'PersonalDataErased'"
    )
    assert erasures >= len(erased) > 0
    await publish_all(generated)
    await generated.caught_up()
    async with generated.pool.acquire() as conn:
        after = await ledger.read(conn, TENANT)
    # The rows the figures of every period are computed from are the same, and so are the
    # figures (computed purely from them).
    assert after == before
    assert [figures.compute(after, p) for p in years] == every


async def publish_all(generated) -> None:
    from redress.events.relay import Relay
    from tests.events.helpers import running, wait_until
    from tests.metrics.conftest import published

    total = await generated.pool.fetchval("SELECT count(*) FROM eventlog.events")
    relay = Relay(generated.dsn, generated.js, generated.bus, poll_interval=0.05)
    async with running(relay.run()):
        await wait_until(lambda: published(generated.js, generated.bus, total), timeout=60)


def dump(dsn: str, schema: str) -> bytes:
    found = subprocess.run(
        [pg_dump_binary(), "--dbname", dsn, "--schema", schema, "--data-only"],
        capture_output=True, check=True,
    )  # fmt: skip
    return found.stdout


async def test_no_metrics_table_holds_a_narrative_name_contact_or_receipt(generated):
    metrics = dump(generated.dsn, "metrics")
    receipts = generated.recorded.receipts
    assert len(receipts) >= len(generated.recorded.grievances) - 1
    # The dump holds the figures' rows (the search would find what is there) ...
    some = generated.recorded.grievances[0].grievance_id
    assert some.encode() in metrics and b"wages_and_benefits" in metrics
    # ... and intake's own dump holds the receipts the search looks for.
    assert receipts[0].encode() in dump(generated.dsn, "intake")
    for canary in (CANARY, PHONES, *receipts):
        assert canary.encode() not in metrics, canary
    tables = [t for p in generated.projections() for t in p.tables]
    columns = await generated.pool.fetch(
        "SELECT table_name, column_name FROM information_schema.columns "
        "WHERE table_schema = 'metrics' AND table_name = any($1::text[])",
        tables,
    )
    assert len({c["table_name"] for c in columns}) == len(tables)
    words = ("narrative", "name", "contact", "phone", "receipt", "text", "personal", "sealed")
    assert not [tuple(c) for c in columns if any(w in c["column_name"] for w in words)]
