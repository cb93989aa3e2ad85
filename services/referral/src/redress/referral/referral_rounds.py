"""The referrals, each partner's part and its timer, written a round at a time.

A round (`redress.events.projection.rounds`) holds events of one type, at most one per
referral's own row and per partner's part (its row of `addressees`, its timer), so one
statement per table writes each row as its event alone would: nothing in a round reads what
another event of it writes. Each statement takes the round's values as arrays (`unnest`); a
list becomes JSON there (`_texts`), since arrays of arrays must be rectangular.
"""

from __future__ import annotations

import json
from collections.abc import Awaitable, Callable
from typing import Any

from redress.events.catalogue.referral import (
    ConsentDeclined,
    ConsentGiven,
    ConsentRevoked,
    EmergencyReferralApproved,
    EmergencyReferralProposed,
    PartnerSelected,
    ReferralAccepted,
    ReferralAcknowledged,
    ReferralClosed,
    ReferralDeclined,
    ReferralOpened,
    ReferralOverdue,
    ReferralSent,
    ReferralWithdrawn,
    SafetyChecked,
    ServicesProvided,
)
from redress.events.envelope import Event
from redress.events.projection import of_kind, text_array, write_rows
from redress.events.store import Conn
from redress.events.timers import Timer, schedule_many
from redress.referral.overdue import KIND, timer_id

Writer = Callable[[Conn, list[Event]], Awaitable[None]]


_WITH_PARTNER = "status IN ('sent', 'acknowledged', 'accepted')"
# A partner's part: SET clauses per event type on the round's values `v` (a, b), the arrays'
# types, and the event's values.
_SETS: dict[type, tuple[str, tuple[str, ...], Callable[[Any], tuple[Any, ...]]]] = {
    ConsentGiven: (f"consent = 'given', consented = {text_array('v.a')}, consent_channel = v.b",
                   ("jsonb", "text"), lambda e: (json.dumps(list(e.fields)), e.channel)),
    ConsentDeclined: ("consent = 'declined', consent_channel = v.a, status = CASE WHEN basis IS "
                      "NULL THEN 'consent_declined' ELSE 'revoked' END", ("text",),
                      lambda e: (e.channel,)),
    ConsentRevoked: (f"consent = 'revoked', consent_channel = v.a, status = CASE WHEN "
                     f"{_WITH_PARTNER} THEN 'revoked' ELSE status END", ("text",),
                     lambda e: (e.channel,)),
    EmergencyReferralProposed: ("emergency = v.a", ("jsonb",),
                                lambda e: (json.dumps({"proposed_by": e.officer,
                                                       "grounds": e.grounds}),)),
    EmergencyReferralApproved: ("emergency = emergency || v.a", ("jsonb",),
                                lambda e: (json.dumps({"approved_by": e.officer}),)),
    ReferralWithdrawn: ("status = 'withdrawn'", (), lambda e: ()),
    ReferralAcknowledged: ("status = 'acknowledged'", (), lambda e: ()),
    ReferralAccepted: ("status = 'accepted'", (), lambda e: ()),
    ReferralDeclined: ("status = 'declined', decline_reason = v.a", ("text",),
                       lambda e: (e.reason,)),
    ServicesProvided: (f"provided = ARRAY(SELECT DISTINCT unnest(provided || {text_array('v.a')}))",
                       ("jsonb",), lambda e: (json.dumps(list(e.services)),)),
    ReferralClosed: ("status = 'closed', outcome = v.a", ("text",), lambda e: (e.outcome,)),
    ReferralOverdue: ("overdue = true", (), lambda e: ()),
}  # fmt: skip
# After these, the partner owes no acknowledgement: its timer goes.
_STOPS_TIMER = (ConsentDeclined, ConsentRevoked, ReferralWithdrawn, ReferralAcknowledged,
                ReferralAccepted, ReferralDeclined)  # fmt: skip


async def _set(conn: Conn, events: list[Event]) -> None:
    clause, types, values = _SETS[type(events[0].data)]
    arrays = "".join(f", ${i + 4}::{t}[]" for i, t in enumerate(types))
    names = ", ".join(("r", "p", "t", *("a", "b")[: len(types)]))
    data: list[Any] = [e.data for e in events]  # of one type, each naming its partner
    await write_rows(
        conn,
        f"""UPDATE addressees SET {clause}, updated_at = v.t
            FROM unnest($1::text[], $2::text[], $3::timestamptz[]{arrays}) AS v({names})
            WHERE referral_id = v.r AND partner_id = v.p""",
        [(e.stream, d.partner_id, e.time, *values(d)) for e, d in zip(events, data, strict=True)],
    )
    if isinstance(data[0], _STOPS_TIMER):
        await conn.execute(
            "DELETE FROM timers WHERE id = ANY($1::text[]) AND fired_at IS NULL",
            [timer_id(e.stream, d.partner_id) for e, d in zip(events, data, strict=True)],
        )
    # Fired, as of the event: a rebuild then holds what the live row holds.
    await write_rows(
        conn,
        """UPDATE timers t SET fired_at = v.t
           FROM unnest($1::text[], $2::timestamptz[]) AS v(id, t) WHERE t.id = v.id""",
        [(timer_id(e.stream, o.partner_id), e.time) for e, o in of_kind(events, ReferralOverdue)],
    )


