"""Read models of cases: the queue, case pages, plans, threads, timelines and deadlines."""

from __future__ import annotations

import json
from datetime import UTC, datetime, time
from typing import Any

from redress.cases import evidence_views, referral_entries
from redress.cases.policies import case_stream
from redress.events import catalogue
from redress.events.catalogue.access import PersonalDataRead
from redress.events.catalogue.case import (
    CaseClosed,
    CaseOpened,
    CaseRejected,
    CaseReopened,
    CaseTriaged,
    FacilitatorAssigned,
    GrievanceCorrected,
    InternalNoteAdded,
    LessonsLearned,
    MessageSentToWorker,
    OfficerAssigned,
    PlanActionAdded,
    PlanActionUpdated,
    ReferralRecommended,
    ResponseDetermined,
    SatisfactionRecorded,
    StageDeadlineMissed,
    StageEntered,
    VerificationDecided,
    VerificationEvidenceAttached,
    VerificationFindingRecorded,
)
from redress.events.catalogue.grievance import (
    AttachmentAdded,
    ContactConsentChanged,
    GrievanceSubmitted,
    GrievanceUpdated,
    PersonalDataErased,
    PlanAnswered,
    RemedyConfirmed,
    RepresentativeRecorded,
    ReviewRequested,
    WithdrawalRequested,
    WorkerMessagePosted,
)
from redress.events.envelope import Event
from redress.events.projection import Projection
from redress.events.store import Conn
from redress.events.timers import schedule

# Case-row changes per event type: SQL SET clauses and the event's values they take.
_SETS: dict[type, tuple[str, Any]] = {
    CaseTriaged: ("severity = $3, indicators = $4", lambda e: (e.severity, list(e.indicators))),
    ReferralRecommended: ("referral_recommended = true", lambda e: ()),
    CaseRejected: (
        "status = 'rejected', stage_due = NULL, grounds = $3, duplicate_of = $4",
        lambda e: (e.grounds, e.duplicate_of),
    ),
    CaseReopened: (
        "status = 'open', outcome = NULL, grounds = NULL, duplicate_of = NULL",
        lambda e: (),
    ),
    OfficerAssigned: ("officer = $3", lambda e: (e.officer,)),
    FacilitatorAssigned: ("facilitator = $3", lambda e: (e.organisation,)),
    CaseClosed: ("status = 'closed', outcome = $3", lambda e: (e.outcome,)),
    SatisfactionRecorded: ("satisfaction = $3", lambda e: (e.score,)),
    StageDeadlineMissed: ("deadline_missed = true", lambda e: ()),
}
_QUIET = ("case_id", "grievance_id", "message", "note", "finding", "addition", "key_id",
          "attachment_id", "described")  # fmt: skip
# What the worker does on their grievance, shown in the case's timeline too.
_WORKER_ENTRIES = (WorkerMessagePosted, GrievanceUpdated, AttachmentAdded, WithdrawalRequested,
                   PersonalDataErased, ContactConsentChanged, ReviewRequested, PlanAnswered,
                   RemedyConfirmed, RepresentativeRecorded)  # fmt: skip


def _timeline_insert(at: int) -> str:
    """A timeline entry whose values are the parameters from $`at` on: case, position, type,
    role, details, time, actor id (`CaseViews._entry`)."""
    case, position, kind, role, details, when, actor = (f"${at + i}" for i in range(7))
    return (
        "INSERT INTO timeline (case_id, position, type, actor, details, time, actor_id) "
        f"VALUES ({case}, {position}, {kind}, {role}, {details}::jsonb, {when}, {actor}) "
        "ON CONFLICT DO NOTHING"
    )


