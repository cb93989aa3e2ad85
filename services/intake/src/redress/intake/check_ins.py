"""Check-ins after retaliation: the call scheduled when a report's case ends, and the queue.

`ScheduleCheckIns` is a policy: when cases closes or rejects the case it opened for a
retaliation report, it appends `CheckInScheduled` to the report's stream, the tenant's
`check_in_days` later (read on the tenant's stream as it stands then). A case that is not a
report's (no `retaliation-` stream of that id) is not its business. `CheckIns` is the read
model the callback operators' queue reads (`check_ins_api`).
"""

from __future__ import annotations

from redress.events.application import execute
from redress.events.catalogue.case import CaseClosed, CaseRejected
from redress.events.catalogue.retaliation import CheckInMade, CheckInScheduled, RetaliationReported
from redress.events.envelope import SYSTEM, Event, EventData, Metadata
from redress.events.projection import Policy, Projection
from redress.events.store import Conn, read_stream_on
from redress.intake.retaliation_domain import REPORT, ScheduleCheckIn, report_stream
from redress.tenancy.handlers import read_tenant

WITHDRAWN = "withdrawn_by_worker"


class ScheduleCheckIns(Policy):
    name = "schedule_check_ins"
    schema = "intake"
    stream_types = ("case",)
    handles = (CaseClosed, CaseRejected)

    async def apply(self, conn: Conn, event: Event) -> None:
        match event.data:
            case CaseRejected(grounds=grounds) if grounds == WITHDRAWN:
                return  # the worker asked that nobody contact them about it
            case CaseClosed() | CaseRejected() as ended:
                pass
            case _:
                return
        # A report's case has the report's id where a grievance's has the grievance's.
        stream = report_stream(ended.grievance_id)
        if not await read_stream_on(conn, stream):
            return  # a grievance's case: not this policy's business
        days = (await read_tenant(conn, event.tenant)).follow_up.check_in_days
        command = ScheduleCheckIn(ended.case_id, event.time.date(), days)
        metadata = Metadata(tenant=event.tenant, actor=SYSTEM, causationid=event.id,
                            correlationid=event.correlationid or event.id)  # fmt: skip

        def decide(history: list[Event]) -> list[EventData]:
            if not history or any(e.causationid == event.id for e in history):
                return []  # not a report's case, or scheduled before: a replay
            return list(REPORT.deciding(stream, command)(history))

        # In a transaction of its own: the report's stream is older than this batch (ADR 6).
        await execute(self.store, stream, decide, metadata)


class CheckIns(Projection):
    name = "check_ins"
    schema = "intake"
    stream_types = ("retaliation",)
    handles = (RetaliationReported, CheckInScheduled, CheckInMade)
    tables = ("check_ins",)

    async def apply(self, conn: Conn, event: Event) -> None:
        match event.data:
            case RetaliationReported() as r:
                await conn.execute(
                    """INSERT INTO check_ins (report_id, tenant, channel, language, site_id,
                           country, grievance_id, audit_id, contact, version)
                       VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9::jsonb, $10)
                       ON CONFLICT (report_id) DO NOTHING""",
                    r.report_id, event.tenant, r.channel.value, r.language, r.site_id,
                    r.country, r.grievance_id, r.audit_id,
                    r.contact.model_dump_json() if r.contact else None, event.version,
                )  # fmt: skip
            case CheckInScheduled() as s:
                await conn.execute(
                    """UPDATE check_ins SET case_id = $2, due_on = $3, attempts = 0,
                           done_at = NULL, reached = NULL, anything_happened = NULL,
                           version = $4
                       WHERE report_id = $1""",
                    s.report_id, s.case_id, s.due_on, event.version,
                )  # fmt: skip
            case CheckInMade() as m:
                # Called again on `next_due_on`, or done.
                await conn.execute(
                    """UPDATE check_ins SET attempts = $2, reached = $3,
                           anything_happened = $4, due_on = coalesce($5, due_on),
                           done_at = CASE WHEN $5::date IS NULL THEN $6::timestamptz END,
                           version = $7
                       WHERE report_id = $1""",
                    m.report_id, m.attempt, m.reached, m.anything_happened, m.next_due_on,
                    event.time, event.version,
                )  # fmt: skip
