"""Rebuilding the case views from zero gives the rows the live projection wrote.

Every time in the views comes from an event, and fired timers are marked with the time of
their StageDeadlineMissed, so every column of every table is compared. The live runners are
stopped first, so that the rebuild alone writes the tables.
"""

from __future__ import annotations

import asyncio
import contextlib
import re
from datetime import UTC, datetime, time, timedelta
from typing import Any

import asyncpg

from redress.cases.deadlines import deadline_scheduler
from redress.cases.policies import OpenCases, case_stream
from redress.cases.projections import CaseViews
from redress.events.catalogue.tenant import TimeFramesSet
from redress.events.envelope import Actor, Metadata
from redress.events.ids import derived_stream
from redress.events.projection import (
    ProjectionRunner,
    rebuild_beside,
    shadow_schema,
    wait_for_version,
)
from redress.events.timers import FixedClock
from tests.cases.test_authz import RESPONSE, referred
from tests.events.helpers import wait_until

TENANT = "acme"
PHONE = "+8801700000000"
CLOSING = {"remedy": "wage_restitution", "owner": "supplier", "due_on": "2030-01-31",
           "description": "Pay the withheld wages"}  # fmt: skip
PROPOSED = {"remedy": "training", "owner": "member_company", "due_on": "2030-02-28",
            "description": "Train the payroll staff"}  # fmt: skip


