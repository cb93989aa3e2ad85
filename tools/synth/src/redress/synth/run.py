"""Recording a plan through the real handlers, domains and policies, each step at its moment.

Every connection the generator takes from its pool is stamped with the moment of the step
being taken (`redress.event_time`, docs/decisions/0022-synthetic-history.md), so the events
say when they happened in the made-up history; the handlers' clocks read the same moment
(`redress.synth.moments`). The initiative is set up by `redress.synth.initiative`, the
callback programme's audits recorded by `redress.synth.callbacks`.
The policies that open cases and referrals are applied to the events they react to, as
their runners would, in their own schemas: the generator needs no service running.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field, replace
from datetime import timedelta
from typing import Any

import asyncpg

from redress.cases import commands as cc
from redress.cases import handlers as cases
from redress.cases import oversight_handlers as oversight
from redress.cases.context import Cases
from redress.cases.context import Desk as CaseDesk
from redress.cases.domain import CASE, Grounds, MissDeadline, Stage, Withdraw
from redress.cases.policies import OpenCases, case_stream
from redress.events.application import execute
from redress.events.catalogue.grievance import Category, Channel, Consent
from redress.events.catalogue.partner import Service
from redress.events.catalogue.referral import DeclineReason, ReferralOutcome
from redress.events.envelope import SYSTEM, Actor, Event, Metadata
from redress.events.projection import Policy
from redress.events.store import EventStore
from redress.intake.commands import ContactDetails, GrievanceInput
from redress.intake.context import Intake
from redress.intake.domain import GRIEVANCE, RequestWithdrawal
from redress.intake.domain import decide as decide_grievance
from redress.intake.filing import file_grievance, grievance_stream
from redress.kit.auth import Principal
from redress.kit.settings import Settings
from redress.kit.webhooks import Guard
from redress.referral import answers
from redress.referral import handlers as referral
from redress.referral import requests as rr
from redress.referral.context import Desk as ReferralDesk
from redress.referral.context import Referrals
from redress.referral.policies import OpenReferrals, referral_stream
from redress.synth import corrections, initiative, suppliers
from redress.synth.callbacks import record_audit
from redress.synth.moments import NOW, SyntheticClock, keep, stamp
from redress.synth.plan import ACTION_DAYS, AuditPlan, GrievancePlan, Plan, Step, action_owner
from redress.synth.suppliers import Decided
from redress.synth.world import CANARY, PARTNERS, PHONES

WORKER = Actor(id="worker", role="worker")

# Named here as the seeding and the tests have always named them.
__all__ = [
    "CANARY", "PHONES", "WORKER", "Generator", "Recorded", "keep", "principal", "record", "stamp"
]  # fmt: skip


def principal(tenant: str, role: str, sub: str, org: str | None = None) -> Principal:
    return Principal(sub=sub, tenant=tenant, roles=frozenset({role}), org=org, acting_as=role)


@dataclass
class Recorded:
    """What the generator did, as it did it: the truth the figures are checked against."""

    grievances: list[GrievancePlan] = field(default_factory=list)
    audits: list[AuditPlan] = field(default_factory=list)
    receipts: list[str] = field(default_factory=list)
    audit_ids: dict[int, str] = field(default_factory=dict)
    consequences: list[Decided] = field(default_factory=list)
    cases: list[str] = field(default_factory=list)
    """the cases opened, in the order they were: a duplicate names one of them"""


class Generator:
    """One worker's way to the handlers, on a pool of its own: a connection it takes is
    stamped once per step, and never waits for another worker's."""

    def __init__(
        self, settings: Settings, pool: asyncpg.Pool, tenant: str, recorded: Recorded,
        intake: Intake,
    ) -> None:  # fmt: skip
        self.pool, self.tenant = pool, tenant
        self.store = EventStore(pool)
        keyring, clock = intake.keyring, SyntheticClock()
        self.intake = intake
        self.cases = CaseDesk(self.store, pool, Cases(keyring, clock))
        # Made-up partners may have made-up endpoints: plain http, private addresses.
        referrals = replace(
            Referrals.of(settings, clock), keyring=keyring, plain_http=True,
            guard=Guard(allow_private=True),
        )  # fmt: skip
        self.referrals = ReferralDesk(self.store, pool, referrals)
        self.open_cases, self.open_referrals = OpenCases(), OpenReferrals()
        self.open_cases.store = self.open_referrals.store = self.store
        self.officer = principal(tenant, "officer", "officer-1")
        self.operator = principal(tenant, "operator", "operator-1")
        self.auditor = principal(tenant, "auditor", "auditor-1", "audit-co")
        self.recorded = recorded

    # The policies, as their runners would apply them.

    async def react(self, stream: str, after: int) -> None:
        events = await self.store.read_stream(stream, after)
        await self.apply(((self.open_cases, "cases"), (self.open_referrals, "referral")), events)

    async def apply(self, policies: tuple[tuple[Policy, str], ...], events: list[Event]) -> None:
        """Each policy's reactions to `events`, in its own schema, in one transaction."""
        async with self.pool.acquire() as conn, conn.transaction():
            for policy, schema in policies:
                wanted = [e for e in events if type(e.data) in policy.handles]
                if wanted:
                    await conn.execute(f"SET LOCAL search_path TO {schema}")
                for event in wanted:
                    await policy.apply(conn, event)

    # A grievance's steps.

    async def file(self, g: GrievancePlan) -> None:
        contact = ContactDetails(phone_or_email=f"{PHONES}{g.index:05d}", language=g.language)
        form = GrievanceInput(
            country=g.country, site_id=g.site.site_id if g.site else None,
            category=Category(g.filed_category or g.category), language=g.language,
            contact=contact,
            narrative=f"Synthetic grievance {g.index}: {CANARY}",
            consent=Consent(contact_me=True, share_with_support_services=g.share),
        )  # fmt: skip
        actor = {
            "hotline": Actor(id="operator-1", role="operator"),
            "member_api": Actor(id=f"{g.member_org}-user", role="member"),
        }.get(g.channel)
        meta = Metadata(tenant=self.tenant, actor=actor or WORKER)
        async with self.pool.acquire() as conn, conn.transaction():
            filed = await file_grievance(
                conn, self.store, self.intake, meta, form, Channel(g.channel),
                grievance_id=g.grievance_id, member_org=g.member_org, with_secret=False,
            )  # fmt: skip
        self.recorded.receipts.append(filed.reference)
        await self.react(filed.stream, 0)
        self.recorded.cases.append(case_stream(g.grievance_id))

    async def reject(self, case_id: str, grounds: str) -> Any:
        """An officer's rejection; a worker's withdrawal ends the case as cases' policy ends
        it (only the worker withdraws: no officer rejects on those grounds)."""
        if grounds == Grounds.withdrawn_by_worker:
            decide = CASE.deciding(case_id, Withdraw())
            return await execute(self.store, case_id, decide,
                                 Metadata(tenant=self.tenant, actor=SYSTEM))  # fmt: skip
        return await cases.reject(self.cases, self.officer, case_id,
                                  self.rejection(case_id, grounds))  # fmt: skip

    def rejection(self, case_id: str, grounds: str) -> cc.RejectBody:
        """A duplicate names the case opened last before it (the plan puts duplicates last)."""
        if grounds != "duplicate":
            return cc.RejectBody(grounds=grounds)
        earlier = next(c for c in reversed(self.recorded.cases) if c != case_id)
        return cc.RejectBody(grounds=grounds, duplicate_of=earlier)

    async def close(self, case_id: str, outcome: str) -> None:
        """Close as planned; a case closed as resolved has its plan's actions done first, as
        closing as resolved asks."""
        if outcome == "resolved":
            state = CASE.fold(case_id, await self.store.read_stream(case_id))
            for action_id, action in state.actions.items():
                if not action.settled:
                    body = cc.ActionUpdateBody(progress="Done", done=True)
                    await cases.update_action(self.cases, self.officer, case_id, action_id, body)
        await cases.close(self.cases, self.officer, case_id, cc.CloseBody(outcome=outcome))

    async def take(self, g: GrievancePlan, step: Step) -> None:
        NOW.set(step.at)
        case_id = case_stream(g.grievance_id)
        rid = referral_stream(case_id)
        officer, desk, rdesk, code = self.officer, self.cases, self.referrals, step.code or ""
        partner = principal(self.tenant, "partner", f"{g.partner}-staff", g.partner)
        steps: dict[str, Callable[[], Awaitable[Any]]] = {
            "file": lambda: self.file(g),
            "triage": lambda: self.triage(g, code),
            "accept": lambda: cases.accept(desk, officer, case_id),
            "reject": lambda: self.reject(case_id, code),
            "advance": lambda: cases.advance(desk, officer, case_id, cc.AdvanceBody(to=code)),
            "action": lambda: cases.add_action(desk, officer, case_id, cc.ActionBody(
                remedy=code, owner=action_owner(code),
                due_on=step.at.date() + timedelta(days=ACTION_DAYS),
                description="Synthetic action")),
            "correct": lambda: oversight.correct(desk, officer, case_id, cc.CorrectionBody(
                reason="Filed under the wrong type", category=Category(code))),
            "close": lambda: self.close(case_id, code),
            "satisfaction": lambda: cases.satisfaction(
                desk, officer, case_id, cc.SatisfactionBody(score=int(code), source="callback")),
            "reopen": lambda: cases.reopen(desk, officer, case_id,
                                           cc.ReopenBody(reason="Synthetic reopening")),
            "miss": lambda: execute(self.store, case_id,
                                    CASE.deciding(case_id, MissDeadline(Stage(code))),
                                    Metadata(tenant=self.tenant, actor=SYSTEM)),
            "withdraw": lambda: self.withdraw(g),
            "safety": lambda: referral.check_safety(
                rdesk, officer, rid, rr.SafetyBody(imminent_danger=False)),
            "select": lambda: referral.select(rdesk, officer, rid, rr.SelectBody(
                partner_id=g.partner, services=[self.service(g.partner)])),
            "consent": lambda: referral.record_consent(
                rdesk, officer, rid, g.partner or "", rr.ConsentBody(
                    answer=code, channel="phone", given_at=step.at)),
            "acknowledge": lambda: referral.respond(
                rdesk, partner, rid, answers.Acknowledge(g.partner or "")),
            "partner_accept": lambda: referral.respond(
                rdesk, partner, rid, answers.Accept(g.partner or "")),
            "partner_decline": lambda: referral.respond(
                rdesk, partner, rid, answers.Decline(g.partner or "", DeclineReason.no_capacity)),
            "partner_close": lambda: referral.respond(rdesk, partner, rid, answers.Close(
                g.partner or "", ReferralOutcome.services_completed)),
        }  # fmt: skip
        await steps[step.kind]()

    async def triage(self, g: GrievancePlan, code: str) -> None:
        indicators, severity = code.split("|")
        case_id = case_stream(g.grievance_id)
        body = cc.TriageBody(indicators=[i for i in indicators.split(",") if i], severity=severity)
        done = await cases.triage(self.cases, self.officer, case_id, body)
        if g.partner:  # the referral recommended opens the referral
            await self.react(case_id, done.version - 2)

    async def withdraw(self, g: GrievancePlan) -> None:
        stream = grievance_stream(g.grievance_id)

        def decide(history: list[Event]) -> Any:
            state = GRIEVANCE.fold(stream, history)
            return decide_grievance(RequestWithdrawal(g.grievance_id), state)

        await execute(self.store, stream, decide, Metadata(tenant=self.tenant, actor=WORKER))

    @staticmethod
    def service(partner: str | None) -> Service:
        return Service(next(p[3] for p in PARTNERS if p[0] == partner))

    async def live(self, g: GrievancePlan, steps: list[Step]) -> None:
        for step in steps:
            await self.take(g, step)


