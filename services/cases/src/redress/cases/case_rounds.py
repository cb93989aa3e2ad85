"""The case views' rows that events change, read or remove, written a round at a time.

A round (`redress.events.projection.rounds`) holds events of one type, at most one per case,
so one statement per table writes each case's rows as its event alone would: nothing in a
round reads what another case's event of it writes. Each statement takes the round's values
as arrays (`unnest`); a list becomes JSON there (`_texts`), since arrays of arrays must be
rectangular.
"""

from __future__ import annotations

import json
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime, time
from typing import Any

from redress.cases import referral_entries
from redress.events.catalogue.case import (
    CaseClosed,
    CaseOpened,
    CaseRejected,
    CaseReopened,
    CaseTriaged,
    CaseWithdrawn,
    FacilitatorAssigned,
    GrievanceCorrected,
    LessonsLearned,
    OfficerAssigned,
    PlanActionAdded,
    PlanActionUpdated,
    ReferralRecommended,
    SatisfactionRecorded,
    StageDeadlineMissed,
    StageEntered,
)
from redress.events.catalogue.case_verification import ResponseDetermined, VerificationDecided
from redress.events.catalogue.grievance import GrievanceSubmitted, PersonalDataErased
from redress.events.catalogue.grievance_answers import ContactConsentChanged
from redress.events.envelope import Event
from redress.events.projection import columns, of_kind, text_array, write_rows
from redress.events.store import Conn
from redress.events.timers import Timer, schedule_many


def timer_id(case_id: str, stage: str) -> str:
    return f"{case_id}:{stage}"


# The case row's changes per event type: SET clauses on the round's values `v` (a, b), the
# arrays' types, and the event's values.
_SETS: dict[type, tuple[str, tuple[str, ...], Callable[[Any], tuple[Any, ...]]]] = {
    CaseTriaged: (f"severity = v.a, indicators = {text_array('v.b')}", ("text", "jsonb"),
                  lambda e: (e.severity, json.dumps(list(e.indicators)))),
    ReferralRecommended: ("referral_recommended = true", (), lambda e: ()),
    CaseRejected: ("status = 'rejected', stage_due = NULL, grounds = v.a, duplicate_of = v.b, "
                   "withdrawn = (v.a = 'withdrawn_by_worker')",
                   ("text", "text"), lambda e: (e.grounds, e.duplicate_of)),
    CaseWithdrawn: ("withdrawn = true", (), lambda e: ()),
    CaseReopened: ("status = 'open', outcome = NULL, grounds = NULL, duplicate_of = NULL", (),
                   lambda e: ()),
    OfficerAssigned: ("officer = v.a", ("text",), lambda e: (e.officer,)),
    FacilitatorAssigned: ("facilitator = v.a", ("text",), lambda e: (e.organisation,)),
    CaseClosed: ("status = 'closed', outcome = v.a", ("text",), lambda e: (e.outcome,)),
    SatisfactionRecorded: ("satisfaction = v.a", ("int",), lambda e: (e.score,)),
    StageDeadlineMissed: ("deadline_missed = true", (), lambda e: ()),
}  # fmt: skip


async def _set(conn: Conn, events: list[Event]) -> None:
    clause, types, values = _SETS[type(events[0].data)]
    arrays = "".join(f", ${i + 3}::{t}[]" for i, t in enumerate(types))
    names = ", ".join(("id", "t", *("a", "b")[: len(types)]))
    await write_rows(
        conn,
        f"""UPDATE cases c SET {clause}, updated_at = v.t
            FROM unnest($1::text[], $2::timestamptz[]{arrays}) AS v({names})
            WHERE c.case_id = v.id""",
        [(e.stream, e.time, *values(e.data)) for e in events],
    )
    match events[0].data:
        case CaseRejected() | CaseClosed():
            await conn.execute(
                "DELETE FROM timers WHERE id LIKE ANY($1::text[])",
                [f"{e.stream}:%" for e in events],
            )
        case StageDeadlineMissed():
            # Fired, as of the event: a rebuild then holds what the live rows hold.
            await write_rows(
                conn,
                """UPDATE timers t SET fired_at = v.t
                   FROM unnest($1::text[], $2::timestamptz[]) AS v(id, t) WHERE t.id = v.id""",
                [
                    (timer_id(e.stream, m.stage), e.time)
                    for e, m in of_kind(events, StageDeadlineMissed)
                ],
            )
        case FacilitatorAssigned():
            await _adopt(conn, [e.stream for e in events], "facilitator")


async def _adopt(conn: Conn, case_ids: list[str], *kinds: str) -> None:
    """Actions given to a kind of party the case had none of go to the one it now has
    (`case_state.adopt`)."""
    await conn.execute(
        """UPDATE actions a SET owner_org = CASE a.owner WHEN 'supplier' THEN c.site_id
               WHEN 'member_company' THEN c.member_org ELSE c.facilitator END
           FROM cases c WHERE c.case_id = a.case_id AND a.case_id = ANY($1::text[])
               AND a.owner = ANY($2::text[]) AND a.owner_org IS NULL""",
        case_ids, list(kinds),
    )  # fmt: skip


