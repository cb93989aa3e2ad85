"""Rebuilding the assessment views and the members' facts beside the live tables gives the
rows the live projections wrote."""

from __future__ import annotations

from datetime import UTC, datetime

import asyncpg

from redress.assessment.facts import MemberFacts
from redress.assessment.projections import AssessmentViews
from redress.assessment.reminders import reminder_scheduler
from redress.events.catalogue.case import CaseReopened, SatisfactionRecorded
from redress.events.catalogue.partner import PartnerKind, PartnerRegistered, PartnerRetired
from redress.events.catalogue.tenant import (
    DEFAULT_WORKING_DAYS,
    MinimumCountSet,
    TenantSettingsChanged,
    TimeFramesSet,
)
from redress.events.ids import derived_stream
from redress.events.projection import rebuild_beside
from redress.events.timers import FixedClock
from redress.metrics.releases.handlers import publish, published
from tests.assessment.test_evidence import CASES, generate
from tests.assessment.test_minimum_count import AT, RECEIVED
from tests.cases.test_rebuild import events, snapshot, stop_live_runners


async def workload(p) -> None:
    """A draft; one challenged, revised and agreed; one disputed; another organisation's."""
    officer = p.token()
    draft = await p.start()
    await p.answer(draft, "gov-l1", "not_applicable", reason="No own operations")
    attached = await p.client.post(f"/v1/assessments/{draft}/answers/gov-l2/files",
                                   files={"file": ("p.pdf", b"%PDF-1.4", "application/pdf")},
                                   headers=p.member())  # fmt: skip
    assert attached.status_code == 201, attached.text
    agreed = await p.submitted(["gov-l1", "gov-l2", "est-l1"])
    base = f"/v1/assessments/{agreed}"
    await p.post(f"{base}/answers/gov-l2/challenge", {"comment": "Unsigned"}, officer)
    await p.post(f"{base}/answers/gov-l2/reply", {"comment": "Yes", "answer": "partly"})
    await p.post(f"{base}/answers/gov-l2/verify", {}, officer)
    await p.post(f"{base}/answers/gov-l1/verify", {"comment": "Seen"}, officer)
    await p.post(f"{base}/rating", {}, officer)
    await p.post(f"{base}/rating/agree")
    # Due dates past the system clock: only the test's clock fires them.
    for criterion, due in (("gov-e1", "2027-06-01"), ("gov-e2", "2027-06-30")):
        body = {"owner": "Head of sourcing", "due_on": due}
        await p.call("PUT", f"{base}/actions/{criterion}", body)
    await p.post(f"{base}/actions/gov-e2/progress", {"note": "Done", "done": True})
    await p.caught_up(agreed)
    clock = FixedClock(datetime(2027, 6, 2, tzinfo=UTC))
    assert await reminder_scheduler(p.system.pool, p.system.store, clock).tick() == 2
    disputed = await p.submitted(["gov-l1"], p.member("brand-b"))
    await p.post(f"/v1/assessments/{disputed}/rating", {}, officer)
    await p.post(f"/v1/assessments/{disputed}/rating/dispute", {"comment": "No"},
                 p.member("brand-b"))  # fmt: skip
    await p.post(f"/v1/assessments/{disputed}/evidence/erase", headers=p.member("brand-b"))
    own = await p.post("/v1/assessments", {"framework": "un-msi-questions"}, officer)
    await p.answer(own["assessment_id"], "q3-1", headers=officer)
    await p.post(f"/v1/assessments/{own['assessment_id']}/submit", headers=officer)
    store = p.system.store
    # The initiative the platform registered, with its members (MEMBERS), moves to Dhaka.
    dhaka = [TenantSettingsChanged(name="Acme", time_zone="Asia/Dhaka", languages=("en", "bn"),
                                   working_days=DEFAULT_WORKING_DAYS),
             TimeFramesSet(), MinimumCountSet(k=7)]  # fmt: skip
    tenant = derived_stream("tenant", "acme")
    await store.append(tenant, dhaka, await store.stream_version(tenant), CASES)
    directory = [PartnerRegistered(partner_id="nrm-bd", name="NRM", countries=("BD",),
                                   kind=PartnerKind.national_referral_mechanism),
                 PartnerRetired(partner_id="nrm-bd")]  # fmt: skip
    await store.append(derived_stream("partner", "acme"), directory, 0, CASES)
    await generate(p.system, "acme-apparel", on_time=3, late=2, closed_with_lessons=2)
    case = await p.system.pool.fetchval("SELECT min(case_id) FROM assessment.facts_cases")
    version = await store.stream_version(case)
    more = [SatisfactionRecorded(case_id=case, score=4), CaseReopened(case_id=case,
            grievance_id="g", reason="Wages not paid after all")]  # fmt: skip
    await store.append(case, more, version, CASES)
    # The initiative publishes a month's figures, and a correction of them.
    first = published(await publish(store, CASES, "2025-01", RECEIVED, AT))
    await publish(store, CASES, "2025-01", RECEIVED, AT, corrects=first.release_id)


async def test_a_rebuild_beside_the_live_tables_gives_the_live_rows(platform):
    system = platform.system
    await workload(platform)
    await stop_live_runners(platform, platform.app)
    before = await events(system)
    for projection in (AssessmentViews(), MemberFacts()):
        live = await snapshot(system.pool, projection)
        assert all(live.values()), {t: len(rows) for t, rows in live.items()}
        as_service = await asyncpg.create_pool(
            system.dsn, min_size=1, max_size=4, server_settings={"role": "redress_assessment"}
        )
        try:
            end = await rebuild_beside(projection, as_service, system.js, system.bus,
                                       store=system.store)  # fmt: skip
        finally:
            await as_service.close()
        assert end == before, projection.key
        assert await snapshot(system.pool, projection) == live, projection.key
    rows = (await snapshot(system.pool, AssessmentViews()))["assessments"]
    assert sorted(r["status"] for r in rows) == ["draft", "final", "final", "submitted"]
    k = "SELECT minimum_count FROM assessment.facts_tenants WHERE tenant = 'acme'"
    assert await system.pool.fetchval(k) == 7
    erased = "SELECT count(*) FROM assessment.answers WHERE evidence_sealed IS NOT NULL"
    assert await system.pool.fetchval(erased) > 0  # the others' evidence, sealed, stays
