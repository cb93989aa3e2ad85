"""The referral's milestones on the case's timeline, from referral's events (never its tables).

The referral service writes one `referral` stream per case. Cases reads its events as any
consumer does: `ReferralOpened` says which case a referral is about, `PartnerSelected` names
the partner; every milestone after them joins the case's timeline with the partner's name
and the codes that say where the referral is (basis, reason, outcome, services, the names of
the personal fields shared), never personal data: no explanation of an emergency (sealed),
no officer's note, nothing the worker wrote. Members never see these entries
(`MEMBER_HIDDEN`): a member company must not learn that a case was escalated.
"""

from __future__ import annotations

import json
from typing import Any

from redress.events import catalogue
from redress.events.catalogue.referral import (
    ConsentDeclined,
    ConsentGiven,
    ConsentRevoked,
    PartnerSelected,
    ReferralAccepted,
    ReferralAcknowledged,
    ReferralClosed,
    ReferralDeclined,
    ReferralOpened,
    ReferralOverdue,
    ReferralSent,
    ReferralWithdrawn,
    ServicesProvided,
)
from redress.events.envelope import Event, EventData
from redress.events.projection import columns, of_kind, write_rows
from redress.events.store import Conn

# What each milestone keeps of its event beyond the partner: codes and dates only.
KEPT: dict[type[EventData], tuple[str, ...]] = {
    ReferralOpened: (),
    PartnerSelected: ("services", "fields"),
    ConsentGiven: ("given_by", "channel", "fields"),
    ConsentDeclined: ("given_by", "channel"),
    ConsentRevoked: ("given_by", "channel"),
    ReferralSent: ("basis", "services", "fields", "acknowledge_by"),
    ReferralAcknowledged: (),
    ReferralAccepted: (),
    ReferralDeclined: ("reason",),
    ServicesProvided: ("services",),
    ReferralClosed: ("outcome",),
    ReferralOverdue: ("acknowledge_by",),
    ReferralWithdrawn: (),
}
READS = tuple(KEPT)

# Every type of the referral stream, today's and tomorrow's: none reaches a member.
MEMBER_HIDDEN = frozenset(t.type for t in catalogue.of_stream("referral"))

# How the console says each milestone.
ENTRIES = {
    "ReferralOpened": "Referral opened",
    "PartnerSelected": "Referral: partner proposed",
    "ConsentGiven": "Referral: the worker consented",
    "ConsentDeclined": "Referral: the worker declined",
    "ConsentRevoked": "Referral: the worker revoked consent",
    "ReferralSent": "Referral sent to the partner",
    "ReferralAcknowledged": "Referral acknowledged by the partner",
    "ReferralAccepted": "Referral accepted by the partner",
    "ReferralDeclined": "Referral declined by the partner",
    "ServicesProvided": "Referral: the partner provided services",
    "ReferralClosed": "Referral closed by the partner",
    "ReferralOverdue": "Referral overdue: not acknowledged in time",
    "ReferralWithdrawn": "Referral withdrawn from the partner",
}


_TIMELINE = """
INSERT INTO timeline (case_id, position, type, actor, details, time, actor_id)
SELECT r.case_id, v.position, v.type, v.actor,
       CASE WHEN v.partner IS NULL THEN v.details
            ELSE v.details || jsonb_build_object('partner', coalesce(nullif(p.name, ''), v.partner))
       END,
       v.time, v.actor_id
FROM unnest($1::text[], $2::bigint[], $3::text[], $4::text[], $5::jsonb[], $6::timestamptz[],
            $7::text[], $8::text[]) AS v(referral, position, type, actor, details, time,
                                         actor_id, partner)
JOIN referral_cases r ON r.referral = v.referral
LEFT JOIN referral_partners p ON p.referral = v.referral AND p.partner_id = v.partner
ON CONFLICT DO NOTHING
"""


async def write(conn: Conn, events: list[Event]) -> None:
    """Record a round of milestones (one type, one per referral) on their cases' timelines,
    each with its partner's name as its referral knows it then."""
    match events[0].data:
        case ReferralOpened():
            await conn.execute(
                "INSERT INTO referral_cases SELECT * FROM unnest($1::text[], $2::text[])"
                " ON CONFLICT DO NOTHING",
                *columns((e.stream, o.case_id) for e, o in of_kind(events, ReferralOpened)),
            )  # fmt: skip
        case PartnerSelected():
            await conn.execute(
                """INSERT INTO referral_partners
                   SELECT * FROM unnest($1::text[], $2::text[], $3::text[], $4::text[])
                   ON CONFLICT (referral, partner_id)
                   DO UPDATE SET name = excluded.name, kind = excluded.kind""",
                *columns((e.stream, p.partner_id, p.partner_name, p.partner_kind)
                         for e, p in of_kind(events, PartnerSelected)),
            )  # fmt: skip
    await write_rows(conn, _TIMELINE, [_entry(e) for e in events if type(e.data) in KEPT])


def _entry(event: Event) -> tuple[Any, ...]:
    """The milestone's values: its codes, and the partner it names (its name is joined)."""
    values = event.data.model_dump(mode="json")
    details = {key: values[key] for key in KEPT[type(event.data)]}
    return (event.stream, event.position, event.type, event.actor.role, json.dumps(details),
            event.time, event.actor.id, values.get("partner_id"))  # fmt: skip