class Workload:
    def __init__(self, platform) -> None:
        self.platform = platform
        self.officer = platform.token()
        self.member = platform.member()

    async def file(self, narrative: str) -> tuple[str, dict[str, Any]]:
        body = {"country": "BD", "site_id": "dhaka-1", "category": "wages_and_benefits",
                "narrative": narrative, "contact": {"phone_or_email": PHONE}}  # fmt: skip
        operator = self.platform.token(("operator",), sub="operator-1")
        answer = await self.platform.intake.post("/v1/operator/grievances", json=body,
                                                 headers=operator)  # fmt: skip
        assert answer.status_code == 201, answer.text
        case_id = case_stream(answer.json()["grievance_id"])
        await self.caught_up(case_id, 2)
        return case_id, answer.json()

    async def caught_up(self, case_id: str, version: int) -> None:
        pool = self.platform.system.pool
        assert await wait_for_version(pool, CaseViews(), case_id, version, timeout=30)

    async def post(self, case_id: str, path: str, body=None, headers=None, status=None) -> Any:
        answer = await self.platform.cases.post(f"/v1/cases/{case_id}{path}", json=body or {},
                                                headers=headers or self.officer)  # fmt: skip
        if status is not None:
            assert answer.status_code == status, (path, answer.text)
            return answer.json()
        assert answer.status_code in (200, 201), (path, answer.text)
        await self.caught_up(case_id, answer.json()["version"])
        return answer.json()

    async def steps(self, case_id: str, *steps: tuple[str, dict[str, Any]]) -> None:
        for path, body in steps:
            await self.post(case_id, path, body)

    async def as_worker(self, filed: dict[str, Any], **form: str) -> None:
        """The worker opens the status page with the receipt and acts on it."""
        client = self.platform.intake
        page = await client.get(f"/t/{TENANT}/status")
        opened = await client.post(
            f"/t/{TENANT}/status/open",
            data={"csrf": csrf(page.text), "reference": filed["reference"],
                  "secret": filed["secret"]},
            follow_redirects=True,
        )  # fmt: skip
        assert opened.status_code == 200, opened.text
        acted = await client.post(f"/t/{TENANT}/status", data={"csrf": csrf(opened.text), **form})
        assert acted.status_code == 303, acted.text

    async def run(self) -> dict[str, str]:
        platform = self.platform
        store = platform.system.store
        frames = derived_stream("tenant", TENANT)
        meta = Metadata(tenant=TENANT, actor=Actor(id="admin-1", role="admin"))
        frames_set = TimeFramesSet(acknowledge_days=5, feedback_days=60, plan_days=30)
        await store.append(frames, [frames_set], await store.stream_version(frames), meta)
        closed, closed_receipt = await self.file("Wages withheld for three months.")
        reopened, _ = await self.file("Filed twice by mistake.")
        rejected, _ = await self.file("Not about this supplier.")
        erased, erased_receipt = await self.file("The supervisor shouts at us.")
        stalled, _ = await self.file("No overtime pay.")
        late, _ = await self.file("No payslips.")

        # Through every step, with the member company's own action, to lessons learned.
        await self.steps(
            closed,
            ("/triage", {"indicators": ["withheld_wages"], "severity": "medium"}),
            ("/assign", {"officer": "officer-1"}),
            ("/assign", {"facilitator": "Dhaka Labour Rights Centre"}),
            ("/accept", {}),
            ("/messages", {"text": "We have opened your case."}),
            ("/notes", {"text": "Same supplier as last year."}),
            ("/findings", {"source": "document", "finding": "Payslips stop in March."}),
        )
        await self.evidence(closed)
        await self.steps(
            closed,
            ("/verification", {"decision": "not_substantiated", "reasons": "Too early"}),
            ("/findings", {"source": "interview", "finding": "Three workers confirm it."}),
            ("/verification", {"decision": "substantiated", "reasons": "Payslips and words"}),
            ("/advance", {"to": "response"}),
            ("/response", {**RESPONSE, "referral_needed": True}),
            ("/advance", {"to": "remediation_plan"}),
            ("/actions", CLOSING),
        )
        written = await self.post(closed, "/actions", PROPOSED, headers=self.member)
        await self.caught_up(closed, written["version"])
        detail = await platform.cases.get(f"/v1/cases/{closed}", headers=self.officer)
        ids = {a["description"]: a["action_id"] for a in detail.json()["actions"]}
        await self.post(closed, f"/actions/{ids[PROPOSED['description']]}",
                        {"progress": "40 staff trained", "evidence": "attendance.pdf",
                         "done": True}, headers=self.member)  # fmt: skip
        await self.steps(
            closed,
            (f"/actions/{ids[CLOSING['description']]}", {"progress": "Half paid"}),
            ("/advance", {"to": "implementation"}),
            (f"/actions/{ids[CLOSING['description']]}", {"progress": "Paid", "done": True}),
            ("/close", {"outcome": "resolved", "satisfaction": 4}),
            ("/lessons", {"text": "Check payroll at every audit", "tags": ["wages"]}),
        )
        await self.as_worker(closed_receipt, do="satisfaction", score="5")
        await wait_until(lambda: self.recorded(closed, "SatisfactionRecorded", 2))

        await self.steps(
            reopened,
            ("/reject", {"grounds": "out_of_scope", "explanation": "not the initiative's"}),
            ("/reopen", {"reason": "In scope after all"}),
        )
        await self.post(rejected, "/reject", {"grounds": "out_of_scope"})
        # Filed at the wrong site, in the wrong category: corrected, the member goes with it.
        await self.post(rejected, "/corrections", {"reason": "Another site", "site_id": "pp-2",
                                                   "category": "working_hours"})  # fmt: skip
        await self.post(rejected, "/corrections", {"reason": "Told in Khmer", "language": "km"})

        # The worker talks, then erases their data: the views forget it, notes are refused.
        await self.steps(erased, ("/accept", {}), ("/messages", {"text": "Can you tell more?"}))
        await self.as_worker(erased_receipt, do="reply", message="He shouts every morning.")
        await self.as_worker(erased_receipt, do="erase", confirm="yes")
        await wait_until(lambda: self.thread_erased(erased))
        refused = await self.post(erased, "/notes", {"text": "Worker erased"}, status=409)
        assert refused["type"] == "urn:redress:problem:personal-data-erased"

        # Two acknowledgements are missed; one case then moves on, the other stays.
        opened_on = (await store.read_stream(late))[0].data.opened_on
        clock = FixedClock(datetime.combine(opened_on + timedelta(days=8), time(12), UTC))
        assert await deadline_scheduler(platform.system.pool, store, clock).tick() == 2
        await self.caught_up(stalled, 3)
        await self.caught_up(late, 3)
        await self.post(late, "/accept")
        await self.parties(late)
        # The referral service's milestones of one case join its timeline (by event).
        await referred(self.platform, closed)
        await self.supply_chain(closed, stalled, late)
        return {"closed": closed, "erased": erased, "stalled": stalled, "late": late}

    async def parties(self, case_id: str) -> None:
        """An action for the facilitator before one is assigned goes to the one assigned; the
        supplier (the site) and the facilitator report on their own."""
        await self.steps(
            case_id,
            ("/advance", {"to": "response"}),
            ("/advance", {"to": "remediation_plan"}),
            ("/actions", {**CLOSING, "owner": "facilitator", "description": "Mediate"}),
            ("/actions", {**CLOSING, "description": "Pay the arrears"}),
            ("/assign", {"facilitator": "fair-remedy"}),
        )
        for role, org in (("supplier", "dhaka-1"), ("facilitator", "fair-remedy")):
            token = self.platform.token((role,), org=org, sub=f"{role}-1")
            seen = await self.platform.cases.get(f"/v1/cases/{case_id}", headers=token)
            (action,) = seen.json()["actions"]
            await self.post(case_id, f"/actions/{action['action_id']}",
                            {"progress": "Begun"}, headers=token)  # fmt: skip

    async def supply_chain(self, *case_ids: str) -> None:
        """Cases grouped into a systemic issue with a plan; their supplier warned, then
        suspended with steps that protect its workers."""
        cases = self.platform.cases
        opened = await cases.post(
            "/v1/systemic-issues",
            headers=self.officer,
            json={"title": "Wages late at Dhaka 1", "site_id": "dhaka-1", "case_ids": case_ids[:2]},
        )
        issue = opened.json()["stream"]
        for path, body in [
            ("/cases", {"case_ids": case_ids[2:]}),
            ("/actions", {"description": "Payroll audit", "owner": "msi", "due_on": "2031-01-31"}),
        ]:
            answer = await cases.post(
                f"/v1/systemic-issues/{issue}{path}", json=body, headers=self.officer
            )
            assert answer.status_code == 200, answer.text
        for consequence, steps in [
            ("corrective_action", ["Pay the arrears"]),
            ("suspension", ["Wages paid while orders pause"]),
        ]:
            answer = await cases.post(
                "/v1/suppliers/dhaka-1/consequences",
                headers=self.officer,
                json={
                    "consequence": consequence,
                    "reasons": "Arrears",
                    "case_ids": list(case_ids),
                    "steps": steps,
                },
            )
            assert answer.status_code == 201, answer.text

    async def evidence(self, case_id: str) -> None:
        """The payslips themselves, attached to the case's latest finding."""
        finding = await self.platform.system.store.stream_version(case_id)
        answer = await self.platform.cases.post(
            f"/v1/cases/{case_id}/findings/{finding}/evidence",
            files={"file": ("payslips.pdf", b"%PDF-1.4\n%%EOF\n", "application/pdf")},
            headers=self.officer,
        )
        assert answer.status_code == 201, answer.text
        await self.caught_up(case_id, answer.json()["version"])

    async def recorded(self, case_id: str, kind: str, count: int) -> bool:
        return (await self.platform.log_types(case_id)).count(kind) == count

    async def thread_erased(self, case_id: str) -> bool:
        async with self.platform.system.pool.acquire() as conn:
            rows = await conn.fetch(
                "SELECT c.case_id FROM cases.cases c JOIN cases.grievance_data g "
                "USING (grievance_id) WHERE c.case_id = $1",
                case_id,
            )
        return not rows


