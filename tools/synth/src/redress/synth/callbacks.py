"""The callback programme as planned: each audit registered, each of its calls recorded at
its moment through intake's own handlers, as an operator would record it."""

from __future__ import annotations

from typing import TYPE_CHECKING

from redress.cases.policies import case_stream
from redress.events.catalogue.audit import CallbackScheduled
from redress.events.catalogue.grievance import Category, Consent
from redress.intake.callbacks_commands import (
    AuditInput,
    CallbackGrievance,
    OutcomeInput,
    WorkerToCall,
)
from redress.intake.callbacks_handlers import Call, record_outcome, register_audit
from redress.intake.retaliation_domain import report_stream
from redress.synth.moments import NOW
from redress.synth.plan import AuditPlan
from redress.synth.world import CANARY, PHONES

if TYPE_CHECKING:
    from redress.synth.run import Generator


async def record_audit(generator: Generator, a: AuditPlan) -> None:
    """Register the audit, then record each call as planned: a grievance raised on a call and
    a retaliation reported on it go to cases as the platform's policies take them."""
    NOW.set(a.registered_at)
    workers = [WorkerToCall(phone=f"{PHONES}9{a.index:03d}{i:02d}", language=lang)
               for i, lang in enumerate(a.languages)]  # fmt: skip
    body = AuditInput(site_id=a.site.site_id, audit_date=a.audit_date, workers=workers)
    done = await register_audit(
        generator.store, generator.intake, generator.auditor, body, a.site.country
    )
    generator.recorded.audit_ids[a.index] = done.audit_id
    events = await generator.store.read_stream(done.stream)
    scheduled = [e.data for e in events if isinstance(e.data, CallbackScheduled)]
    for call, callback in zip(a.calls, scheduled, strict=True):
        if call is None:
            continue
        NOW.set(call.at)
        raised = None
        if call.grievance is not None:
            g = call.grievance
            raised = CallbackGrievance(
                category=Category(g.category), narrative=f"Synthetic call {CANARY}",
                language=g.language, consent=Consent(share_with_support_services=g.share),
            )  # fmt: skip
        outcome = OutcomeInput(reached=call.reached, retaliation_reported=call.retaliation,
                               grievance=raised)  # fmt: skip
        # The history has one call per worker: each is the last one.
        once = Call(call.at.date(), attempts_allowed=1, retry_days=1)
        answer = await record_outcome(
            generator.store, generator.intake, generator.operator, done.audit_id,
            callback.callback_id, callback.language, outcome, once,
        )  # fmt: skip
        if call.grievance is not None and answer.grievance is not None:
            call.grievance.grievance_id = answer.grievance.grievance_id
            generator.recorded.receipts.append(answer.grievance.reference)
            await generator.react(answer.grievance.stream, 0)
            generator.recorded.cases.append(case_stream(answer.grievance.grievance_id))
        if answer.retaliation_report_id is not None:
            # Cases opens a report's case at once, as the platform's policy does.
            call.report_id = answer.retaliation_report_id
            await generator.react(report_stream(call.report_id), 0)
