"""Read models of assessment: the list, each assessment's answers and its thread."""

from __future__ import annotations

import json

from redress.events import catalogue
from redress.events.catalogue.assessment import (
    AnswerChallenged,
    AnswerRecorded,
    AnswerVerified,
    AssessmentStarted,
    AssessmentSubmitted,
    ChallengeAnswered,
    RatingAgreed,
    RatingDisputed,
    RatingProposed,
)
from redress.events.envelope import Event
from redress.events.projection import Projection
from redress.events.store import Conn

# Where a review leaves an answer.
_REVIEWS = {AnswerVerified: "verified", AnswerChallenged: "challenged",
            ChallengeAnswered: "answered"}  # fmt: skip


class AssessmentViews(Projection):
    name = "views"
    schema = "assessment"
    stream_types = ("assessment",)
    handles = catalogue.of_stream("assessment")
    tables = ("assessments", "answers", "thread")

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
                await conn.execute(
                    """INSERT INTO answers (assessment_id, criterion, answer, reason, evidence,
                           answered_by, answered_at)
                       VALUES ($1, $2, $3, $4, $5::jsonb, $6, $7)
                       ON CONFLICT (assessment_id, criterion) DO UPDATE SET answer = $3,
                           reason = $4, evidence = $5::jsonb, answered_by = $6, answered_at = $7""",
                    stream, data.criterion, data.answer, data.reason, evidence, event.actor.id,
                    event.time,
                )  # fmt: skip
            case AnswerVerified() | AnswerChallenged() | ChallengeAnswered():
                await conn.execute(
                    "UPDATE answers SET review = $3 WHERE assessment_id = $1 AND criterion = $2",
                    stream, data.criterion, _REVIEWS[type(data)],
                )  # fmt: skip
            case AssessmentSubmitted():
                await self._status(conn, stream, "submitted", "submitted_at = $3", event)
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
        await conn.execute(
            "INSERT INTO thread VALUES ($1, $2, $3, $4, $5, $6, $7, $8) ON CONFLICT DO NOTHING",
            stream, event.position, getattr(data, "criterion", None), event.type,
            event.actor.role, event.actor.id, _said(data), event.time,
        )  # fmt: skip

    @staticmethod
    async def _status(conn: Conn, stream: str, status: str, also: str, event: Event) -> None:
        await conn.execute(
            f"UPDATE assessments SET status = $2, {also} WHERE assessment_id = $1",
            stream, status, event.time,
        )  # fmt: skip


def _said(data: object) -> str:
    """What an event says in words: a comment, or an answer's note or reason."""
    return str(getattr(data, "comment", None) or getattr(data, "reason", "") or "")