def timer_id(case_id: str, stage: str) -> str:
    return f"{case_id}:{stage}"


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
        data = event.data
        if event.stream_type == "referral":
            await referral_entries.apply(conn, event)
            return
        if event.stream_type == "grievance":
            await self._grievance(conn, event)
            if isinstance(data, _WORKER_ENTRIES):
                await self._timeline(conn, event, case_stream(data.grievance_id))
            return
        if isinstance(data, PersonalDataRead):
            await conn.execute(
                "INSERT INTO reads VALUES ($1, $2, $3, $4, $5, $6, $7) "
                "ON CONFLICT DO NOTHING",
                data.case_id, event.position, event.actor.id, event.actor.role,
                list(data.fields), data.channel, event.time,
            )  # fmt: skip
            return
        match data:
            case CaseOpened():
                await self._opened(conn, event, data)
                return
            case StageEntered():
                await self._stage(conn, event, data)
                return
        await self._timeline(conn, event)
        if type(data) in _SETS:
            clause, values = _SETS[type(data)]
            await conn.execute(
                f"UPDATE cases SET {clause}, updated_at = $2 WHERE case_id = $1",
                event.stream, event.time, *values(data),
            )  # fmt: skip
        match data:
            case CaseRejected() | CaseClosed():
                await self._stop_timers(conn, event.stream)
            case StageDeadlineMissed():
                # Fired, as of the event: a rebuild then holds what the live rows hold.
                await conn.execute(
                    "UPDATE timers SET fired_at = $2 WHERE id = $1",
                    timer_id(event.stream, data.stage), event.time,
                )  # fmt: skip
            case PlanActionAdded():
                # Its owner as named, or (version 1, or none named) the case's party of its
                # kind as the case stands now, in the log's order: `case_state.owner_org`.
                await conn.execute(
                    """INSERT INTO actions (case_id, action_id, remedy, owner, due_on,
                           description, done, updated_at, owner_org)
                       VALUES ($1, $2, $3, $4, $5, $6, false, $7, coalesce($8::text, (
                           SELECT CASE $4::text WHEN 'member_company' THEN member_org
                               WHEN 'supplier' THEN site_id WHEN 'facilitator' THEN facilitator
                               END FROM cases WHERE case_id = $1)))
                       ON CONFLICT DO NOTHING""",
                    event.stream, data.action_id, data.remedy, data.owner, data.due_on,
                    data.description, event.time, data.owner_org,
                )  # fmt: skip
            case PlanActionUpdated():
                await conn.execute(
                    """UPDATE actions SET progress = $3, evidence = coalesce($4, evidence),
                       done = $5, updated_at = $6 WHERE case_id = $1 AND action_id = $2""",
                    event.stream, data.action_id, data.progress, data.evidence, data.done,
                    event.time,
                )  # fmt: skip
            case MessageSentToWorker():
                await self._post(conn, event.stream, event, "officer", data.message)
            case InternalNoteAdded():
                await self._post(conn, event.stream, event, "note", data.note)
            case GrievanceCorrected():
                # A corrected site brings its member (or none): the case leaves the other's.
                await conn.execute(
                    """UPDATE cases SET category = coalesce($2, category),
                           country = coalesce($3, country), site_id = coalesce($4, site_id),
                           member_org = CASE WHEN $4::text IS NULL THEN member_org ELSE $5 END,
                           language = coalesce($6, language), updated_at = $7
                       WHERE case_id = $1""",
                    event.stream, data.category, data.country, data.site_id, data.member_org,
                    data.language, event.time,
                )  # fmt: skip
                if data.site_id is not None:
                    await self._adopt(conn, event.stream, "supplier", "member_company")
            case FacilitatorAssigned():
                await self._adopt(conn, event.stream, "facilitator")
            case VerificationFindingRecorded():
                await conn.execute(
                    "INSERT INTO findings VALUES ($1, $2, $3, $4::jsonb, $5, $6) "
                    "ON CONFLICT DO NOTHING",
                    event.stream, event.position, data.source, data.finding.model_dump_json(),
                    event.time, event.version,
                )  # fmt: skip
            case VerificationEvidenceAttached():
                await evidence_views.project(conn, event, data)
            case VerificationDecided() | ResponseDetermined():
                step = "verification" if isinstance(data, VerificationDecided) else "response"
                details = data.model_dump(mode="json", exclude={"case_id"})
                await conn.execute(
                    "INSERT INTO determinations VALUES ($1, $2, $3::jsonb, $4) "
                    "ON CONFLICT (case_id, step) DO UPDATE SET details = $3::jsonb, time = $4",
                    event.stream, step, json.dumps(details), event.time,
                )  # fmt: skip
            case LessonsLearned():
                await conn.execute(
                    "INSERT INTO lessons VALUES ($1, $2, $3, $4) ON CONFLICT (case_id) "
                    "DO UPDATE SET text = $3, tags = $4",
                    event.stream, event.tenant, data.text, list(data.tags),
                )  # fmt: skip

    @staticmethod
    async def _adopt(conn: Conn, case_id: str, *kinds: str) -> None:
        """Actions given to a kind of party the case had none of go to the one it now has
        (`case_state.adopt`)."""
        await conn.execute(
            """UPDATE actions a SET owner_org = CASE a.owner WHEN 'supplier' THEN c.site_id
                   WHEN 'member_company' THEN c.member_org ELSE c.facilitator END
               FROM cases c WHERE c.case_id = $1 AND a.case_id = $1
                   AND a.owner = ANY($2::text[]) AND a.owner_org IS NULL""",
            case_id, list(kinds),
        )  # fmt: skip

    async def carry_over(self, conn: Conn, shadow: str) -> None:
        # The scheduler marks a timer fired before its StageDeadlineMissed reaches any
        # projection: the rebuilt row keeps the mark, so the timer does not fire twice.
        await conn.execute(
            f"""UPDATE {shadow}.timers s SET fired_at = l.fired_at FROM cases.timers l
                WHERE s.id = l.id AND s.fired_at IS NULL AND l.fired_at IS NOT NULL"""
        )

    # The two events of every case opened write in one statement each (with their timeline
    # entry): a rebuild replays them all, and its time is in round trips to PostgreSQL.

    async def _opened(self, conn: Conn, event: Event, c: CaseOpened) -> None:
        # Opened when the worker filed: the policy may open a batch of cases at one time.
        await conn.execute(
            f"""WITH entry AS ({_timeline_insert(13)})
               INSERT INTO cases (case_id, tenant, grievance_id, category, country,
                   site_id, member_org, language, identity_shareable, status, stage,
                   opened_at, opened_position, updated_at, contact_consented)
               VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, 'open', 'admissibility',
                   coalesce((SELECT filed_at FROM filings WHERE grievance_id = $3), $10),
                   coalesce((SELECT position FROM filings WHERE grievance_id = $3), $11), $12,
                   coalesce((SELECT contact_consented FROM filings WHERE grievance_id = $3),
                            false))
               ON CONFLICT DO NOTHING""",
            event.stream, event.tenant, c.grievance_id, c.category, c.country, c.site_id,
            c.member_org, c.language, c.identity_shareable, event.time, event.position,
            event.time, *self._entry(event),
        )  # fmt: skip

    async def _stage(self, conn: Conn, event: Event, s: StageEntered) -> None:
        # The stage before is over: its timer goes, fired or not, so that a stage entered
        # again (on reopening) gets a timer of its own, and a rebuild gives the same rows.
        await conn.execute(
            f"""WITH entry AS ({_timeline_insert(5)}),
                    previous AS (SELECT stage FROM cases WHERE case_id = $1),
                    moved AS (UPDATE cases SET stage = $2, stage_due = $3,
                                  deadline_missed = false, updated_at = $4
                              WHERE case_id = $1)
               DELETE FROM timers WHERE id = $1 || ':' || (SELECT stage FROM previous)""",
            event.stream, s.stage, s.due_on, event.time, *self._entry(event),
        )  # fmt: skip
        if s.due_on is not None:
            # Missed when the due day has passed entirely, in the tenant's time zone (UTC for
            # stages entered before the event said).
            due = s.due_at or datetime.combine(s.due_on, time.max, tzinfo=UTC)
            await schedule(conn, None, timer_id(event.stream, s.stage), "deadline",
                           event.tenant, due, stream=event.stream, stage=s.stage)  # fmt: skip

    async def _stop_timers(self, conn: Conn, case_id: str) -> None:
        await conn.execute("DELETE FROM timers WHERE id LIKE $1", f"{case_id}:%")

    async def _timeline(self, conn: Conn, event: Event, case_id: str | None = None) -> None:
        await conn.execute(_timeline_insert(1), case_id or event.stream, *self._entry(event)[1:])

    @staticmethod
    def _entry(event: Event) -> tuple[Any, ...]:
        """The values of `_timeline_insert` for the event's own case."""
        details = {k: v for k, v in event.data.model_dump(mode="json").items() if k not in _QUIET}
        return (event.stream, event.position, event.type, event.actor.role,
                json.dumps(details), event.time, event.actor.id)  # fmt: skip

    async def _grievance(self, conn: Conn, event: Event) -> None:
        match event.data:
            case GrievanceSubmitted(grievance_id=gid, personal=personal, consent=consent):
                await conn.execute(
                    """WITH personal AS (INSERT INTO grievance_data VALUES ($1, $2::jsonb)
                                         ON CONFLICT DO NOTHING)
                       INSERT INTO filings VALUES ($1, $3, $4, $5) ON CONFLICT DO NOTHING""",
                    gid, personal.model_dump_json(), event.time, event.position,
                    consent.contact_me,
                )  # fmt: skip
            case ContactConsentChanged(grievance_id=gid, contact_me=contact_me):
                # Officers see the worker's contact details only while the worker allows it.
                await conn.execute(
                    """WITH filing AS (UPDATE filings SET contact_consented = $2
                                       WHERE grievance_id = $1)
                       UPDATE cases SET contact_consented = $2 WHERE grievance_id = $1""",
                    gid, contact_me,
                )  # fmt: skip
            case (
                WorkerMessagePosted(grievance_id=gid, message=sealed)
                | GrievanceUpdated(grievance_id=gid, addition=sealed)
            ):
                await self._post(conn, case_stream(gid), event, "worker", sealed)
            case PersonalDataErased(grievance_id=gid):
                await conn.execute("DELETE FROM grievance_data WHERE grievance_id = $1", gid)

    @staticmethod
    async def _post(conn: Conn, case_id: str, event: Event, author: str, sealed: Any) -> None:
        await conn.execute(
            "INSERT INTO thread VALUES ($1, $2, $3, $4::jsonb, $5) ON CONFLICT DO NOTHING",
            case_id, event.position, author, sealed.model_dump_json(), event.time,
        )  # fmt: skip