def csrf(html: str) -> str:
    return re.search(r'name="csrf" value="([0-9a-f]+)"', html).group(1)


async def snapshot(pool, projection) -> dict[str, list[dict[str, Any]]]:
    """Every row of the projection's tables (all columns), and its applied versions."""
    tables: dict[str, list[dict[str, Any]]] = {}
    async with pool.acquire() as conn:
        for table in projection.tables:
            rows = await conn.fetch(f"SELECT * FROM {projection.schema}.{table}")
            tables[table] = sorted((dict(r) for r in rows), key=repr)
        rows = await conn.fetch(
            f"SELECT stream, version FROM {projection.schema}.applied_versions "
            "WHERE projection = $1 "
            "ORDER BY stream",
            projection.name,
        )
        tables["applied_versions"] = [dict(r) for r in rows]
    return tables


async def events(system) -> int:
    async with system.pool.acquire() as conn:
        return await conn.fetchval("SELECT count(*) FROM eventlog.events")


async def published_all(system) -> bool:
    return await system.bus.last_sequence(system.js) == await events(system)


async def stop_live_runners(platform, *apps) -> None:
    """Stop the runners of `apps` (intake's and cases' when none is named) once the log is
    quiet: published, applied by every one of them, and nothing appended meanwhile (a policy
    reacting to the last events appends more), so that their tables stay as a rebuild of
    that log would write them."""
    system, apps = platform.system, apps or (platform.intake_app, platform.cases_app)
    runners = [r for app in apps for r in app.state.runtime.runners]
    for _ in range(20):
        await wait_until(lambda: published_all(system))
        end = await system.bus.last_sequence(system.js)
        for runner in runners:
            assert await runner.wait_for(end, timeout=30), runner.status()
        if await events(system) == end:
            break
    else:
        raise AssertionError("the log kept growing while the runners caught up")
    for app in apps:
        runtime = app.state.runtime
        names = {r.projection.key for r in runtime.runners}
        tasks = [t for t in runtime.tasks if t.get_name() in names]
        assert len(tasks) == len(names)
        for task in tasks:
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task


