"""Callback campaigns, transport-free: registering an audit, recording a call's outcome.

Both go through the application layer's `execute`. What must commit with the audit's events
rides in their transaction: the audit's data key, sealing the phone numbers; the grievance a
worker raised on the call; an Idempotency-Key's claim and first answer.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import date
from typing import Any

from pydantic import ValidationError

from redress.events.application import Recorded, execute
from redress.events.catalogue.audit import CallbackCompleted
from redress.events.catalogue.grievance import Channel
from redress.events.envelope import Event, EventData, Metadata
from redress.events.ids import new_id
from redress.events.store import Conn, EventStore
from redress.intake import callback_index
from redress.intake.callbacks_commands import (
    AuditInput,
    AuditRegisteredAnswer,
    OutcomeAnswer,
    OutcomeInput,
)
from redress.intake.callbacks_domain import (
    AUDIT,
    Audit,
    CompleteCallback,
    Interviewee,
    RegisterAudit,
    audit_key_id,
    audit_stream,
    due_on,
)
from redress.intake.commands import Filed, GrievanceInput
from redress.intake.context import Intake
from redress.intake.filing import file_grievance
from redress.intake.retaliation import callback_contact, record_report
from redress.intake.retaliation_domain import ReportRetaliation
from redress.kit.auth import Principal
from redress.kit.deps import metadata_for
from redress.kit.errors import Problem
from redress.kit.i18n import LANGUAGES
from redress.kit.idempotency import Once, Retry

SCHEMA = "intake"


@dataclass
class _Registration:
    """The audit's data key, made in the write's transaction, seals the phone numbers."""

    intake: Intake
    principal: Principal
    audit_id: str
    body: AuditInput
    country: str
    once: Once | None
    command: RegisterAudit | None = None

    async def begin(self, conn: Conn) -> Any:
        if self.once is not None and (earlier := await self.once.begin(conn)) is not None:
            return earlier
        tenant = self.principal.tenant
        key = await self.intake.keyring.create(conn, audit_key_id(self.audit_id), tenant)
        workers = tuple(
            Interviewee(
                callback_id=str(new_id()),
                language=w.language,
                contact=key.seal(json.dumps({"phone": w.phone, "good_time": w.good_time}).encode()),
            )
            for w in self.body.workers
        )
        self.command = RegisterAudit(
            audit_id=self.audit_id,
            site_id=self.body.site_id,
            country=self.country,
            audit_date=self.body.audit_date,
            auditor_org=self.principal.org,
            workers=workers,
        )
        return None

    def decide(self, history: list[Event]) -> list[EventData]:
        assert self.command is not None  # made by `begin`, in the same attempt
        return list(AUDIT.deciding(audit_stream(self.audit_id), self.command)(history))

    async def end(self, conn: Conn, recorded: Recorded) -> None:
        # Outcomes find their audit here, not in a read model a rebuild empties (ADR 18).
        assert self.command is not None
        callbacks = [(w.callback_id, w.language) for w in self.command.workers]
        await callback_index.remember(conn, self.principal.tenant, self.audit_id, callbacks)
        if self.once is not None:
            await self.once.end(conn, recorded)


async def register_audit(
    store: EventStore,
    intake: Intake,
    principal: Principal,
    body: AuditInput,
    country: str,
    retry: Retry | None = None,
) -> AuditRegisteredAnswer:
    """Register an audit at a site of `country` and schedule a callback per worker."""
    audit_id = str(new_id())

    def answer(done: Recorded) -> AuditRegisteredAnswer:
        return AuditRegisteredAnswer(
            audit_id=audit_id,
            stream=done.stream,
            version=done.version,
            callbacks=len(body.workers),
            due_on=due_on(body.audit_date),
        )

    once = Once.of(retry, SCHEMA, principal, answer)
    registration = _Registration(intake, principal, audit_id, body, country, once)
    done = await execute(
        store,
        audit_stream(audit_id),
        registration.decide,
        metadata_for(principal),
        transaction=registration,
    )
    if done.earlier is not None:
        return AuditRegisteredAnswer.model_validate(done.earlier)
    return answer(done)


@dataclass(frozen=True)
class Call:
    """When the call was made, and the tenant's follow-up: how often a worker is called."""

    today: date
    attempts_allowed: int
    retry_days: int


