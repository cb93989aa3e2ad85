"""Every projection of every service is rebuilt while commands run, and no command fails or
records a wrong date (docs/decisions/0018-reference-data-outside-read-models.md).

Commands read what they need of a tenant (its name, sites and time frames) on the tenant's
stream, and a callback's audit in a table written with the audit; never in a read model.
Each projection is rebuilt three ways while officers, operators, members, auditors and
workers act: in place (`redress replay --offline`), first with its tables empty and then
half rebuilt (up to just before a new site and new time frames), and beside its live
tables (`redress replay`). Its live runner is held back while its tables are rebuilt in
place, so that the commands really meet them empty, then stale.
"""

from __future__ import annotations

import asyncio
import contextlib
import re
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx

from redress.cases.policies import OpenCases, case_stream
from redress.cases.projections import CaseViews
from redress.events.catalogue.case import CaseOpened, StageEntered
from redress.events.envelope import Actor, Metadata
from redress.events.migrations import migrate
from redress.events.projection import Projection, ProjectionRunner, rebuild_beside
from redress.intake.campaigns import Campaigns
from redress.intake.projections import Grievances
from redress.metrics.app import service as metrics_service
from redress.metrics.callbacks import Callbacks
from redress.metrics.facts import Facts
from redress.metrics.projections import GrievanceCounts
from redress.referral.app import service as referral_service
from redress.referral.policies import OpenReferrals
from redress.referral.projections import ReferralViews
from redress.tenancy.domain import RegisterSite, SetTimeFrames
from redress.tenancy.handlers import execute
from tests.cases.test_authz import GRIEVANCE
from tests.events.helpers import wait_until

TENANT = "acme"
STALE = SetTimeFrames(acknowledge_days=10, feedback_days=100, plan_days=50)
FRAMES = SetTimeFrames(acknowledge_days=5, feedback_days=60, plan_days=30)
NEW_SITE = RegisterSite("ctg-3", "Chattogram Denim", "BD")
AUDITED = (datetime.now(UTC) - timedelta(days=1)).date().isoformat()
ROUNDS_PER_PROJECTION = 3  # in place: empty, then half rebuilt; beside the live tables
PROJECTIONS = (Grievances, Campaigns, OpenCases, CaseViews, GrievanceCounts, Facts, Callbacks,
               OpenReferrals, ReferralViews)  # fmt: skip


class Commands:
    """What people do through the services' HTTP APIs and pages; every answer checked."""

    def __init__(self, platform, cases: list[str], callbacks: list[str]) -> None:
        self.platform = platform
        self.cases = cases  # opened, at admissibility: two per round
        self.callbacks = callbacks  # scheduled, not yet called: one per round
        self.done = 0

    async def round(self) -> None:
        """One of everything whose answer hangs on a tenant, a site, a callback or a date."""
        p = self.platform
        operator = p.token(("operator",), sub="operator-1")
        await self.ok(p.intake.post("/v1/operator/grievances", json=GRIEVANCE, headers=operator))
        await self.ok(p.intake.post("/v1/grievances", json=GRIEVANCE, headers=p.member()))
        await self.web_form()
        auditor = p.token(("auditor",), org="qima", sub="auditor-1")
        audit = {"site_id": NEW_SITE.site_id, "audit_date": AUDITED,
                 "workers": [{"phone": "+8801711000001", "language": "bn"}]}  # fmt: skip
        await self.ok(p.intake.post("/v1/audits", json=audit, headers=auditor))
        outcome = {"reached": True, "grievance": {"category": "retaliation",
                                                  "narrative": "They cut my hours."}}  # fmt: skip
        await self.ok(p.intake.post(f"/v1/callbacks/{self.callbacks.pop()}/outcome",
                                    json=outcome, headers=operator))  # fmt: skip
        advanced, reopened = self.cases.pop(), self.cases.pop()
        for path, body in (("/accept", {}), ("/advance", {"to": "response"}),
                           ("/advance", {"to": "remediation_plan"})):  # fmt: skip
            await self.ok(p.cases.post(f"/v1/cases/{advanced}{path}", json=body,
                                       headers=p.token()))  # fmt: skip
        for path, body in (("/reject", {"grounds": "out_of_scope"}),
                           ("/reopen", {"reason": "Not one"})):  # fmt: skip
            await self.ok(p.cases.post(f"/v1/cases/{reopened}{path}", json=body,
                                       headers=p.token()))  # fmt: skip
        self.done += 1

    async def web_form(self) -> None:
        """A worker files on the form, from a device of their own."""
        device = (f"198.51.100.{self.done + 1}", 40123)
        transport = httpx.ASGITransport(app=self.platform.intake_app, client=device)
        async with httpx.AsyncClient(transport=transport, base_url="http://test") as client:
            await self.file_on_the_form(client)

    async def file_on_the_form(self, client: httpx.AsyncClient) -> None:
        page = await client.get(f"/t/{TENANT}/report?lang=en")
        assert page.status_code == 200, page.text
        assert f'value="{NEW_SITE.site_id}"' in page.text  # the form offers every site
        fields = {name: re.search(rf'name="{name}" value="([^"]+)"', page.text).group(1)
                  for name in ("csrf", "form_id")}  # fmt: skip
        receipt = await client.post(f"/t/{TENANT}/report", follow_redirects=True, data={
            **fields, "lang": "en", "country": "BD", "site_id": NEW_SITE.site_id,
            "category": "working_hours", "narrative": "Sixteen hours a day.", "submit": "1",
        })  # fmt: skip
        assert receipt.status_code == 200 and 'id="reference"' in receipt.text, receipt.text

    @staticmethod
    async def ok(request) -> dict[str, Any]:
        answer = await request
        assert answer.status_code in (200, 201), (str(answer.request.url), answer.text)
        return answer.json()


