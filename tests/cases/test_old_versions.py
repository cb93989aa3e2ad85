"""Events of an older schema version, in the log beside current ones, are upcast by every
service's own runners (intake, cases, metrics) and read as the current version."""

from __future__ import annotations

from uuid import uuid4

from redress.cases.policies import case_stream
from redress.events.catalogue.audit import AuditRegistered, CallbackScheduled
from redress.events.catalogue.case import CaseOpened
from redress.events.catalogue.grievance import GrievanceSubmitted
from redress.events.envelope import Metadata
from redress.events.migrations import migrate
from redress.events.projection import ProjectionRunner
from redress.metrics.app import service as metrics_service
from redress.metrics.projections import GrievanceCounts
from tests.cases.test_authz import read_back
from tests.cases.test_plan_parties import planned
from tests.events.helpers import running, wait_until, written_by_another_build

SEALED = {"key_id": "grievance-old", "ciphertext": "AAAA"}


def submitted_v1(grievance_id: str, country: str) -> dict:
    """GrievanceSubmitted as version 1 wrote it: typed text in plain, "ZZ" for no country."""
    return {
        "grievance_id": grievance_id, "channel": "hotline", "language": "en",
        "country": country, "site_id": "dhaka-1", "category": "working_hours",
        "site_text": "the knitting unit", "member_reference": "PO-17",
        "personal": SEALED, "member_org": None, "receipt_reference": f"R{grievance_id[:8]}",
        "receipt_hash": "$argon2id$old", "filed_digest": "0" * 64,
    }  # fmt: skip


async def row(platform, sql: str, *args):
    async with platform.system.pool.acquire() as conn:
        return await conn.fetchrow(sql, *args)


async def test_a_grievance_of_version_1_is_upcast_by_every_service_and_opens_a_case(platform):
    system = platform.system
    async with system.pool.acquire() as conn:
        await migrate(conn, [metrics_service.component])
    old, known = str(uuid4()), str(uuid4())
    await written_by_another_build(system, f"grievance-{old}", "GrievanceSubmitted", 1,
                                   submitted_v1(old, "ZZ"))  # fmt: skip
    await written_by_another_build(system, f"grievance-{known}", "GrievanceSubmitted", 1,
                                   submitted_v1(known, "KH"))  # fmt: skip
    v2 = {k: v for k, v in submitted_v1(str(uuid4()), "BD").items()
          if k not in ("site_text", "member_reference")}  # fmt: skip
    current = GrievanceSubmitted.model_validate(v2)
    await system.store.append(f"grievance-{current.grievance_id}", [current], 0,
                              Metadata(tenant="acme"))  # fmt: skip

    async def opened() -> bool:
        return all([await system.store.stream_version(case_stream(g)) >= 2
                    for g in (old, known, current.grievance_id)])  # fmt: skip

    await wait_until(opened)
    (case_opened, *_) = await system.store.read_stream(case_stream(old))
    assert isinstance(case_opened.data, CaseOpened) and case_opened.data.country is None
    assert case_opened.schemaversion == CaseOpened.schemaversion == 2
    countries = {}
    for g in (old, known, current.grievance_id):
        await wait_until(lambda g=g: _case_row(platform, g))
        case = await row(platform, "SELECT country FROM cases.cases WHERE grievance_id = $1", g)
        filed = await row(platform, "SELECT country, site_id FROM intake.grievances "
                          "WHERE grievance_id = $1", g)  # fmt: skip
        assert filed["country"] == case["country"] and filed["site_id"] == "dhaka-1"
        countries[g] = case["country"]
    assert countries == {old: None, known: "KH", current.grievance_id: "BD"}

    metrics = ProjectionRunner(GrievanceCounts(), system.pool, system.js, system.bus)
    async with running(metrics.run()):
        assert await metrics.wait_for(await system.bus.last_sequence(system.js), timeout=30)
    counted = await row(platform, "SELECT received FROM metrics.grievance_counts "
                        "WHERE country IS NULL AND channel = 'hotline'")  # fmt: skip
    assert counted["received"] == 1


