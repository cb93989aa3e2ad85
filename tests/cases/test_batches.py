"""A batch, set-based, writes what its events applied one at a time write, whatever its size.

The projections of cases and intake write each batch with a statement per table (and per
round of one kind of event, at most one per case): a case opened, triaged, assigned and closed
within one batch must leave the rows that applying each event alone leaves. The rebuild
test's workload writes a realistic log (every step of a case, a worker's messages and
erasure, corrections, referral milestones, remedies, systemic issues); each projection is
applied to it one event at a time, in batches of 7 and in one batch, and every table is
compared with the live one.
"""

from __future__ import annotations

from typing import Any

from redress.cases.mail_alerts import MailAlerts
from redress.cases.policies import OpenCases
from redress.events.catalogue.grievance import (
    Category,
    Channel,
    Consent,
    GrievanceSubmitted,
    Sealed,
    WithdrawalRequested,
)
from redress.events.envelope import Actor, Event, Metadata
from redress.events.ids import new_id
from redress.events.projection import Policy, Projection, reset
from redress.events.store import LogCursor, read_stream_on
from redress.intake.texting import Texting
from tests.cases.test_rebuild import (
    Workload,
    published_all,
    snapshot,
    stop_live_runners,
)
from tests.events.helpers import wait_until
from tests.intake.conftest import TENANT


async def log_of(system, projection: Projection, after: LogCursor | None = None) -> list[Event]:
    """The events the projection's runner is given, in the order it is given them."""
    reads = projection.reads()
    return [e async for e in system.store.read_log(after or LogCursor()) if e.type in reads]


async def applied(system, projection: Projection, events: list[Event], size: int) -> dict:
    """The projection's tables after applying `events` from nothing in batches of `size`."""
    async with system.pool.acquire() as conn, conn.transaction():
        await reset(conn, projection)
        if isinstance(projection, MailAlerts | Texting):
            await conn.execute(f"DELETE FROM {OUTBOXES[type(projection)][0]}")
    for start in range(0, len(events), size):
        batch = events[start : start + size]
        async with system.pool.acquire() as conn, conn.transaction():
            await conn.execute(f"SET LOCAL search_path TO {projection.schema}")
            if size == 1:
                await projection.apply(conn, batch[0])
            else:
                await projection.apply_batch(conn, batch)
    return await tables_of(system, projection)


async def tables_of(system, projection: Projection) -> dict[str, Any]:
    tables = await snapshot(system.pool, projection)
    del tables["applied_versions"]  # the runner's, not the projection's
    if type(projection) in OUTBOXES:  # its outbox, as it queues them (not as sent)
        table, columns = OUTBOXES[type(projection)]
        rows = await system.pool.fetch(f"SELECT {columns} FROM {table}")
        tables[table] = sorted(map(tuple, rows))
    return tables


# The outboxes of projections that write no table of their own, and what they write there.
OUTBOXES: dict[type, tuple[str, str]] = {
    MailAlerts: ("cases.mail_alerts", "alert_id, tenant, kind, case_id, stage, due_on"),
    Texting: ("intake.texts", "text_id, tenant, grievance_id, kind, params"),
}


async def test_every_batch_size_writes_the_rows_of_one_event_at_a_time(platform):
    system = platform.system
    await Workload(platform).run()
    await stop_live_runners(platform)
    apps = (platform.intake_app, platform.cases_app)
    count = await system.pool.fetchval("SELECT count(*) FROM eventlog.events")
    compared = set()
    for projection in [r.projection for app in apps for r in app.state.runtime.runners]:
        if isinstance(projection, Policy):
            projection.store = system.store
        live = await tables_of(system, projection)
        events = await log_of(system, projection)
        if not events:
            continue  # nothing of the workload is the projection's (audits, texts)
        compared.add(projection.key)
        for size in (1, 7, len(events)):
            assert await applied(system, projection, events, size) == live, (projection.key, size)
    assert {"cases.views", "cases.open_cases", "cases.supply_chain", "cases.alerts",
            "cases.mail_alerts", "intake.grievances", "intake.texting"} <= compared  # fmt: skip
    # The policies found every case opened and every reaction made: they appended nothing.
    assert await system.pool.fetchval("SELECT count(*) FROM eventlog.events") == count


async def test_a_batch_of_filings_opens_each_case_as_its_filing_alone_would(platform):
    """The policy opens a batch's cases in one statement: the same events, in the same order,
    as opening each in turn; a withdrawal in the batch still ends its case (ADR 29)."""
    system = platform.system
    await wait_until(lambda: published_all(system))
    await stop_live_runners(platform)
    after = await last_cursor(system)
    worker = Metadata(tenant=TENANT, actor=Actor(id="worker", role="worker"))
    for n, site in enumerate(["dhaka-1", None, "pp-2", "dhaka-1", "nowhere"]):
        grievance_id = str(new_id())
        filed = GrievanceSubmitted(
            grievance_id=grievance_id, channel=Channel.web, language="bn", country="BD",
            category=Category.other, consent=Consent(), receipt_reference=f"R-TEST-{n:04d}",
            receipt_hash="x", filed_digest="0" * 64, site_id=site,
            personal=Sealed(key_id="unused", ciphertext="unused"),
        )  # fmt: skip
        withdrawn = [WithdrawalRequested(grievance_id=grievance_id)] if n == 3 else []
        await system.store.append(f"grievance-{grievance_id}", [filed, *withdrawn], 0, worker)
    policy = OpenCases()
    policy.store = system.store
    # Readable once every older transaction of the server has ended (the log's safe order).
    await wait_until(lambda: readable(system, policy, after, 6))
    events = await log_of(system, policy, after)
    one_by_one = await appended_by(system, policy, events, batch=False)
    at_once = await appended_by(system, policy, events, batch=True)
    assert at_once == one_by_one
    types = [t for _, t, *_ in at_once]
    assert (types.count("CaseOpened"), types.count("CaseRejected")) == (5, 1)
    assert len({stream for stream, *_ in at_once}) == 5


async def appended_by(
    system, policy: Policy, events: list[Event], batch: bool, schema: str = "cases"
) -> list[Any]:
    """What the policy (of the service whose schema is `schema`) appends for `events`, in log
    order, applied one by one or as a batch; rolled back afterwards."""
    async with system.pool.acquire() as conn:
        transaction = conn.transaction()
        await transaction.start()
        try:
            await conn.execute(f"SET LOCAL search_path TO {schema}")
            if batch:
                await policy.apply_batch(conn, events)
            else:
                for event in events:
                    await policy.apply(conn, event)
            rows = await conn.fetch(
                "SELECT stream FROM eventlog.events WHERE tx_id = pg_current_xact_id() "
                "ORDER BY position"
            )
            streams = list(dict.fromkeys(r["stream"] for r in rows))
            written = [e for s in streams for e in await read_stream_on(conn, s)]
        finally:
            await transaction.rollback()
    written.sort(key=lambda e: e.position)
    return [(e.stream, e.type, e.version, e.data, e.tenant, e.actor, e.causationid,
             e.correlationid) for e in written]  # fmt: skip


async def readable(system, policy: OpenCases, after: LogCursor, count: int) -> bool:
    return len(await log_of(system, policy, after)) == count


async def last_cursor(system) -> LogCursor:
    row = await system.pool.fetchrow(
        "SELECT tx_id::text::bigint AS tx_id, position FROM eventlog.events "
        "ORDER BY tx_id DESC, position DESC LIMIT 1"
    )
    return LogCursor(row["tx_id"], row["position"])