class Runners:
    """The live runner of each projection, which a rebuild in place holds back."""

    def __init__(self, platform) -> None:
        self.system = platform.system
        self.apps = (platform.intake_app, platform.cases_app)
        self.tasks: dict[str, asyncio.Task[None]] = {}
        self.runners: dict[str, ProjectionRunner] = {}

    async def stop(self, projection: Projection) -> None:
        for app in self.apps:
            for task in app.state.runtime.tasks:
                if task.get_name() == projection.key:
                    await _cancelled(task)
        if projection.key in self.tasks:
            await _cancelled(self.tasks.pop(projection.key))

    def start(self, projection: Projection) -> None:
        s = self.system
        runner = ProjectionRunner(projection, s.pool, s.js, s.bus, store=s.store)
        self.runners[projection.key] = runner
        self.tasks[projection.key] = asyncio.create_task(runner.run(), name=projection.key)

    async def caught_up(self) -> None:
        end = await self.system.bus.last_sequence(self.system.js)
        for key, runner in self.runners.items():
            assert await runner.wait_for(end, timeout=60), (key, runner.status(), end)

    async def close(self) -> None:
        for task in self.tasks.values():
            await _cancelled(task)


async def _cancelled(task: asyncio.Task[None]) -> None:
    while not task.done():
        task.cancel()
        await asyncio.wait({task}, timeout=0.5)
    with contextlib.suppress(asyncio.CancelledError):
        await task


async def published_all(system) -> int | None:
    """The stream's end once every event of the log is on it, else None."""
    async with system.pool.acquire() as conn:
        logged = await conn.fetchval("SELECT count(*) FROM eventlog.events")
    end = await system.bus.last_sequence(system.js)
    return end if end == logged else None


async def test_every_projection_is_rebuilt_while_commands_run_and_no_command_fails_or_errs(
    platform,
):
    system = platform.system
    async with system.pool.acquire() as conn:
        await migrate(conn, [metrics_service.component, referral_service.component])
    admin = Metadata(tenant=TENANT, actor=Actor(id="admin-1", role="admin"))
    await execute(system.store, TENANT, STALE, admin)
    await wait_until(lambda: published_all(system))
    half = await published_all(system)  # a rebuild held here has the stale frames only
    await execute(system.store, TENANT, NEW_SITE, admin)
    await execute(system.store, TENANT, FRAMES, admin)

    rounds = len(PROJECTIONS) * ROUNDS_PER_PROJECTION
    cases = [await file_case(platform) for _ in range(2 * rounds)]
    callbacks = await scheduled_callbacks(platform, rounds)
    commands = Commands(platform, cases, callbacks)
    runners = Runners(platform)
    try:
        for kind in PROJECTIONS:
            projection = kind()
            await runners.stop(projection)
            runners.start(projection)
            await runners.caught_up()
            # In place: the tables empty, then half rebuilt, while commands run.
            await runners.stop(projection)
            gate = asyncio.Event()
            rebuilding = ProjectionRunner(held_at(kind, half, gate), system.pool, system.js,
                                          system.bus, store=system.store, batch_size=1)  # fmt: skip
            await rebuilding.rebuild()
            await commands.round()
            replaying = asyncio.create_task(rebuilding.run())
            try:
                assert await rebuilding.wait_for(half, timeout=30), rebuilding.status()
                await stale(projection, system)
                await commands.round()
            finally:
                gate.set()
                await _cancelled(replaying)
            runners.start(projection)
            # Beside the live tables, while commands run.
            rebuilt = asyncio.create_task(
                rebuild_beside(projection, system.pool, system.js, system.bus, store=system.store)
            )
            await commands.round()
            await rebuilt
        assert commands.done == rounds
        await wait_until(lambda: published_all(system))
        await runners.caught_up()
        await every_due_date_follows_the_frames(platform)
        await every_grievance_opened_a_case(platform)
    finally:
        await runners.close()


