"""The assessment views' rows that events change, read or remove, written a round at a time.

A round (`redress.events.projection.rounds`) holds events of one type, at most one per
assessment, so one statement per table writes each assessment's rows as its event alone
would: nothing in a round reads what another assessment's event of it writes. Each statement
takes the round's values as arrays (`unnest`).
"""

from __future__ import annotations

import json
from collections.abc import Awaitable, Callable
from typing import Any

from redress.assessment.reminders import KIND, fires_at, timer_id
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
from redress.events.projection import of_kind, write_rows
from redress.events.store import Conn
from redress.events.timers import Timer, schedule_many

# Where a review leaves an answer.
_REVIEWS = {AnswerVerified: "verified", AnswerChallenged: "challenged",
            ChallengeAnswered: "answered"}  # fmt: skip


async def _started(conn: Conn, events: list[Event]) -> None:
    await write_rows(
        conn,
        """INSERT INTO assessments (assessment_id, tenant, org, framework, version, title,
               status, started_by, started_at, started_position, updated_at)
           SELECT v.id, v.tenant, v.org, v.framework, v.version, v.title, 'draft', v.actor,
               v.t, v.pos, v.t
           FROM unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::int[], $6::text[],
                       $7::text[], $8::timestamptz[], $9::bigint[])
                AS v(id, tenant, org, framework, version, title, actor, t, pos)
           ON CONFLICT DO NOTHING""",
        [(e.stream, e.tenant, s.org, s.framework, s.version, s.title, e.actor.id, e.time,
          e.position) for e, s in of_kind(events, AssessmentStarted)],
    )  # fmt: skip


async def _answered(conn: Conn, events: list[Event]) -> None:
    await write_rows(
        conn,
        """INSERT INTO answers (assessment_id, criterion, answer, reason, evidence, answered_by,
               answered_at, evidence_sealed)
           SELECT * FROM unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::jsonb[],
                                $6::text[], $7::timestamptz[], $8::jsonb[])
           ON CONFLICT (assessment_id, criterion) DO UPDATE SET answer = excluded.answer,
               reason = excluded.reason, evidence = excluded.evidence,
               answered_by = excluded.answered_by, answered_at = excluded.answered_at,
               evidence_sealed = excluded.evidence_sealed""",
        [(e.stream, a.criterion, a.answer.value, a.reason,
          json.dumps([x.model_dump(mode="json") for x in a.evidence]), e.actor.id, e.time,
          a.sealed_evidence and a.sealed_evidence.model_dump_json())
         for e, a in of_kind(events, AnswerRecorded)],
    )  # fmt: skip


async def _erased(conn: Conn, events: list[Event]) -> None:
    # The key is gone: what was sealed under it is dropped from the views too.
    ids = [e.stream for e, _ in of_kind(events, EvidenceErased)]
    await conn.execute(
        "UPDATE answers SET evidence = '[]', evidence_sealed = NULL "
        "WHERE assessment_id = ANY($1::text[])",
        ids,
    )
    await conn.execute("DELETE FROM files WHERE assessment_id = ANY($1::text[])", ids)


async def _reviewed(conn: Conn, events: list[Event]) -> None:
    reviewed: list[tuple[Event, AnswerVerified | AnswerChallenged | ChallengeAnswered]] = [
        *of_kind(events, AnswerVerified),
        *of_kind(events, AnswerChallenged),
        *of_kind(events, ChallengeAnswered),
    ]
    await write_rows(
        conn,
        """UPDATE answers a SET review = v.review
           FROM unnest($1::text[], $2::text[], $3::text[]) AS v(id, criterion, review)
           WHERE a.assessment_id = v.id AND a.criterion = v.criterion""",
        [(e.stream, r.criterion, _REVIEWS[type(r)]) for e, r in reviewed],
    )


async def _attached(conn: Conn, events: list[Event]) -> None:
    await write_rows(
        conn,
        """INSERT INTO files SELECT * FROM unnest($1::text[], $2::text[], $3::text[], $4::text[],
               $5::text[], $6::int[], $7::text[], $8::timestamptz[])
           ON CONFLICT DO NOTHING""",
        [(e.stream, f.file_id, f.criterion, f.name, f.media_type, f.size, e.actor.id, e.time)
         for e, f in of_kind(events, EvidenceFileAttached)],
    )  # fmt: skip


# The assessment row's changes per event type: SET clauses on the round's values `v` (t, the
# event's time; a, b, c), the arrays' types, and the event's values. The initiative's own
# assessment (org '') is nobody's to review: submitted, it is done.
_SETS: dict[type, tuple[str, tuple[str, ...], Callable[[Any], tuple[Any, ...]]]] = {
    AssessmentSubmitted: ("submitted_at = v.t, status = CASE WHEN s.org = '' THEN 'final' "
                          "ELSE 'submitted' END, rated_at = CASE WHEN s.org = '' THEN v.t END",
                          (), lambda d: ()),
    RatingProposed: ("status = 'rating_proposed', proposed = v.a", ("jsonb",),
                     lambda d: (json.dumps({"levels": d.levels, "overall": d.overall}),)),
    RatingDisputed: ("status = 'submitted', proposed = NULL", (), lambda d: ()),
    RatingAgreed: ("status = 'final', rated_at = v.t, levels = v.a, overall = v.b",
                   ("jsonb", "text"), lambda d: (json.dumps(d.levels), d.overall)),
}  # fmt: skip