async def _case_row(platform, grievance_id: str) -> bool:
    found = await row(platform, "SELECT 1 FROM cases.cases WHERE grievance_id = $1", grievance_id)
    return found is not None


async def test_a_case_opened_under_version_1_reads_its_unknown_country_as_none(platform):
    system = platform.system
    case_id = f"case-{uuid4()}"
    v1 = {"case_id": case_id, "grievance_id": str(uuid4()), "category": "other",
          "country": "ZZ", "site_id": None, "member_org": None}  # fmt: skip
    await written_by_another_build(system, case_id, "CaseOpened", 1, v1)
    await wait_until(lambda: _opened_case(platform, case_id))
    case = await row(platform, "SELECT country, category FROM cases.cases WHERE case_id = $1",
                     case_id)  # fmt: skip
    assert (case["country"], case["category"]) == (None, "other")


async def _opened_case(platform, case_id: str) -> bool:
    return await row(platform, "SELECT 1 FROM cases.cases WHERE case_id = $1", case_id) is not None


async def test_a_callback_of_version_1_is_upcast_and_queued_without_its_plain_text(platform):
    system = platform.system
    audit_id, old, current = str(uuid4()), str(uuid4()), str(uuid4())
    stream = f"audit-{audit_id}"
    registered = AuditRegistered(audit_id=audit_id, site_id="dhaka-1", country="BD",
                                 audit_date="2030-01-10", workers=2)  # fmt: skip
    await system.store.append(stream, [registered], 0, Metadata(tenant="acme"))
    v1 = {"audit_id": audit_id, "callback_id": old, "due_on": "2030-01-15", "language": "bn",
          "contact": SEALED, "good_time": "after the night shift"}  # fmt: skip
    await written_by_another_build(system, stream, "CallbackScheduled", 1, v1, version=2)
    scheduled = CallbackScheduled(audit_id=audit_id, callback_id=current, due_on="2030-01-15",
                                  language="en", contact=SEALED)  # fmt: skip
    await system.store.append(stream, [scheduled], 2, Metadata(tenant="acme"))

    async def queued() -> bool:
        found = await row(platform, "SELECT count(*) AS n FROM intake.callbacks "
                          "WHERE audit_id = $1", audit_id)  # fmt: skip
        return found["n"] == 2

    await wait_until(queued)
    callback = await row(platform, "SELECT * FROM intake.callbacks WHERE callback_id = $1", old)
    assert (callback["language"], callback["site_id"]) == ("bn", "dhaka-1")
    assert "after the night shift" not in str(dict(callback))
    history = await system.store.read_stream(stream)
    assert [e.data.schemaversion for e in history[1:]] == [2, 2]


async def test_a_plan_action_of_version_1_belongs_to_the_supplier_the_case_then_had(platform):
    """Version 1 named no owner organisation: the views and the commands alike give the
    action to the case's supplier (its site) as the case stood when it was added."""
    system = platform.system
    case_id = await planned(platform, facilitator=None)
    version = await system.store.stream_version(case_id)
    v1 = {"case_id": case_id, "action_id": str(uuid4()), "remedy": "wage_restitution",
          "owner": "supplier", "due_on": "2030-01-31", "description": "Pay the wages"}  # fmt: skip
    await written_by_another_build(system, case_id, "PlanActionAdded", 1, v1, version=version + 1)
    supplier = platform.token(("supplier",), org="dhaka-1", sub="supplier-1")
    seen = await read_back(platform, case_id, version + 1, supplier)
    assert [a["action_id"] for a in seen["actions"]] == [v1["action_id"]]
    action = await row(platform, "SELECT owner_org FROM cases.actions WHERE action_id = $1",
                       v1["action_id"])  # fmt: skip
    assert action["owner_org"] == "dhaka-1"
    answer = await platform.cases.post(f"/v1/cases/{case_id}/actions/{v1['action_id']}",
                                       json={"progress": "Paid"}, headers=supplier)  # fmt: skip
    assert answer.status_code == 200, answer.text