@dataclass
class _Call:
    """A call's outcome, and the grievance the worker raised on it, in one transaction."""

    store: EventStore
    intake: Intake
    metadata: Metadata
    body: OutcomeInput
    language: str
    audit_id: str
    grievance_id: str | None
    once: Once | None
    filed: Filed | None = None
    report_id: str | None = None

    async def begin(self, conn: Conn) -> Any:
        # Claimed before deciding: a retry of an outcome recorded gets its first answer, not
        # "already completed".
        return None if self.once is None else await self.once.begin(conn)

    async def end(self, conn: Conn, recorded: Recorded) -> None:
        audit = AUDIT.fold(recorded.stream, recorded.history)
        form = grievance_form(self.body, audit, self.language)
        if form is not None:
            self.filed = await file_grievance(
                conn, self.store, self.intake, self.metadata, form, Channel.callback,
                grievance_id=self.grievance_id, audit_id=self.audit_id,
            )  # fmt: skip
        if any(isinstance(e, CallbackCompleted) and e.retaliation_reported
               for e in recorded.events):  # fmt: skip
            await self._report(conn, recorded, audit)
        if self.once is not None:
            await self.once.end(conn, recorded)

    async def _report(self, conn: Conn, recorded: Recorded, audit: Audit) -> None:
        """Retaliation told on the call opens a case of its own at once (docs/follow-up.md),
        linked to the grievance raised on the same call, if any."""
        (completed,) = [e for e in recorded.events if isinstance(e, CallbackCompleted)]
        self.report_id = str(new_id())
        report = ReportRetaliation(
            report_id=self.report_id, channel=Channel.callback, language=self.language,
            country=audit.country, site_id=audit.site_id, grievance_id=self.grievance_id,
            audit_id=self.audit_id, callback_id=completed.callback_id,
            contact=callback_contact(recorded.history, completed.callback_id),
        )  # fmt: skip
        await record_report(conn, self.store, self.metadata, report)


async def record_outcome(
    store: EventStore,
    intake: Intake,
    principal: Principal,
    audit_id: str,
    callback_id: str,
    language: str,
    body: OutcomeInput,
    call_made: Call,
    retry: Retry | None = None,
) -> OutcomeAnswer:
    """Record a call: reached or not, retaliation reported, and a grievance raised on it.

    A worker not reached before the tenant's last attempt is called again (the domain says
    when); the outcome answers the same way.
    """
    # One correlation id ties the outcome to the grievance it raised.
    metadata = metadata_for(principal).model_copy(update={"correlationid": new_id()})
    grievance_id = str(new_id()) if body.grievance else None
    command = CompleteCallback(
        audit_id=audit_id,
        callback_id=callback_id,
        reached=body.reached,
        retaliation_reported=body.retaliation_reported,
        grievance_id=grievance_id,
        today=call_made.today,
        attempts_allowed=call_made.attempts_allowed,
        retry_days=call_made.retry_days,
    )
    stream = audit_stream(audit_id)

    def answer(done: Recorded) -> OutcomeAnswer:
        return OutcomeAnswer(
            callback_id=callback_id,
            audit_id=audit_id,
            stream=done.stream,
            version=done.version,
            grievance=call.filed,
            retaliation_report_id=call.report_id,
        )

    once = Once.of(retry, SCHEMA, principal, answer)
    call = _Call(store, intake, metadata, body, language, audit_id, grievance_id, once)
    done = await execute(store, stream, AUDIT.deciding(stream, command), metadata, transaction=call)
    if done.earlier is not None:
        return OutcomeAnswer.model_validate(done.earlier)
    return answer(done)


def grievance_form(body: OutcomeInput, audit: Audit, language: str) -> GrievanceInput | None:
    """The grievance as any channel files it, at the audited site."""
    if body.grievance is None:
        return None
    g = body.grievance
    try:
        return GrievanceInput(
            country=audit.country,
            site_id=audit.site_id,
            category=g.category,
            narrative=g.narrative,
            since=g.since,
            language=g.language or (language if language in LANGUAGES else "en"),
            contact=g.contact,
            consent=g.consent,
        )
    except ValidationError as exc:
        detail = "; ".join(
            f"grievance.{'.'.join(map(str, e['loc']))}: {e['msg']}" for e in exc.errors()
        )
        raise Problem(422, "validation", detail) from None