async def _submitted(conn: Conn, events: list[Event]) -> None:
    await write_rows(
        conn,
        """WITH v AS (SELECT * FROM unnest($1::text[], $2::jsonb[], $3::timestamptz[],
                                           $4::bigint[], $5::bool[], $6::date[])
                                  AS v(g, p, t, pos, c, since)),
                personal AS (INSERT INTO grievance_data SELECT g, p FROM v ON CONFLICT DO NOTHING)
           INSERT INTO filings SELECT g, t, pos, c, since FROM v ON CONFLICT DO NOTHING""",
        [(g.grievance_id, g.personal.model_dump_json(), e.time, e.position,
          g.consent.contact_me, g.since) for e, g in of_kind(events, GrievanceSubmitted)],
    )  # fmt: skip


async def _opened(conn: Conn, events: list[Event]) -> None:
    # Opened when the worker filed: the policy may open a batch of cases at one time.
    await write_rows(
        conn,
        """INSERT INTO cases (case_id, tenant, grievance_id, category, country, site_id,
               member_org, language, identity_shareable, status, stage, opened_at,
               opened_position, updated_at, contact_consented)
           SELECT v.id, v.tenant, v.g, v.category, v.country, v.site, v.member, v.language,
               v.shareable, 'open', 'admissibility', coalesce(f.filed_at, v.t),
               coalesce(f.position, v.pos), v.t, coalesce(f.contact_consented, false)
           FROM unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::text[], $6::text[],
                       $7::text[], $8::text[], $9::bool[], $10::timestamptz[], $11::bigint[])
                AS v(id, tenant, g, category, country, site, member, language, shareable, t,
                     pos)
           LEFT JOIN filings f ON f.grievance_id = v.g
           ON CONFLICT DO NOTHING""",
        [(e.stream, e.tenant, c.grievance_id, c.category, c.country, c.site_id, c.member_org,
          c.language, c.identity_shareable, e.time, e.position)
         for e, c in of_kind(events, CaseOpened)],
    )  # fmt: skip


async def _stage(conn: Conn, events: list[Event]) -> None:
    # The stage before is over: its timer goes, fired or not, so that a stage entered
    # again (on reopening) gets a timer of its own, and a rebuild gives the same rows.
    await write_rows(
        conn,
        """WITH v AS (SELECT * FROM unnest($1::text[], $2::text[], $3::date[],
                                           $4::timestamptz[]) AS v(id, stage, due, t)),
                previous AS (SELECT c.case_id, c.stage FROM cases c JOIN v ON c.case_id = v.id),
                moved AS (UPDATE cases c SET stage = v.stage, stage_due = v.due,
                              deadline_missed = false, updated_at = v.t
                          FROM v WHERE c.case_id = v.id)
           DELETE FROM timers t USING previous p WHERE t.id = p.case_id || ':' || p.stage""",
        [(e.stream, s.stage, s.due_on, e.time) for e, s in of_kind(events, StageEntered)],
    )
    # Missed when the due day has passed entirely, in the tenant's time zone (UTC for stages
    # entered before the event said).
    await schedule_many(conn, [
        Timer(timer_id(e.stream, s.stage), "deadline", e.tenant,
              s.due_at or datetime.combine(s.due_on, time.max, tzinfo=UTC),
              {"stream": e.stream, "stage": s.stage})
        for e, s in of_kind(events, StageEntered) if s.due_on is not None
    ])  # fmt: skip


async def _action_added(conn: Conn, events: list[Event]) -> None:
    # Its owner as named, or (version 1, or none named) the case's party of its kind as the
    # case stands now, in the log's order: `case_state.owner_org`.
    await write_rows(
        conn,
        """INSERT INTO actions (case_id, action_id, remedy, owner, due_on, description, done,
               updated_at, owner_org)
           SELECT v.id, v.action, v.remedy, v.owner, v.due, v.description, false, v.t,
               coalesce(v.org, CASE v.owner WHEN 'member_company' THEN c.member_org
                   WHEN 'supplier' THEN c.site_id WHEN 'facilitator' THEN c.facilitator END)
           FROM unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::date[], $6::text[],
                       $7::timestamptz[], $8::text[])
                AS v(id, action, remedy, owner, due, description, t, org)
           LEFT JOIN cases c ON c.case_id = v.id
           ON CONFLICT DO NOTHING""",
        [(e.stream, a.action_id, a.remedy, a.owner, a.due_on, a.description, e.time,
          a.owner_org) for e, a in of_kind(events, PlanActionAdded)],
    )  # fmt: skip