async def test_rebuilding_the_case_views_from_zero_gives_the_live_rows(platform):
    system = platform.system
    cases = await Workload(platform).run()
    await stop_live_runners(platform)
    live = await snapshot(system.pool, CaseViews())
    assert all(live.values()), {t: len(rows) for t, rows in live.items()}
    owners = {
        (r["owner"], r["owner_org"]) for r in live["actions"] if r["case_id"] == cases["late"]
    }
    assert owners == {("facilitator", "fair-remedy"), ("supplier", "dhaka-1")}
    grievances = {r["grievance_id"] for r in live["cases"] if r["case_id"] == cases["erased"]}
    assert not grievances & {r["grievance_id"] for r in live["grievance_data"]}
    timers = {r["id"].split(":")[1]: r for r in live["timers"] if cases["stalled"] in r["id"]}
    assert timers["admissibility"]["fired_at"] is not None

    end = await ProjectionRunner(CaseViews(), system.pool, system.js, system.bus).replay()
    assert end == await events(system)
    rebuilt = await snapshot(system.pool, CaseViews())
    for table in live:
        assert rebuilt[table] == live[table], table


async def test_replaying_the_policy_that_opens_cases_appends_nothing(platform):
    system = platform.system
    await Workload(platform).run()
    await stop_live_runners(platform)
    live = await snapshot(system.pool, OpenCases())
    assert all(live.values()), {t: len(rows) for t, rows in live.items()}
    before = await events(system)

    runner = ProjectionRunner(OpenCases(), system.pool, system.js, system.bus, store=system.store)
    assert await runner.replay() == before
    assert await events(system) == before
    assert await snapshot(system.pool, OpenCases()) == live


async def test_a_rebuild_beside_the_live_tables_gives_the_live_rows_for_every_projection(
    platform,
):
    """`redress replay` on a live system: each projection of intake and cases, rebuilt by its
    service's role in a shadow schema and swapped in, holds what the live runner wrote."""
    system = platform.system
    await Workload(platform).run()
    await wait_until(lambda: published_all(system))
    apps = (platform.intake_app, platform.cases_app)
    projections = [r.projection for app in apps for r in app.state.runtime.runners]
    assert {p.key for p in projections} == {
        "intake.grievances", "intake.campaigns", "intake.referral_requests", "intake.texting",
        "intake.check_ins", "intake.schedule_check_ins", "intake.representations",
        "cases.open_cases", "cases.views", "cases.supply_chain", "cases.attachments",
        "cases.remedies", "cases.alerts", "cases.mail_alerts",
    }  # fmt: skip
    await stop_live_runners(platform, *apps)
    before = await events(system)
    for projection in projections:
        live = await snapshot(system.pool, projection)
        indexes = await index_names(system.pool, projection.schema)
        as_service = await asyncpg.create_pool(
            system.dsn, min_size=1, max_size=4,
            server_settings={"role": f"redress_{projection.schema}"},
        )  # fmt: skip
        try:
            end = await rebuild_beside(projection, as_service, system.js, system.bus,
                                       store=system.store)  # fmt: skip
        finally:
            await as_service.close()
        assert end == before, projection.key
        assert await snapshot(system.pool, projection) == live, projection.key
        # Same index names (later migrations name them), same owner, no shadow left.
        assert await index_names(system.pool, projection.schema) == indexes, projection.key
        async with system.pool.acquire() as conn:
            owners = await conn.fetch(
                "SELECT DISTINCT tableowner FROM pg_tables WHERE schemaname = $1",
                projection.schema,
            )
            left = await conn.fetchval(
                "SELECT count(*) FROM pg_namespace WHERE nspname = $1", shadow_schema(projection)
            )
        assert [r[0] for r in owners] == [f"redress_{projection.schema}"], projection.key
        assert left == 0
    assert await events(system) == before  # the policy's replay appended nothing
    live_cases = await platform.cases.get("/v1/cases", headers=platform.token())
    assert live_cases.status_code == 200 and live_cases.json()["items"], live_cases.text


async def index_names(pool, schema: str) -> list[tuple[str, str]]:
    async with pool.acquire() as conn:
        rows = await conn.fetch(
            "SELECT tablename, indexname FROM pg_indexes WHERE schemaname = $1 ORDER BY 1, 2",
            schema,
        )
    return [tuple(r) for r in rows]