async def record(
    generators: list[Generator], plan: Plan, advance: Callable[[int], None] = print
) -> Recorded:
    """Set the initiative up, then record every audit and grievance of the plan, with as many
    grievances at once as there are generators."""
    await initiative.set_up(generators[0], plan.start)
    corrections.miscategorise(plan.grievances)
    queue: asyncio.Queue[tuple[GrievancePlan, list[Step]] | AuditPlan] = asyncio.Queue()
    for a in plan.audits:
        queue.put_nowait(a)
    raised = {id(c.grievance) for a in plan.audits for c in a.calls if c and c.grievance}

    # Grievances rejected as duplicates go last, so that each has a case before it to name.
    def duplicate(g: GrievancePlan) -> bool:
        return any(s.kind == "reject" and s.code == "duplicate" for s in g.steps)

    for g in sorted(plan.grievances, key=duplicate):
        if id(g) not in raised:
            queue.put_nowait((g, g.steps))

    async def work(generator: Generator) -> None:
        while not queue.empty():
            item = queue.get_nowait()
            if isinstance(item, AuditPlan):
                await record_audit(generator, item)
                # A grievance raised on a call goes on from there, as any other.
                for call in item.calls:
                    if call and call.grievance:
                        queue.put_nowait((call.grievance, call.grievance.steps[1:]))
                advance(1)
            else:
                await generator.live(*item)
                advance(1)

    await asyncio.gather(*(work(generator) for generator in generators))
    recorded = generators[0].recorded
    recorded.consequences = await suppliers.decide(generators[0], plan, NOW)
    recorded.grievances, recorded.audits = plan.grievances, plan.audits
    return recorded