async def _action_updated(conn: Conn, events: list[Event]) -> None:
    await write_rows(
        conn,
        """UPDATE actions a SET progress = v.progress, evidence = coalesce(v.evidence, a.evidence),
               done = v.done, updated_at = v.t
           FROM unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::bool[],
                       $6::timestamptz[]) AS v(id, action, progress, evidence, done, t)
           WHERE a.case_id = v.id AND a.action_id = v.action""",
        [(e.stream, u.action_id, u.progress, u.evidence, u.done, e.time)
         for e, u in of_kind(events, PlanActionUpdated)],
    )  # fmt: skip


async def _corrected(conn: Conn, events: list[Event]) -> None:
    # A corrected site brings its member (or none): the case leaves the other's.
    await write_rows(
        conn,
        """UPDATE cases c SET category = coalesce(v.category, c.category),
               country = coalesce(v.country, c.country), site_id = coalesce(v.site, c.site_id),
               member_org = CASE WHEN v.site IS NULL THEN c.member_org ELSE v.member END,
               language = coalesce(v.language, c.language), updated_at = v.t
           FROM unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::text[], $6::text[],
                       $7::timestamptz[]) AS v(id, category, country, site, member, language, t)
           WHERE c.case_id = v.id""",
        [(e.stream, g.category, g.country, g.site_id, g.member_org, g.language, e.time)
         for e, g in of_kind(events, GrievanceCorrected)],
    )  # fmt: skip
    moved = [e.stream for e, g in of_kind(events, GrievanceCorrected) if g.site_id is not None]
    if moved:
        await _adopt(conn, moved, "supplier", "member_company")


async def _determined(conn: Conn, events: list[Event]) -> None:
    step = "verification" if isinstance(events[0].data, VerificationDecided) else "response"
    rows = [(e.stream, json.dumps(e.data.model_dump(mode="json", exclude={"case_id"})), e.time)
            for e in events]  # fmt: skip
    await conn.execute(
        """INSERT INTO determinations SELECT v.id, $1, v.details, v.t
           FROM unnest($2::text[], $3::jsonb[], $4::timestamptz[]) AS v(id, details, t)
           ON CONFLICT (case_id, step) DO UPDATE SET details = excluded.details,
               time = excluded.time""",
        step, *columns(rows),
    )  # fmt: skip


async def _lessons(conn: Conn, events: list[Event]) -> None:
    await write_rows(
        conn,
        f"""INSERT INTO lessons SELECT v.id, v.tenant, v.text, {text_array("v.tags")}
            FROM unnest($1::text[], $2::text[], $3::text[], $4::jsonb[])
                 AS v(id, tenant, text, tags)
            ON CONFLICT (case_id) DO UPDATE SET text = excluded.text, tags = excluded.tags""",
        [
            (e.stream, e.tenant, lesson.text, json.dumps(list(lesson.tags)))
            for e, lesson in of_kind(events, LessonsLearned)
        ],
    )


async def _consent(conn: Conn, events: list[Event]) -> None:
    # Officers see the worker's contact details only while the worker allows it.
    await write_rows(
        conn,
        """WITH v AS (SELECT * FROM unnest($1::text[], $2::bool[]) AS v(g, c)),
                filing AS (UPDATE filings f SET contact_consented = v.c FROM v
                           WHERE f.grievance_id = v.g)
           UPDATE cases c SET contact_consented = v.c FROM v WHERE c.grievance_id = v.g""",
        [(c.grievance_id, c.contact_me) for _, c in of_kind(events, ContactConsentChanged)],
    )


async def _erased(conn: Conn, events: list[Event]) -> None:
    await conn.execute(
        "DELETE FROM grievance_data WHERE grievance_id = ANY($1::text[])",
        [erased.grievance_id for _, erased in of_kind(events, PersonalDataErased)],
    )


_WRITERS: dict[type, Callable[[Conn, list[Event]], Awaitable[None]]] = {
    **dict.fromkeys(_SETS, _set),
    GrievanceSubmitted: _submitted,
    ContactConsentChanged: _consent,
    PersonalDataErased: _erased,
    CaseOpened: _opened,
    StageEntered: _stage,
    PlanActionAdded: _action_added,
    PlanActionUpdated: _action_updated,
    GrievanceCorrected: _corrected,
    VerificationDecided: _determined,
    ResponseDetermined: _determined,
    LessonsLearned: _lessons,
    **dict.fromkeys(referral_entries.READS, referral_entries.write),
}


def writes(event: Event) -> bool:
    """Whether the event changes, reads or removes rows (beyond adding what nothing reads)."""
    return type(event.data) in _WRITERS


async def write(conn: Conn, events: list[Event]) -> None:
    """A round: events of one type, at most one per case (or referral)."""
    await _WRITERS[type(events[0].data)](conn, events)
