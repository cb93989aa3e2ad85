"""The grievances as workers follow them, written a round at a time where the hot path goes.

A round (`redress.events.projection.rounds`) holds events of one type, at most one per
grievance, so one statement per table writes each grievance's rows as its event alone would.
Every submission takes three: the filing, its case opened, the case's first stage; the
worker's and the officer's messages and the worker's simple answers are written so too.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Hashable
from typing import Any

from redress.events.catalogue.case import (
    CaseClosed,
    CaseOpened,
    CaseRejected,
    CaseReopened,
    MessageSentToWorker,
    PlanActionAdded,
    PlanActionUpdated,
    StageEntered,
)
from redress.events.catalogue.case_oversight import (
    LegalHoldPlaced,
    LegalHoldReleased,
    ReviewDecided,
)
from redress.events.catalogue.grievance import (
    AttachmentAdded,
    GrievanceSubmitted,
    WithdrawalRequested,
    WorkerMessagePosted,
)
from redress.events.catalogue.grievance_answers import (
    ContactConsentChanged,
    PlanAnswered,
    RemedyConfirmed,
    ReviewRequested,
    WorkerSatisfactionGiven,
)
from redress.events.catalogue.partner import PartnerRegistered, PartnerRetired
from redress.events.catalogue.tenant import RetentionPeriodSet, SiteRegistered, TenantRegistered
from redress.events.envelope import Event
from redress.events.ids import derived_stream
from redress.events.projection import columns, of_kind
from redress.events.store import Conn


def key(event: Event) -> Hashable:
    """Whose rows the event writes and reads. A case's events and its grievance's share the
    case's stream (a case's id is fixed by its grievance's): some name only the case."""
    data: Any = event.data
    match data:
        case TenantRegistered() | RetentionPeriodSet():
            return ("tenant", event.tenant)
        case SiteRegistered():
            return ("site", event.tenant, data.site_id)
        case PartnerRegistered() | PartnerRetired():
            return ("partner", event.tenant, data.partner_id)
    if event.stream_type == "grievance":
        return derived_stream("case", data.grievance_id)
    return event.stream


async def _submitted(conn: Conn, events: list[Event]) -> None:
    rows = [(g.grievance_id, e.tenant, g.receipt_reference, g.receipt_hash, g.filed_digest,
             g.personal.key_id, g.language, g.channel.value, g.country, g.site_id,
             g.category.value, g.member_org, e.version, e.time, g.consent.contact_me)
            for e in events if isinstance(g := e.data, GrievanceSubmitted)]  # fmt: skip
    await conn.execute(
        """INSERT INTO grievances (grievance_id, tenant, reference, receipt_hash, filed_digest,
               key_id, status, language, channel, country, site_id, category, member_org,
               version, submitted_at, contact_me)
           SELECT v.g, v.tenant, v.reference, v.receipt_hash, v.filed_digest, v.key_id, 'open',
               v.language, v.channel, v.country, v.site_id, v.category, v.member_org,
               v.version, v.submitted_at, v.contact_me
           FROM unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::text[], $6::text[],
                       $7::text[], $8::text[], $9::text[], $10::text[], $11::text[],
                       $12::text[], $13::int[], $14::timestamptz[], $15::bool[])
                AS v(g, tenant, reference, receipt_hash, filed_digest, key_id, language,
                     channel, country, site_id, category, member_org, version,
                     submitted_at, contact_me)""",
        *columns(rows),
    )


async def _opened(conn: Conn, events: list[Event]) -> None:
    await conn.execute(
        """UPDATE grievances g SET case_id = v.case_id
           FROM unnest($1::text[], $2::text[]) AS v(g, case_id) WHERE g.grievance_id = v.g""",
        *columns((o.grievance_id, o.case_id) for _, o in of_kind(events, CaseOpened)),
    )


async def _stage(conn: Conn, events: list[Event]) -> None:
    await conn.execute(
        """UPDATE grievances g SET stage = v.stage, stage_due = v.due
           FROM unnest($1::text[], $2::text[], $3::date[]) AS v(g, stage, due)
           WHERE g.grievance_id = v.g""",
        *columns((s.grievance_id, s.stage, s.due_on) for _, s in of_kind(events, StageEntered)),
    )


async def _posted(conn: Conn, events: list[Event]) -> None:
    author = "worker" if isinstance(events[0].data, WorkerMessagePosted) else "officer"
    said: list[tuple[Event, WorkerMessagePosted | MessageSentToWorker]] = [
        *of_kind(events, WorkerMessagePosted),
        *of_kind(events, MessageSentToWorker),
    ]
    rows = [(m.grievance_id, e.position, m.message.model_dump_json(), e.time) for e, m in said]
    await conn.execute(
        """INSERT INTO thread SELECT v.g, v.position, $1, v.sealed, v.time
           FROM unnest($2::text[], $3::bigint[], $4::jsonb[], $5::timestamptz[])
                AS v(g, position, sealed, time)
           ON CONFLICT DO NOTHING""",
        author,
        *columns(rows),
    )


# A grievance's row touched by the worker: the change, on the round's value `v.a` (text),
# and the event's value; the grievance's version moves with it.
_TOUCHES: dict[type, tuple[str, Callable[[Any], Any]]] = {
    AttachmentAdded: ("attachments = attachments + 1", lambda d: None),
    WithdrawalRequested: ("status = 'withdrawn'", lambda d: None),
    ReviewRequested: ("review = 'requested'", lambda d: None),
    PlanAnswered: ("plan_answer = v.a", lambda d: d.answer.value),
    ContactConsentChanged: ("contact_me = v.a::bool", lambda d: str(bool(d.contact_me))),
    WorkerSatisfactionGiven: ("satisfaction = v.a::int", lambda d: str(int(d.score))),
}