def held_at(kind: type[Projection], sequence: int, gate: asyncio.Event) -> Projection:
    """The projection, whose rebuild waits for `gate` before any event past `sequence`."""

    class Held(kind):  # type: ignore[misc, valid-type]
        async def apply_batch(self, conn, events) -> None:
            if any(e.sequence > sequence for e in events):
                await gate.wait()
            await super().apply_batch(conn, events)

    return Held()


async def stale(projection: Projection, system) -> None:
    """The half rebuilt tables hold what the log said before the new site and frames."""
    async with system.pool.acquire() as conn:
        if isinstance(projection, Grievances):
            sites = await conn.fetch("SELECT site_id FROM intake.sites")
            assert NEW_SITE.site_id not in {r[0] for r in sites}
            assert await conn.fetchval("SELECT count(*) FROM intake.grievances") == 0
        if isinstance(projection, OpenCases):
            frames = await conn.fetchrow("SELECT * FROM cases.frames WHERE tenant = $1", TENANT)
            assert frames["acknowledge_days"] == STALE.acknowledge_days
        if isinstance(projection, Campaigns):
            assert await conn.fetchval("SELECT count(*) FROM intake.callbacks") == 0


async def file_case(platform) -> str:
    operator = platform.token(("operator",), sub="operator-1")
    answer = await Commands.ok(
        platform.intake.post("/v1/operator/grievances", json=GRIEVANCE, headers=operator)
    )
    case_id = case_stream(answer["grievance_id"])

    async def opened() -> bool:
        return await platform.system.store.stream_version(case_id) >= 2

    await wait_until(opened)
    return case_id


async def scheduled_callbacks(platform, count: int) -> list[str]:
    auditor = platform.token(("auditor",), org="qima", sub="auditor-1")
    workers = [{"phone": f"+88017110{n:05d}", "language": "bn"} for n in range(count)]
    body = {"site_id": NEW_SITE.site_id, "audit_date": AUDITED,
            "workers": workers}  # fmt: skip
    audit = await Commands.ok(platform.intake.post("/v1/audits", json=body, headers=auditor))
    events = await platform.system.store.read_stream(audit["stream"])
    return [e.data.callback_id for e in events[1:]]


async def every_due_date_follows_the_frames(platform) -> None:
    """Each stage entered is due as the tenant's frames of the time say: those set last."""
    async with platform.system.pool.acquire() as conn:
        streams = [r[0] for r in await conn.fetch(
            "SELECT DISTINCT stream FROM eventlog.events WHERE type = 'CaseOpened'"
        )]  # fmt: skip
    entered = 0
    for stream in streams:
        events = await platform.system.store.read_stream(stream)
        opened = events[0].data
        assert isinstance(opened, CaseOpened) and opened.opened_on is not None
        for event in events:
            if not isinstance(event.data, StageEntered):
                continue
            entered += 1
            stage, due = event.data.stage, event.data.due_on
            if stage == "admissibility":
                assert due == opened.opened_on + timedelta(FRAMES.acknowledge_days), stream
            elif stage in ("verification", "response"):
                assert due == opened.opened_on + timedelta(FRAMES.feedback_days), stream
            else:
                assert stage == "remediation_plan", stage
                # Today as the service saw it, a moment before the event's time.
                day = event.time.date()
                assert due in {day + timedelta(FRAMES.plan_days - d) for d in (0, 1)}, stream
    assert entered > 6 * len(PROJECTIONS) * ROUNDS_PER_PROJECTION
    # And the views say what the log says.
    async with platform.system.pool.acquire() as conn:
        due = dict(await conn.fetch("SELECT case_id, stage_due FROM cases.cases"))
    for stream in streams:
        last = [e for e in await platform.system.store.read_stream(stream)
                if isinstance(e.data, StageEntered)][-1]  # fmt: skip
        assert due[stream] == last.data.due_on, stream


async def every_grievance_opened_a_case(platform) -> None:
    logged = "SELECT count(*) FROM eventlog.events WHERE type = $1"
    async with platform.system.pool.acquire() as conn:
        filed = await conn.fetchval(logged, "GrievanceSubmitted")
        opened = await conn.fetchval(logged, "CaseOpened")
        counted = await conn.fetchval("SELECT sum(received) FROM metrics.grievance_counts")
        listed = await conn.fetchval("SELECT count(*) FROM intake.grievances")
        indicated = await conn.fetchval("SELECT count(*) FROM referral.indications")
        sealed = await conn.fetchval("SELECT count(*) FROM referral.grievance_data")
    assert filed == opened == counted == listed == indicated == sealed
