"""The metrics projections follow an officer's correction of a grievance and count the
consequences decided for suppliers, on a real database: the rows hold the corrected
category, country, language, site and the site's members; the figures of a month count the
grievance there; a waived plan action leaves the member's actions; and the rows are the
same whether the events come one by one (live) or in one batch (a rebuild)."""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Any
from uuid import uuid4

import asyncpg
import pytest

from redress.events.catalogue.case import CaseOpened, GrievanceCorrected, PlanActionAdded
from redress.events.catalogue.grievance import Category, Channel, GrievanceSubmitted
from redress.events.catalogue.remedy import PlanActionWaived
from redress.events.catalogue.supply_chain import Consequence, SupplierConsequenceDecided
from redress.events.catalogue.tenant import SiteRegistered, TenantRegistered
from redress.events.envelope import Actor, Event, EventData
from redress.metrics import figures, ledger
from redress.metrics.actions import Actions
from redress.metrics.app import service as metrics_service
from redress.metrics.callbacks import Callbacks
from redress.metrics.facts import Facts
from redress.metrics.tables import TOTAL, period_of
from tests.conftest import new_database

TENANT = "corrected-msi"
AT = datetime(2025, 3, 10, 9, tzinfo=UTC)


def event(position: int, stream: str, data: EventData) -> Event:
    return Event(id=uuid4(), type=data.type, schemaversion=1, stream=stream, version=position,
                 position=position, tx_id=position, tenant=TENANT, time=AT, data=data,
                 actor=Actor(id="officer-1", role="officer"))  # fmt: skip


def history() -> list[Event]:
    filed = GrievanceSubmitted.model_construct(
        grievance_id="g-1", channel=Channel.web, language="bn", country="BD", site_id="dhaka",
        category=Category.other, member_org=None, audit_id=None,
    )  # fmt: skip
    data: list[tuple[str, EventData]] = [
        ("tenant-x", TenantRegistered(name="Corrected MSI", time_zone="Asia/Dhaka")),
        ("tenant-x", SiteRegistered(site_id="dhaka", name="Dhaka", country="BD",
                                    member_orgs=("brand-a",), sector="garments", tier=1)),
        ("tenant-x", SiteRegistered(site_id="siem-reap", name="Siem Reap", country="KH",
                                    member_orgs=("brand-b", "brand-c"), sector="footwear",
                                    tier=2)),
        ("grievance-g-1", filed),
        ("case-1", CaseOpened.model_construct(case_id="case-1", grievance_id="g-1")),
        ("case-1", GrievanceCorrected(case_id="case-1", grievance_id="g-1",
                                      category="wages_and_benefits", country="KH",
                                      site_id="siem-reap", language="km",
                                      reason="filed under the wrong site")),
        ("supplier-1", SupplierConsequenceDecided(
            site_id="siem-reap", consequence=Consequence.corrective_action, reasons="wages",
            case_ids=("case-1",), steps=("pay",), decided_on=date(2025, 3, 12))),
        ("supplier-1", SupplierConsequenceDecided(
            site_id="siem-reap", consequence=Consequence.suspension, reasons="not paid",
            case_ids=("case-1",), steps=("pay",), decided_on=date(2025, 3, 20))),
    ]  # fmt: skip
    return [event(i, stream, d) for i, (stream, d) in enumerate(data, 1)]


async def rows(conn: asyncpg.Connection) -> dict[str, list[Any]]:
    tables = [*Facts.tables, *Callbacks.tables]
    return {t: sorted(map(tuple, await conn.fetch(f"SELECT * FROM metrics.{t}")), key=repr)
            for t in tables}  # fmt: skip


async def project(conn: asyncpg.Connection, batches: list[list[Event]]) -> None:
    for batch in batches:
        async with conn.transaction():
            await conn.execute("SET LOCAL search_path TO metrics")
            for projection in (Facts(), Callbacks()):
                mine = [e for e in batch if isinstance(e.data, projection.handles)]
                if mine:
                    await projection.apply_batch(conn, mine)


@pytest.fixture
async def conn(servers):
    dsn = await new_database(servers.database_url, [metrics_service.component])
    connection = await asyncpg.connect(dsn)
    yield connection
    await connection.close()


async def test_a_corrected_grievance_is_counted_as_corrected_live_and_rebuilt(conn):
    events = history()
    await project(conn, [[e] for e in events])  # live: one event at a time
    live = await rows(conn)
    async with conn.transaction():
        for table in live:
            await conn.execute(f"TRUNCATE metrics.{table}")
    await project(conn, [events])  # rebuilt: one batch
    assert await rows(conn) == live
    found = await ledger.read(conn, TENANT)
    [g] = found.grievances
    assert (g.category, g.country, g.language, g.site, g.sector, g.tier, g.members) == (
        "wages_and_benefits",
        "KH",
        "km",
        "siem-reap",
        "footwear",
        2,
        ("brand-b", "brand-c"),
    )
    month = figures.compute(found, period_of("month", date(2025, 3, 1)))
    counts = {t.name: {c.key: c.count for c in (*t.cells, *t.margins)} for t in month.tables}
    assert counts["received.country"] == {("KH",): 1, (TOTAL,): 1}
    assert counts["received.category"] == {("wages_and_benefits",): 1, (TOTAL,): 1}
    assert counts["received.member"][("brand-b",)] == counts["received.member"][("brand-c",)] == 1
    assert ("brand-a",) not in counts["received.member"]
    # Each supplier once per consequence decided in the period, by the site's country.
    assert counts["suppliers_corrective_action.country"] == {("KH",): 1, (TOTAL,): 1}
    assert counts["suppliers_suspended.country"] == {("KH",): 1, (TOTAL,): 1}
    assert counts["suppliers_exited.country"] == {(TOTAL,): 0}
    april = figures.compute(found, period_of("month", date(2025, 4, 1)))
    assert [c.count for t in april.tables if t.name.startswith("suppliers_")
            for c in t.margins] == [0, 0, 0]  # fmt: skip


async def test_a_waived_plan_action_is_no_longer_the_members_to_do(conn):
    """Waived in the case work, an action leaves `metrics.actions` (cases lists it no more);
    the same whether the events come one by one or in one batch."""

    def added(action: str) -> PlanActionAdded:
        return PlanActionAdded(case_id="case-1", action_id=action, remedy="compensation",
                               owner="member_company", due_on=date(2025, 4, 1),
                               description="Repay the fees", owner_org="brand-a")  # fmt: skip

    data: list[tuple[str, EventData]] = [
        ("case-1", CaseOpened.model_construct(case_id="case-1", grievance_id="g-1",
                                              member_org="brand-a")),
        ("case-1", added("a-1")),
        ("case-1", added("a-2")),
        ("case-1", PlanActionWaived(case_id="case-1", action_id="a-1", reason="paid directly")),
    ]  # fmt: skip
    events = [event(i, stream, d) for i, (stream, d) in enumerate(data, 1)]
    found = []
    for batches in ([[e] for e in events], [events]):
        await conn.execute("TRUNCATE metrics.actions, metrics.case_members")
        for batch in batches:
            async with conn.transaction():
                await conn.execute("SET LOCAL search_path TO metrics")
                await Actions().apply_batch(conn, batch)
        found.append(await conn.fetch("SELECT action, owner_org FROM metrics.actions"))
    assert found[0] == found[1] and [tuple(r) for r in found[0]] == [("a-2", "brand-a")]
