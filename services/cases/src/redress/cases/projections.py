"""Read models of cases: the queue, case pages, plans, threads, timelines and deadlines.

A batch is written set-based, a statement per table rather than per event. What only adds
rows that nothing else in the batch reads (timeline entries, the thread, reads, findings,
evidence) is written for the whole batch at once; the rest in rounds of one kind of event,
at most one per case (`redress.events.projection.rounds`, `case_rounds`): a case's rows are
written by its own events only, so cases may go in any order, each case's events in theirs.
"""

from __future__ import annotations

import json
from collections.abc import Hashable
from typing import Any

from redress.cases import case_rounds, referral_entries
from redress.cases.policies import case_stream
from redress.events import catalogue
from redress.events.catalogue.access import PersonalDataRead
from redress.events.catalogue.case import InternalNoteAdded, MessageSentToWorker
from redress.events.catalogue.case_verification import (
    VerificationEvidenceAttached,
    VerificationFindingRecorded,
)
from redress.events.catalogue.grievance import (
    AttachmentAdded,
    GrievanceSubmitted,
    GrievanceUpdated,
    PersonalDataErased,
    WithdrawalRequested,
    WorkerMessagePosted,
)
from redress.events.catalogue.grievance_answers import (
    ContactConsentChanged,
    PlanAnswered,
    RemedyConfirmed,
    ReviewRequested,
)
from redress.events.catalogue.representation import RepresentativeRecorded
from redress.events.envelope import Event
from redress.events.projection import Projection, rounds, write_rows
from redress.events.store import Conn

_QUIET = ("case_id", "grievance_id", "message", "note", "finding", "addition", "key_id",
          "attachment_id", "described")  # fmt: skip
# What the worker does on their grievance, shown in the case's timeline too.
_WORKER_ENTRIES = (WorkerMessagePosted, GrievanceUpdated, AttachmentAdded, WithdrawalRequested,
                   PersonalDataErased, ContactConsentChanged, ReviewRequested, PlanAnswered,
                   RemedyConfirmed, RepresentativeRecorded)  # fmt: skip

_TIMELINE = """
INSERT INTO timeline (case_id, position, type, actor, details, time, actor_id)
SELECT * FROM unnest($1::text[], $2::bigint[], $3::text[], $4::text[], $5::jsonb[],
                     $6::timestamptz[], $7::text[])
ON CONFLICT DO NOTHING
"""
_THREAD = """
INSERT INTO thread SELECT * FROM unnest($1::text[], $2::bigint[], $3::text[], $4::jsonb[],
                                        $5::timestamptz[])
ON CONFLICT DO NOTHING
"""
_READS = """
INSERT INTO reads SELECT v.case_id, v.position, v.reader, v.role,
    ARRAY(SELECT jsonb_array_elements_text(v.fields)), v.channel, v.time
FROM unnest($1::text[], $2::bigint[], $3::text[], $4::text[], $5::jsonb[], $6::text[],
            $7::timestamptz[]) AS v(case_id, position, reader, role, fields, channel, time)
ON CONFLICT DO NOTHING
"""
_FINDINGS = """
INSERT INTO findings SELECT * FROM unnest($1::text[], $2::bigint[], $3::text[], $4::jsonb[],
                                          $5::timestamptz[], $6::int[])
ON CONFLICT DO NOTHING
"""
_EVIDENCE = """
INSERT INTO evidence SELECT * FROM unnest($1::text[], $2::text[], $3::int[], $4::text[],
    $5::text[], $6::int[], $7::jsonb[], $8::bigint[], $9::timestamptz[])
ON CONFLICT DO NOTHING
"""


