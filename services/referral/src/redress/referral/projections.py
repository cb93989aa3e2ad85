"""Read models of referral: the officer's queue, each partner's part, the directory, timers.

A batch is written set-based, a statement per table rather than per event: the timeline and
the disclosures, which nothing reads back, for the whole batch at once; the rest in rounds
of one type of event, at most one per row (`redress.events.projection.rounds`,
`referral_rounds`, `directory_rounds`): each row is written by its own events only, so rows
may go in any order, each row's events in theirs.
"""

from __future__ import annotations

import json
from collections.abc import Hashable
from typing import Any

from redress.events import catalogue
from redress.events.catalogue.disclosure import PersonalDataDisclosed
from redress.events.catalogue.grievance import GrievanceSubmitted, PersonalDataErased
from redress.events.catalogue.partner import ReferralTimeFrameSet
from redress.events.envelope import Event
from redress.events.projection import Projection, rounds, text_array, write_rows
from redress.events.store import Conn
from redress.referral import directory_rounds, referral_rounds

_QUIET = ("explanation",)

_TIMELINE = """
INSERT INTO timeline (referral_id, position, type, actor, actor_id, details, time)
SELECT * FROM unnest($1::text[], $2::bigint[], $3::text[], $4::text[], $5::text[], $6::jsonb[],
                     $7::timestamptz[])
ON CONFLICT DO NOTHING
"""
_DISCLOSURES = f"""
INSERT INTO disclosures SELECT v.referral_id, v.position, v.partner_id, v.reader,
    {text_array("v.fields")}, v.time
FROM unnest($1::text[], $2::bigint[], $3::text[], $4::text[], $5::jsonb[], $6::timestamptz[])
     AS v(referral_id, position, partner_id, reader, fields, time)
ON CONFLICT DO NOTHING
"""
_UPDATED = """
UPDATE referrals r SET updated_at = v.t FROM unnest($1::text[], $2::timestamptz[]) AS v(id, t)
WHERE r.referral_id = v.id
"""
_WRITERS = {**referral_rounds.WRITERS, **directory_rounds.WRITERS}


class ReferralViews(Projection):
    name = "views"
    schema = "referral"
    stream_types = ("referral", "partner", "disclosure", "grievance")
    # Every referral event joins the timeline; of a grievance, its sealed data only.
    handles = (*catalogue.of_stream("referral", "partner", "disclosure"), GrievanceSubmitted,
               PersonalDataErased)  # fmt: skip
    tables = ("referrals", "addressees", "timeline", "disclosures", "partners", "endpoints",
              "settings", "grievance_data", "timers")  # fmt: skip

    async def apply(self, conn: Conn, event: Event) -> None:
        await self.apply_batch(conn, [event])

    async def apply_batch(self, conn: Conn, events: list[Event]) -> None:
        """What only adds rows that nothing reads (the timeline, the disclosures) for the whole
        batch at once; the rest in rounds of one type of event, at most one per row written
        (`_row_of`); then each referral's last change."""
        await _added(conn, events)
        for taken in rounds([e for e in events if type(e.data) in _WRITERS], _row_of):
            await _WRITERS[type(taken[0].data)](conn, taken)
        # Every event of a referral moves its `updated_at`, which nothing else reads: the
        # batch's last one stands (none comes before the opening that writes the row).
        last = {e.stream: e.time for e in events if e.stream_type == "referral"}
        if last:
            await conn.execute(_UPDATED, list(last), list(last.values()))

    async def carry_over(self, conn: Conn, shadow: str) -> None:
        # A timer marked fired before its ReferralOverdue was projected keeps its mark.
        await conn.execute(
            f"""UPDATE {shadow}.timers s SET fired_at = l.fired_at FROM referral.timers l
                WHERE s.id = l.id AND s.fired_at IS NULL AND l.fired_at IS NOT NULL"""
        )


def _row_of(event: Event) -> Hashable:
    """The rows the event writes and reads: its referral's own (opened, safety checked), a
    partner's part of it (its row and timer), a partner's or an endpoint of it in the
    directory, the tenant's settings, a grievance's sealed data."""
    data: Any = event.data
    match event.stream_type:
        case "referral":
            return (event.stream, getattr(data, "partner_id", None))
        case "grievance":
            return ("grievance", data.grievance_id)
    if isinstance(data, ReferralTimeFrameSet):
        return ("settings", event.tenant)
    return ("partner", event.tenant, data.partner_id, getattr(data, "endpoint_id", None))


async def _added(conn: Conn, events: list[Event]) -> None:
    """The rows the batch adds that no event of it reads, changes or removes: written first,
    one statement per table."""
    timeline: list[tuple[Any, ...]] = []
    disclosures: list[tuple[Any, ...]] = []
    for event in events:
        if event.stream_type == "referral":
            values = event.data.model_dump(mode="json")
            details = {k: v for k, v in values.items() if k not in _QUIET}
            timeline.append((event.stream, event.position, event.type, event.actor.role,
                             event.actor.id, json.dumps(details), event.time))  # fmt: skip
        elif isinstance(d := event.data, PersonalDataDisclosed):
            disclosures.append((d.referral_id, event.position, d.partner_id, event.actor.id,
                                json.dumps(list(d.fields)), event.time))  # fmt: skip
    for sql, rows in ((_TIMELINE, timeline), (_DISCLOSURES, disclosures)):
        await write_rows(conn, sql, rows)