async def _set(conn: Conn, events: list[Event]) -> None:
    clause, types, values = _SETS[type(events[0].data)]
    arrays = "".join(f", ${i + 3}::{t}[]" for i, t in enumerate(types))
    names = ", ".join(("id", "t", *("a", "b")[: len(types)]))
    await write_rows(
        conn,
        f"""UPDATE assessments s SET {clause}
            FROM unnest($1::text[], $2::timestamptz[]{arrays}) AS v({names})
            WHERE s.assessment_id = v.id""",
        [(e.stream, e.time, *values(e.data)) for e in events],
    )


def _timer_ids(stream: str, criterion: str) -> list[str]:
    return [timer_id(stream, criterion, r) for r in Reminder]


async def _planned(conn: Conn, events: list[Event]) -> None:
    planned = of_kind(events, ActionPlanned)
    await write_rows(
        conn,
        """INSERT INTO actions (assessment_id, criterion, tenant, owner, due_on, description,
               planned_at, updated_at)
           SELECT v.id, v.criterion, v.tenant, v.owner, v.due, v.description, v.t, v.t
           FROM unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::date[], $6::text[],
                       $7::timestamptz[]) AS v(id, criterion, tenant, owner, due, description, t)
           ON CONFLICT (assessment_id, criterion) DO UPDATE SET owner = excluded.owner,
               due_on = excluded.due_on, description = excluded.description, done = false,
               reminded = CASE WHEN actions.due_on = excluded.due_on THEN actions.reminded
                               ELSE '{}' END,
               updated_at = excluded.updated_at""",
        [(e.stream, p.criterion, e.tenant, p.owner, p.due_on, p.description, e.time)
         for e, p in planned],
    )  # fmt: skip
    # A new due date: timers of its own (the old ones go, fired or not).
    await conn.execute(
        "DELETE FROM timers WHERE id = ANY($1::text[])",
        [i for e, p in planned for i in _timer_ids(e.stream, p.criterion)],
    )
    await schedule_many(conn, [t for e, p in planned for t in _reminders(e, p)])


def _reminders(event: Event, planned: ActionPlanned) -> list[Timer]:
    """The timers of a planned action; planned within the week, it has no "due soon"."""
    payload = {"assessment_id": event.stream, "criterion": planned.criterion,
               "due_on": planned.due_on.isoformat()}  # fmt: skip
    timers = []
    for reminder in Reminder:
        at = fires_at(planned.due_on, reminder)
        if reminder is Reminder.due_soon and at <= event.time:
            continue
        timers.append(Timer(timer_id(event.stream, planned.criterion, reminder), KIND,
                            event.tenant, at, {**payload, "reminder": reminder.value}))  # fmt: skip
    return timers


async def _progressed(conn: Conn, events: list[Event]) -> None:
    progressed = of_kind(events, ActionProgressed)
    await write_rows(
        conn,
        """UPDATE actions a SET done = v.done, updated_at = v.t
           FROM unnest($1::text[], $2::text[], $3::bool[], $4::timestamptz[])
                AS v(id, criterion, done, t)
           WHERE a.assessment_id = v.id AND a.criterion = v.criterion""",
        [(e.stream, p.criterion, p.done, e.time) for e, p in progressed],
    )
    done = [i for e, p in progressed if p.done for i in _timer_ids(e.stream, p.criterion)]
    if done:
        await conn.execute(
            "DELETE FROM timers WHERE id = ANY($1::text[]) AND fired_at IS NULL", done
        )


async def _reminded(conn: Conn, events: list[Event]) -> None:
    await write_rows(
        conn,
        """UPDATE actions a SET reminded = array_append(a.reminded, v.reminder), updated_at = v.t
           FROM unnest($1::text[], $2::text[], $3::text[], $4::timestamptz[])
                AS v(id, criterion, reminder, t)
           WHERE a.assessment_id = v.id AND a.criterion = v.criterion""",
        [(e.stream, r.criterion, r.reminder.value, e.time)
         for e, r in of_kind(events, ActionReminded)],
    )  # fmt: skip


WRITERS: dict[type, Callable[[Conn, list[Event]], Awaitable[None]]] = {
    **dict.fromkeys(_SETS, _set),
    **dict.fromkeys(_REVIEWS, _reviewed),
    AssessmentStarted: _started,
    AnswerRecorded: _answered,
    EvidenceErased: _erased,
    EvidenceFileAttached: _attached,
    ActionPlanned: _planned,
    ActionProgressed: _progressed,
    ActionReminded: _reminded,
}


def writes(event: Event) -> bool:
    """Whether the event changes rows beyond the thread and the assessment's `updated_at`."""
    return type(event.data) in WRITERS


async def write(conn: Conn, events: list[Event]) -> None:
    """A round: events of one type, at most one per assessment."""
    await WRITERS[type(events[0].data)](conn, events)