class CaseViews(Projection):
    name = "views"
    schema = "cases"
    stream_types = ("case", "grievance", "access", "referral")
    # Every case event joins the timeline, and so do the referral's milestones.
    handles = (*catalogue.of_stream("case"), GrievanceSubmitted, GrievanceUpdated,
               WorkerMessagePosted, AttachmentAdded, WithdrawalRequested, PersonalDataErased,
               ContactConsentChanged, ReviewRequested, PlanAnswered, RemedyConfirmed,
               RepresentativeRecorded, PersonalDataRead,
               *referral_entries.READS)  # fmt: skip
    tables = ("cases", "actions", "timeline", "thread", "lessons", "grievance_data", "timers",
              "reads", "filings", "referral_cases", "referral_partners", "findings",
              "determinations", "evidence")  # fmt: skip

    async def apply(self, conn: Conn, event: Event) -> None:
        await self.apply_batch(conn, [event])

    async def apply_batch(self, conn: Conn, events: list[Event]) -> None:
        await _added(conn, events)
        ordered = [e for e in events if case_rounds.writes(e)]
        for taken in rounds(ordered, _case_of):
            await case_rounds.write(conn, taken)

    async def carry_over(self, conn: Conn, shadow: str) -> None:
        # The scheduler marks a timer fired before its StageDeadlineMissed reaches any
        # projection: the rebuilt row keeps the mark, so the timer does not fire twice.
        await conn.execute(
            f"""UPDATE {shadow}.timers s SET fired_at = l.fired_at FROM cases.timers l
                WHERE s.id = l.id AND s.fired_at IS NULL AND l.fired_at IS NOT NULL"""
        )


def _case_of(event: Event) -> Hashable:
    """Whose rows the event writes: its case (a grievance's case is fixed by the grievance),
    or, for a referral's milestone, its referral's (the timeline entries it adds commute)."""
    data: Any = event.data
    if event.stream_type == "grievance":
        return case_stream(data.grievance_id)
    if isinstance(data, PersonalDataRead):
        return data.case_id
    return event.stream


async def _added(conn: Conn, events: list[Event]) -> None:
    """The rows the batch adds that no event of it reads, changes or removes: written first,
    one statement per table."""
    timeline: list[tuple[Any, ...]] = []
    thread: list[tuple[Any, ...]] = []
    reads: list[tuple[Any, ...]] = []
    findings: list[tuple[Any, ...]] = []
    evidence: list[tuple[Any, ...]] = []
    for event in events:
        data: Any = event.data
        kind = event.stream_type
        if kind == "case" or (kind == "grievance" and isinstance(data, _WORKER_ENTRIES)):
            timeline.append(_entry(event, event.stream if kind == "case" else
                                   case_stream(data.grievance_id)))  # fmt: skip
        match data:
            case PersonalDataRead():
                reads.append((data.case_id, event.position, event.actor.id, event.actor.role,
                              json.dumps(list(data.fields)), data.channel, event.time))  # fmt: skip
            case (
                WorkerMessagePosted(grievance_id=gid, message=sealed)
                | GrievanceUpdated(grievance_id=gid, addition=sealed)
            ):
                thread.append(_post(case_stream(gid), event, "worker", sealed))
            case MessageSentToWorker():
                thread.append(_post(event.stream, event, "officer", data.message))
            case InternalNoteAdded():
                thread.append(_post(event.stream, event, "note", data.note))
            case VerificationFindingRecorded():
                findings.append((event.stream, event.position, data.source,
                                 data.finding.model_dump_json(), event.time,
                                 event.version))  # fmt: skip
            case VerificationEvidenceAttached():
                evidence.append((event.stream, data.file_id, data.finding_version, event.tenant,
                                 data.content_type, data.size, data.described.model_dump_json(),
                                 event.position, event.time))  # fmt: skip
    for sql, rows in ((_TIMELINE, timeline), (_THREAD, thread), (_READS, reads),
                      (_FINDINGS, findings), (_EVIDENCE, evidence)):  # fmt: skip
        await write_rows(conn, sql, rows)


def _entry(event: Event, case_id: str) -> tuple[Any, ...]:
    """The event's timeline entry on `case_id`: nothing of what the worker wrote."""
    details = {k: v for k, v in event.data.model_dump(mode="json").items() if k not in _QUIET}
    return (case_id, event.position, event.type, event.actor.role, json.dumps(details),
            event.time, event.actor.id)  # fmt: skip


def _post(case_id: str, event: Event, author: str, sealed: Any) -> tuple[Any, ...]:
    return (case_id, event.position, author, sealed.model_dump_json(), event.time)
