"""Read models of assessment: the list, each assessment's answers, its thread, its action
plan and the timers of the plan's reminders."""

from __future__ import annotations

import json

from redress.assessment.reminders import KIND, fires_at, timer_id
from redress.events import catalogue
from redress.events.catalogue.assessment import (
    ActionPlanned,
    ActionProgressed,
    ActionReminded,
    AnswerChallenged,
    AnswerRecorded,
    AnswerVerified,
    AssessmentStarted,
    AssessmentSubmitted,
    ChallengeAnswered,
    EvidenceErased,
    EvidenceFileAttached,
    RatingAgreed,
    RatingDisputed,
    RatingProposed,
    Reminder,
)
from redress.events.envelope import Event
from redress.events.projection import Projection
from redress.events.store import Conn
from redress.events.timers import schedule

# Where a review leaves an answer.
_REVIEWS = {AnswerVerified: "verified", AnswerChallenged: "challenged",
            ChallengeAnswered: "answered"}  # fmt: skip


class AssessmentViews(Projection):
    name = "views"
    schema = "assessment"
    stream_types = ("assessment",)
    handles = catalogue.of_stream("assessment")
    tables = ("assessments", "answers", "thread", "actions", "timers", "files")

    async def carry_over(self, conn: Conn, shadow: str) -> None:
        # A timer marked fired before its ActionReminded was projected keeps its mark.
        await conn.execute(
            f"""UPDATE {shadow}.timers s SET fired_at = l.fired_at FROM assessment.timers l
                WHERE s.id = l.id AND s.fired_at IS NULL AND l.fired_at IS NOT NULL"""
        )

    async def apply(self, conn: Conn, event: Event) -> None:
        data, stream = event.data, event.stream
        await conn.execute(
            "UPDATE assessments SET updated_at = $2 WHERE assessment_id = $1", stream, event.time
        )
        match data:
            case AssessmentStarted():
                await conn.execute(
                    """INSERT INTO assessments (assessment_id, tenant, org, framework, version,
                           title, status, started_by, started_at, started_position, updated_at)
                       VALUES ($1, $2, $3, $4, $5, $6, 'draft', $7, $8, $9, $8)
                       ON CONFLICT DO NOTHING""",
                    stream, event.tenant, data.org, data.framework, data.version, data.title,
                    event.actor.id, event.time, event.position,
                )  # fmt: skip
            case AnswerRecorded():
                evidence = json.dumps([e.model_dump(mode="json") for e in data.evidence])
                sealed = data.sealed_evidence and data.sealed_evidence.model_dump_json()
                await conn.execute(
                    """INSERT INTO answers (assessment_id, criterion, answer, reason, evidence,
                           answered_by, answered_at, evidence_sealed)
                       VALUES ($1, $2, $3, $4, $5::jsonb, $6, $7, $8::jsonb)
                       ON CONFLICT (assessment_id, criterion) DO UPDATE SET answer = $3,
                           reason = $4, evidence = $5::jsonb, answered_by = $6, answered_at = $7,
                           evidence_sealed = $8::jsonb""",
                    stream, data.criterion, data.answer, data.reason, evidence, event.actor.id,
                    event.time, sealed,
                )  # fmt: skip
            case EvidenceErased():
                # The key is gone: what was sealed under it is dropped from the views too.
                await conn.execute(
                    "UPDATE answers SET evidence = '[]', evidence_sealed = NULL "
                    "WHERE assessment_id = $1", stream,
                )  # fmt: skip
                await conn.execute("DELETE FROM files WHERE assessment_id = $1", stream)
            case AnswerVerified() | AnswerChallenged() | ChallengeAnswered():
                await conn.execute(
                    "UPDATE answers SET review = $3 WHERE assessment_id = $1 AND criterion = $2",
                    stream, data.criterion, _REVIEWS[type(data)],
                )  # fmt: skip
            case AssessmentSubmitted():
                # The initiative's own (org '') is nobody's to review: submitted, it is done.
                await conn.execute(
                    "UPDATE assessments SET submitted_at = $2, status = CASE WHEN org = '' "
                    "THEN 'final' ELSE 'submitted' END, rated_at = CASE WHEN org = '' "
                    "THEN $2::timestamptz END WHERE assessment_id = $1",
                    stream, event.time,
                )  # fmt: skip
            case RatingProposed():
                proposed = json.dumps({"levels": data.levels, "overall": data.overall})
                await conn.execute(
                    "UPDATE assessments SET status = 'rating_proposed', proposed = $2::jsonb "
                    "WHERE assessment_id = $1",
                    stream, proposed,
                )  # fmt: skip
            case RatingDisputed():
                await conn.execute(
                    "UPDATE assessments SET status = 'submitted', proposed = NULL "
                    "WHERE assessment_id = $1",
                    stream,
                )
            case RatingAgreed():
                await conn.execute(
                    "UPDATE assessments SET status = 'final', rated_at = $2, levels = $3::jsonb, "
                    "overall = $4 WHERE assessment_id = $1",
                    stream, event.time, json.dumps(data.levels), data.overall,
                )  # fmt: skip
            case EvidenceFileAttached():
                await conn.execute(
                    "INSERT INTO files VALUES ($1, $2, $3, $4, $5, $6, $7, $8) "
                    "ON CONFLICT DO NOTHING",
                    stream, data.file_id, data.criterion, data.name, data.media_type,
                    data.size, event.actor.id, event.time,
                )  # fmt: skip
            case ActionPlanned() | ActionProgressed() | ActionReminded():
                await self._plan(conn, event)
        await conn.execute(
            "INSERT INTO thread VALUES ($1, $2, $3, $4, $5, $6, $7, $8) ON CONFLICT DO NOTHING",
            stream, event.position, getattr(data, "criterion", None), event.type,
            event.actor.role, event.actor.id, _said(data), event.time,
        )  # fmt: skip

    async def _plan(self, conn: Conn, event: Event) -> None:
        data, stream = event.data, event.stream
        assert isinstance(data, ActionPlanned | ActionProgressed | ActionReminded)
        ids = [timer_id(stream, data.criterion, r) for r in Reminder]
        match data:
            case ActionPlanned():
                await conn.execute(
                    """INSERT INTO actions (assessment_id, criterion, tenant, owner, due_on,
                           description, planned_at, updated_at)
                       VALUES ($1, $2, $3, $4, $5, $6, $7, $7)
                       ON CONFLICT (assessment_id, criterion) DO UPDATE SET owner = $4,
                           due_on = $5, description = $6, done = false, reminded = '{}',
                           updated_at = $7""",
                    stream, data.criterion, event.tenant, data.owner, data.due_on,
                    data.description, event.time,
                )  # fmt: skip
                # A new due date: timers of its own (the old ones go, fired or not).
                await conn.execute("DELETE FROM timers WHERE id = ANY($1::text[])", ids)
                for reminder in Reminder:
                    at = fires_at(data.due_on, reminder)
                    if reminder is Reminder.due_soon and at <= event.time:
                        continue  # planned within the week: no "due soon"
                    await schedule(conn, None, timer_id(stream, data.criterion, reminder), KIND,
                                   event.tenant, at, assessment_id=stream,
                                   criterion=data.criterion, due_on=data.due_on.isoformat(),
                                   reminder=reminder.value)  # fmt: skip
            case ActionProgressed():
                await conn.execute(
                    "UPDATE actions SET done = $3, updated_at = $4 "
                    "WHERE assessment_id = $1 AND criterion = $2",
                    stream, data.criterion, data.done, event.time,
                )  # fmt: skip
                if data.done:
                    await conn.execute(
                        "DELETE FROM timers WHERE id = ANY($1::text[]) AND fired_at IS NULL", ids
                    )
            case ActionReminded():
                await conn.execute(
                    "UPDATE actions SET reminded = array_append(reminded, $3), updated_at = $4 "
                    "WHERE assessment_id = $1 AND criterion = $2",
                    stream, data.criterion, data.reminder, event.time,
                )  # fmt: skip


def _said(data: object) -> str:
    """What an event says in words: a comment, a note, or an answer's reason."""
    for said in ("comment", "note", "reason", "description"):
        if value := getattr(data, said, None):
            return str(value)
    return ""
