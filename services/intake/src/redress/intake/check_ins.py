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
from redress.events.projection import Policy, Projection, columns, of_kind, rounds
from redress.events.store import Conn
from redress.intake.retaliation_domain import REPORT, ScheduleCheckIn, report_stream
from redress.tenancy.handlers import read_tenant

WITHDRAWN = "withdrawn_by_worker"


class ScheduleCheckIns(Policy):
    name = "schedule_check_ins"
    schema = "intake"
    stream_types = ("case",)
    handles = (CaseClosed, CaseRejected)

    async def apply(self, conn: Conn, event: Event) -> None:
        await self.apply_batch(conn, [event])

    async def apply_batch(self, conn: Conn, events: list[Event]) -> None:
        """Which of the batch's ended cases are reports' is asked once for the batch; each of
        those is then scheduled in a transaction of its own (the report's stream is older
        than this batch: ADR 6)."""
        ended = [(e, _report_of(e)) for e in events]
        asked = [stream for _, stream in ended if stream is not None]
        if not asked:
            return
        reports = {r["stream"] for r in await conn.fetch(
            "SELECT DISTINCT stream FROM eventlog.events WHERE stream = ANY($1::text[])", asked
        )}  # fmt: skip
        for event, stream in ended:
            if stream is not None and stream in reports:
                await self._schedule(conn, event, stream)

    async def _schedule(self, conn: Conn, event: Event, stream: str) -> None:
        ended = event.data
        if not isinstance(ended, CaseClosed | CaseRejected):
            return
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


def _report_of(event: Event) -> str | None:
    """The report's stream a case that ended would be of (a report's case has the report's
    id where a grievance's has the grievance's); None when nobody may be called about it."""
    match event.data:
        case CaseRejected(grounds=grounds) if grounds == WITHDRAWN:
            return None  # the worker asked that nobody contact them about it
        case CaseClosed() | CaseRejected() as ended:
            return report_stream(ended.grievance_id)
    return None


class CheckIns(Projection):
    name = "check_ins"
    schema = "intake"
    stream_types = ("retaliation",)
    handles = (RetaliationReported, CheckInScheduled, CheckInMade)
    tables = ("check_ins",)

    async def apply(self, conn: Conn, event: Event) -> None:
        await self.apply_batch(conn, [event])

    async def apply_batch(self, conn: Conn, events: list[Event]) -> None:
        """In rounds, one event per report, a statement per round."""
        for taken in rounds(events, _report_id):
            match taken[0].data:
                case RetaliationReported():
                    await conn.execute(
                        """INSERT INTO check_ins (report_id, tenant, channel, language, site_id,
                               country, grievance_id, audit_id, contact, version)
                           SELECT * FROM unnest($1::text[], $2::text[], $3::text[], $4::text[],
                               $5::text[], $6::text[], $7::text[], $8::text[], $9::jsonb[],
                               $10::int[])
                           ON CONFLICT (report_id) DO NOTHING""",
                        *columns((r.report_id, e.tenant, r.channel.value, r.language, r.site_id,
                                  r.country, r.grievance_id, r.audit_id,
                                  r.contact.model_dump_json() if r.contact else None, e.version)
                                 for e, r in of_kind(taken, RetaliationReported)),
                    )  # fmt: skip
                case CheckInScheduled():
                    await conn.execute(
                        """UPDATE check_ins c SET case_id = v.case_id, due_on = v.due_on,
                               attempts = 0, done_at = NULL, reached = NULL,
                               anything_happened = NULL, version = v.version
                           FROM unnest($1::text[], $2::text[], $3::date[], $4::int[])
                                AS v(report_id, case_id, due_on, version)
                           WHERE c.report_id = v.report_id""",
                        *columns((s.report_id, s.case_id, s.due_on, e.version)
                                 for e, s in of_kind(taken, CheckInScheduled)),
                    )  # fmt: skip
                case CheckInMade():
                    # Called again on `next_due_on`, or done.
                    await conn.execute(
                        """UPDATE check_ins c SET attempts = v.attempts, reached = v.reached,
                               anything_happened = v.happened,
                               due_on = coalesce(v.next_due_on, c.due_on),
                               done_at = CASE WHEN v.next_due_on IS NULL THEN v.time END,
                               version = v.version
                           FROM unnest($1::text[], $2::int[], $3::bool[], $4::bool[],
                                       $5::date[], $6::timestamptz[], $7::int[])
                                AS v(report_id, attempts, reached, happened, next_due_on, time,
                                     version)
                           WHERE c.report_id = v.report_id""",
                        *columns((m.report_id, m.attempt, m.reached, m.anything_happened,
                                  m.next_due_on, e.time, e.version)
                                 for e, m in of_kind(taken, CheckInMade)),
                    )  # fmt: skip


def _report_id(event: Event) -> str:
    report_id: str = getattr(event.data, "report_id")  # noqa: B009 - all it reads have one
    return report_id
