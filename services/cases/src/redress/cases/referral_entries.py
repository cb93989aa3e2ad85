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


async def apply(conn: Conn, event: Event) -> None:
    """Record `event` of a referral stream on its case's timeline."""
    data = event.data
    if isinstance(data, ReferralOpened):
        await conn.execute(
            "INSERT INTO referral_cases VALUES ($1, $2) ON CONFLICT DO NOTHING",
            event.stream,
            data.case_id,
        )
    elif isinstance(data, PartnerSelected):
        await conn.execute(
            "INSERT INTO referral_partners VALUES ($1, $2, $3, $4) "
            "ON CONFLICT (referral, partner_id) DO UPDATE SET name = $3, kind = $4",
            event.stream, data.partner_id, data.partner_name, data.partner_kind,
        )  # fmt: skip
    case_id = await conn.fetchval(
        "SELECT case_id FROM referral_cases WHERE referral = $1", event.stream
    )
    if case_id is None or type(data) not in KEPT:
        return
    await conn.execute(
        "INSERT INTO timeline (case_id, position, type, actor, details, time, actor_id) "
        "VALUES ($1, $2, $3, $4, $5::jsonb, $6, $7) ON CONFLICT DO NOTHING",
        case_id, event.position, event.type, event.actor.role,
        json.dumps(await _details(conn, event)), event.time, event.actor.id,
    )  # fmt: skip


async def _details(conn: Conn, event: Event) -> dict[str, Any]:
    values = event.data.model_dump(mode="json")
    details: dict[str, Any] = {}
    partner_id = values.get("partner_id")
    if partner_id is not None:
        name = await conn.fetchval(
            "SELECT name FROM referral_partners WHERE referral = $1 AND partner_id = $2",
            event.stream,
            partner_id,
        )
        details["partner"] = name or partner_id
    for key in KEPT[type(event.data)]:
        details[key] = values[key]
    return details
