"""Read models of assessment: the list, each assessment's answers, its thread, its action
plan and the timers of the plan's reminders.

A batch is written set-based, a statement per table rather than per event: the thread, which
only gains rows nothing else reads, for the whole batch at once; the rest in rounds of one
kind of event, at most one per assessment (`redress.events.projection.rounds`,
`assessment_rounds`): an assessment's rows are written by its own events only, so
assessments may go in any order, each one's events in theirs.
"""

from __future__ import annotations

from collections.abc import Hashable
from typing import Any

from redress.assessment import assessment_rounds
from redress.events import catalogue
from redress.events.envelope import Event
from redress.events.projection import Projection, columns, rounds
from redress.events.store import Conn

_THREAD = """
INSERT INTO thread SELECT * FROM unnest($1::text[], $2::bigint[], $3::text[], $4::text[],
                                        $5::text[], $6::text[], $7::text[], $8::timestamptz[])
ON CONFLICT DO NOTHING
"""
# Every event of an assessment marks its row updated: the batch's last one on it stands.
_TOUCHED = """
UPDATE assessments s SET updated_at = v.t
FROM unnest($1::text[], $2::timestamptz[]) AS v(id, t) WHERE s.assessment_id = v.id
"""


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
        await self.apply_batch(conn, [event])

    async def apply_batch(self, conn: Conn, events: list[Event]) -> None:
        if not events:
            return
        await conn.execute(_THREAD, *columns(_entry(e) for e in events))
        ordered = [e for e in events if assessment_rounds.writes(e)]
        for taken in rounds(ordered, _assessment_of):
            await assessment_rounds.write(conn, taken)
        # Written last: an assessment started in the batch has its row only now.
        touched = {e.stream: e.time for e in events}
        await conn.execute(_TOUCHED, list(touched), list(touched.values()))


def _assessment_of(event: Event) -> Hashable:
    return event.stream


def _entry(event: Event) -> tuple[Any, ...]:
    """The event's entry in the thread."""
    data = event.data
    return (event.stream, event.position, getattr(data, "criterion", None), event.type,
            event.actor.role, event.actor.id, _said(data), event.time)  # fmt: skip


def _said(data: object) -> str:
    """What an event says in words: a comment, a note, or an answer's reason."""
    for said in ("comment", "note", "reason", "description"):
        if value := getattr(data, said, None):
            return str(value)
    return ""