async def _touched(conn: Conn, events: list[Event]) -> None:
    change, value = _TOUCHES[type(events[0].data)]
    data: list[Any] = [e.data for e in events]  # of one type, each with its grievance
    await conn.execute(
        f"""UPDATE grievances g SET {change}, version = v.version
            FROM unnest($1::text[], $2::int[], $3::text[]) AS v(g, version, a)
            WHERE g.grievance_id = v.g""",
        *columns((d.grievance_id, e.version, value(d)) for e, d in zip(events, data, strict=True)),
    )


# What a case's decisions change of its grievance's row, on the round's values `v` (a, b, c):
# the SET clause, the arrays' types, and the event's values.
_CASE_SETS: dict[type, tuple[str, tuple[str, ...], Callable[[Any], tuple[Any, ...]]]] = {
    CaseClosed: ("outcome = v.a, closed_at = v.b, review = NULL, review_reasons = NULL",
                 ("text", "timestamptz"), lambda e: (e.data.outcome, e.time)),
    CaseRejected: ("closed_at = v.a, grounds = v.b, explanation = v.c, review = NULL, "
                   "review_reasons = NULL", ("timestamptz", "text", "text"),
                   lambda e: (e.time, e.data.grounds, e.data.explanation or None)),
    CaseReopened: ("outcome = NULL, closed_at = NULL, grounds = NULL, explanation = NULL, "
                   "review = NULLIF(review, 'requested')", (), lambda e: ()),
    ReviewDecided: ("review = v.a, review_reasons = v.b", ("text", "text"),
                    lambda e: (e.data.result.value, e.data.reasons)),
    LegalHoldPlaced: ("held = true", (), lambda e: ()),
    LegalHoldReleased: ("held = false", (), lambda e: ()),
}  # fmt: skip


async def _case_set(conn: Conn, events: list[Event]) -> None:
    clause, types, values = _CASE_SETS[type(events[0].data)]
    arrays = "".join(f", ${i + 2}::{t}[]" for i, t in enumerate(types))
    names = ", ".join(("g", *("a", "b", "c")[: len(types)]))
    rows = [(e.data.grievance_id, *values(e)) for e in events]  # type: ignore[attr-defined]
    await conn.execute(
        f"""UPDATE grievances g SET {clause} FROM unnest($1::text[]{arrays}) AS v({names})
            WHERE g.grievance_id = v.g""",
        *columns(rows),
    )


async def _action_added(conn: Conn, events: list[Event]) -> None:
    await conn.execute(
        """INSERT INTO plan_actions (grievance_id, action_id, owner, due_on, description)
           SELECT g.grievance_id, v.action_id, v.owner, v.due_on, v.description
           FROM unnest($1::text[], $2::text[], $3::text[], $4::date[], $5::text[])
                AS v(case_id, action_id, owner, due_on, description)
           JOIN grievances g ON g.case_id = v.case_id
           ON CONFLICT DO NOTHING""",
        *columns((a.case_id, a.action_id, a.owner, a.due_on, a.description)
                 for _, a in of_kind(events, PlanActionAdded)),
    )  # fmt: skip


async def _action_updated(conn: Conn, events: list[Event]) -> None:
    await conn.execute(
        """UPDATE plan_actions p SET progress = v.progress, done = v.done
           FROM unnest($1::text[], $2::text[], $3::text[], $4::bool[])
                AS v(case_id, action_id, progress, done)
           WHERE p.action_id = v.action_id AND p.grievance_id = (
               SELECT grievance_id FROM grievances WHERE case_id = v.case_id)""",
        *columns((u.case_id, u.action_id, u.progress, u.done)
                 for _, u in of_kind(events, PlanActionUpdated)),
    )  # fmt: skip


async def _remedy_confirmed(conn: Conn, events: list[Event]) -> None:
    confirmed = of_kind(events, RemedyConfirmed)
    await conn.execute(
        """UPDATE grievances g SET version = v.version
           FROM unnest($1::text[], $2::int[]) AS v(g, version) WHERE g.grievance_id = v.g""",
        *columns((c.grievance_id, e.version) for e, c in confirmed),
    )
    await conn.execute(
        """UPDATE plan_actions p SET delivered = v.delivered
           FROM unnest($1::text[], $2::text[], $3::bool[]) AS v(g, action_id, delivered)
           WHERE p.grievance_id = v.g AND p.action_id = v.action_id""",
        *columns((c.grievance_id, c.action_id, c.delivered) for _, c in confirmed),
    )


WRITERS: dict[type, Callable[[Conn, list[Event]], Awaitable[None]]] = {
    **dict.fromkeys(_CASE_SETS, _case_set),
    PlanActionAdded: _action_added,
    PlanActionUpdated: _action_updated,
    RemedyConfirmed: _remedy_confirmed,
    GrievanceSubmitted: _submitted,
    CaseOpened: _opened,
    StageEntered: _stage,
    WorkerMessagePosted: _posted,
    MessageSentToWorker: _posted,
    **dict.fromkeys(_TOUCHES, _touched),
}