async def _opened(conn: Conn, events: list[Event]) -> None:
    await write_rows(
        conn,
        f"""INSERT INTO referrals (referral_id, tenant, case_id, grievance_id, category,
                country, language, reasons, worker_indication, suggested, opened_at,
                opened_position, updated_at)
            SELECT v.id, v.tenant, v.case_id, v.g, v.category, v.country, v.language,
                {text_array("v.reasons")}, v.indication, {text_array("v.suggested")}, v.t,
                v.pos, v.t
            FROM unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::text[], $6::text[],
                        $7::text[], $8::jsonb[], $9::bool[], $10::jsonb[], $11::timestamptz[],
                        $12::bigint[])
                 AS v(id, tenant, case_id, g, category, country, language, reasons,
                      indication, suggested, t, pos)
            ON CONFLICT DO NOTHING""",
        [(e.stream, e.tenant, o.case_id, o.grievance_id, o.category, o.country, o.language,
          json.dumps(list(o.reasons)), o.worker_indication, json.dumps(list(o.suggested)),
          e.time, e.position) for e, o in of_kind(events, ReferralOpened)],
    )  # fmt: skip


async def _safety(conn: Conn, events: list[Event]) -> None:
    await write_rows(
        conn,
        f"""UPDATE referrals r SET imminent_danger = v.danger,
                must_not_learn = {text_array("v.parties")}
            FROM unnest($1::text[], $2::bool[], $3::jsonb[]) AS v(id, danger, parties)
            WHERE r.referral_id = v.id""",
        [(e.stream, s.imminent_danger, json.dumps(list(s.must_not_learn)))
         for e, s in of_kind(events, SafetyChecked)],
    )  # fmt: skip


async def _selected(conn: Conn, events: list[Event]) -> None:
    # Chosen again after it ended: a part begun anew, not sent (the partner lists it again
    # only once it is).
    await write_rows(
        conn,
        f"""INSERT INTO addressees (referral_id, partner_id, tenant, partner_name,
                partner_kind, fields, services, status, consent, updated_at)
            SELECT v.r, v.p, v.tenant, v.name, v.kind, {text_array("v.fields")},
                {text_array("v.services")}, 'awaiting_consent', 'pending', v.t
            FROM unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::text[],
                        $6::jsonb[], $7::jsonb[], $8::timestamptz[])
                 AS v(r, p, tenant, name, kind, fields, services, t)
            ON CONFLICT (referral_id, partner_id) DO UPDATE SET
                partner_name = excluded.partner_name, partner_kind = excluded.partner_kind,
                fields = excluded.fields, services = excluded.services,
                status = 'awaiting_consent', consent = 'pending', consented = '{{}}',
                consent_channel = NULL, basis = NULL, emergency = NULL, acknowledge_by = NULL,
                overdue = false, provided = '{{}}', decline_reason = NULL, outcome = NULL,
                sent_at = NULL, sent_position = NULL, updated_at = excluded.updated_at""",
        [(e.stream, s.partner_id, e.tenant, s.partner_name, s.partner_kind,
          json.dumps(list(s.fields)), json.dumps(list(s.services)), e.time)
         for e, s in of_kind(events, PartnerSelected)],
    )  # fmt: skip


async def _sent(conn: Conn, events: list[Event]) -> None:
    sent = of_kind(events, ReferralSent)
    await write_rows(
        conn,
        """UPDATE addressees SET status = 'sent', basis = v.basis, acknowledge_by = v.due,
               overdue = false, sent_at = v.t, sent_position = v.pos, updated_at = v.t
           FROM unnest($1::text[], $2::text[], $3::text[], $4::timestamptz[],
                       $5::timestamptz[], $6::bigint[]) AS v(r, p, basis, due, t, pos)
           WHERE referral_id = v.r AND partner_id = v.p""",
        [(e.stream, s.partner_id, s.basis, s.acknowledge_by, e.time, e.position)
         for e, s in sent],
    )  # fmt: skip
    # Sent again after it ended: a timer of its own (the old one is replaced, fired or not).
    timers = [
        Timer(timer_id(e.stream, s.partner_id), KIND, e.tenant, s.acknowledge_by,
              {"referral_id": e.stream, "partner_id": s.partner_id,
               "acknowledge_by": s.acknowledge_by.isoformat()})
        for e, s in sent
    ]  # fmt: skip
    await conn.execute("DELETE FROM timers WHERE id = ANY($1::text[])", [t.id for t in timers])
    await schedule_many(conn, timers)


WRITERS: dict[type, Writer] = {
    **dict.fromkeys(_SETS, _set),
    ReferralOpened: _opened,
    SafetyChecked: _safety,
    PartnerSelected: _selected,
    ReferralSent: _sent,
}
