"""Rebuilding the assessment views beside the live tables gives the rows the live projection
wrote."""

from __future__ import annotations

import asyncpg

from redress.assessment.projections import AssessmentViews
from redress.events.projection import rebuild_beside
from tests.cases.test_rebuild import events, published_all, snapshot, stop_live_runners
from tests.events.helpers import wait_until


async def workload(p) -> None:
    """A draft; one challenged, revised and agreed; one disputed; another organisation's."""
    officer = p.token()
    draft = await p.start()
    await p.answer(draft, "gov-l1", "not_applicable", reason="No own operations")
    agreed = await p.submitted(["gov-l1", "gov-l2", "est-l1"])
    base = f"/v1/assessments/{agreed}"
    await p.post(f"{base}/answers/gov-l2/challenge", {"comment": "Unsigned"}, officer)
    await p.post(f"{base}/answers/gov-l2/reply", {"comment": "Yes", "answer": "partly"})
    await p.post(f"{base}/answers/gov-l2/verify", {}, officer)
    await p.post(f"{base}/answers/gov-l1/verify", {"comment": "Seen"}, officer)
    await p.post(f"{base}/rating", {}, officer)
    await p.post(f"{base}/rating/agree")
    disputed = await p.submitted(["gov-l1"], p.member("brand-b"))
    await p.post(f"/v1/assessments/{disputed}/rating", {}, officer)
    await p.post(f"/v1/assessments/{disputed}/rating/dispute", {"comment": "No"},
                 p.member("brand-b"))  # fmt: skip


async def test_a_rebuild_beside_the_live_tables_gives_the_live_rows(platform):
    system = platform.system
    await workload(platform)
    await wait_until(lambda: published_all(system))
    await stop_live_runners(platform, platform.app)
    before = await events(system)
    projection = AssessmentViews()
    live = await snapshot(system.pool, projection)
    assert all(live.values()), {t: len(rows) for t, rows in live.items()}
    statuses = sorted(r["status"] for r in live["assessments"])
    assert statuses == ["draft", "final", "submitted"]
    as_service = await asyncpg.create_pool(
        system.dsn, min_size=1, max_size=4, server_settings={"role": "redress_assessment"}
    )
    try:
        end = await rebuild_beside(projection, as_service, system.js, system.bus,
                                   store=system.store)  # fmt: skip
    finally:
        await as_service.close()
    assert end == before
    assert await snapshot(system.pool, projection) == live
