"""Read models of referral: the officer's queue, each partner's part, the directory, timers."""

from __future__ import annotations

import json
from typing import Any

from redress.events import catalogue
from redress.events.catalogue.disclosure import PersonalDataDisclosed
from redress.events.catalogue.grievance import GrievanceSubmitted, PersonalDataErased
from redress.events.catalogue.partner import (
    PartnerRegistered,
    PartnerRetired,
    ReferralTimeFrameSet,
    WebhookEndpointAdded,
    WebhookEndpointRemoved,
    WebhookSecretRotated,
)
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
from redress.events.projection import Projection
from redress.events.store import Conn
from redress.events.timers import schedule
from redress.referral.overdue import KIND, timer_id

_WITH_PARTNER = "status IN ('sent', 'acknowledged', 'accepted')"
# A partner's part: SQL SET clauses per event type, and the event's values they take.
_SETS: dict[type, tuple[str, Any]] = {
    ConsentGiven: ("consent = 'given', consented = $4, consent_channel = $5",
                   lambda e: (list(e.fields), e.channel)),
    ConsentDeclined: ("consent = 'declined', consent_channel = $4, status = CASE WHEN basis IS "
                      "NULL THEN 'consent_declined' ELSE 'revoked' END", lambda e: (e.channel,)),
    ConsentRevoked: (f"consent = 'revoked', consent_channel = $4, status = CASE WHEN "
                     f"{_WITH_PARTNER} THEN 'revoked' ELSE status END", lambda e: (e.channel,)),
    EmergencyReferralProposed: ("emergency = $4::jsonb",
                                lambda e: (json.dumps({"proposed_by": e.officer,
                                                       "grounds": e.grounds}),)),
    EmergencyReferralApproved: ("emergency = emergency || $4::jsonb",
                                lambda e: (json.dumps({"approved_by": e.officer}),)),
    ReferralWithdrawn: ("status = 'withdrawn'", lambda e: ()),
    ReferralAcknowledged: ("status = 'acknowledged'", lambda e: ()),
    ReferralAccepted: ("status = 'accepted'", lambda e: ()),
    ReferralDeclined: ("status = 'declined', decline_reason = $4", lambda e: (e.reason,)),
    ServicesProvided: ("provided = ARRAY(SELECT DISTINCT unnest(provided || $4::text[]))",
                       lambda e: (list(e.services),)),
    ReferralClosed: ("status = 'closed', outcome = $4", lambda e: (e.outcome,)),
    ReferralOverdue: ("overdue = true", lambda e: ()),
}  # fmt: skip
# After these, the partner owes no acknowledgement: its timer goes.
_STOPS_TIMER = (ConsentDeclined, ConsentRevoked, ReferralWithdrawn, ReferralAcknowledged,
                ReferralAccepted, ReferralDeclined)  # fmt: skip
_QUIET = ("explanation",)


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
        match event.stream_type:
            case "referral":
                await self._referral(conn, event)
            case "partner":
                await self._directory(conn, event)
            case "disclosure":
                await self._disclosed(conn, event)
            case "grievance":
                await self._grievance(conn, event)

    async def carry_over(self, conn: Conn, shadow: str) -> None:
        # A timer marked fired before its ReferralOverdue was projected keeps its mark.
        await conn.execute(
            f"""UPDATE {shadow}.timers s SET fired_at = l.fired_at FROM referral.timers l
                WHERE s.id = l.id AND s.fired_at IS NULL AND l.fired_at IS NOT NULL"""
        )

    async def _referral(self, conn: Conn, event: Event) -> None:
        data = event.data
        details = {k: v for k, v in data.model_dump(mode="json").items() if k not in _QUIET}
        await conn.execute(
            "INSERT INTO timeline VALUES ($1, $2, $3, $4, $5, $6::jsonb, $7) "
            "ON CONFLICT DO NOTHING",
            event.stream, event.position, event.type, event.actor.role, event.actor.id,
            json.dumps(details), event.time,
        )  # fmt: skip
        await conn.execute(
            "UPDATE referrals SET updated_at = $2 WHERE referral_id = $1", event.stream, event.time
        )
        match data:
            case ReferralOpened():
                await conn.execute(
                    """INSERT INTO referrals (referral_id, tenant, case_id, grievance_id,
                           category, country, language, reasons, worker_indication, suggested,
                           opened_at, opened_position, updated_at)
                       VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $11)
                       ON CONFLICT DO NOTHING""",
                    event.stream, event.tenant, data.case_id, data.grievance_id, data.category,
                    data.country, data.language, list(data.reasons), data.worker_indication,
                    list(data.suggested), event.time, event.position,
                )  # fmt: skip
            case SafetyChecked():
                await conn.execute(
                    "UPDATE referrals SET imminent_danger = $2, must_not_learn = $3 "
                    "WHERE referral_id = $1",
                    event.stream, data.imminent_danger, list(data.must_not_learn),
                )  # fmt: skip
            case PartnerSelected():
                await conn.execute(
                    """INSERT INTO addressees (referral_id, partner_id, tenant, partner_name,
                           partner_kind, fields, services, status, consent, updated_at)
                       VALUES ($1, $2, $3, $4, $5, $6, $7, 'awaiting_consent', 'pending', $8)
                       ON CONFLICT (referral_id, partner_id) DO UPDATE SET
                           partner_name = $4, partner_kind = $5, fields = $6, services = $7,
                           status = 'awaiting_consent', consent = 'pending', consented = '{}',
                           consent_channel = NULL, basis = NULL, emergency = NULL,
                           acknowledge_by = NULL, overdue = false, provided = '{}',
                           decline_reason = NULL, outcome = NULL, updated_at = $8""",
                    event.stream, data.partner_id, event.tenant, data.partner_name,
                    data.partner_kind, list(data.fields), list(data.services), event.time,
                )  # fmt: skip
            case ReferralSent():
                await self._sent(conn, event, data)
        if type(data) in _SETS:
            clause, values = _SETS[type(data)]
            await conn.execute(
                f"UPDATE addressees SET {clause}, updated_at = $3 "
                "WHERE referral_id = $1 AND partner_id = $2",
                event.stream, getattr(data, "partner_id"), event.time, *values(data),  # noqa: B009
            )  # fmt: skip
        if isinstance(data, _STOPS_TIMER):
            await conn.execute(
                "DELETE FROM timers WHERE id = $1 AND fired_at IS NULL",
                timer_id(event.stream, data.partner_id),
            )
        if isinstance(data, ReferralOverdue):
            # Fired, as of the event: a rebuild then holds what the live row holds.
            await conn.execute(
                "UPDATE timers SET fired_at = $2 WHERE id = $1",
                timer_id(event.stream, data.partner_id), event.time,
            )  # fmt: skip

    async def _sent(self, conn: Conn, event: Event, data: ReferralSent) -> None:
        await conn.execute(
            """UPDATE addressees SET status = 'sent', basis = $3, acknowledge_by = $4,
                   overdue = false, sent_at = $5, sent_position = $6, updated_at = $5
               WHERE referral_id = $1 AND partner_id = $2""",
            event.stream, data.partner_id, data.basis, data.acknowledge_by, event.time,
            event.position,
        )  # fmt: skip
        # Sent again after it ended: a timer of its own (the old one is replaced, fired or not).
        tid = timer_id(event.stream, data.partner_id)
        await conn.execute("DELETE FROM timers WHERE id = $1", tid)
        await schedule(conn, None, tid, KIND, event.tenant, data.acknowledge_by,
                       referral_id=event.stream, partner_id=data.partner_id,
                       acknowledge_by=data.acknowledge_by.isoformat())  # fmt: skip

    async def _directory(self, conn: Conn, event: Event) -> None:
        data = event.data
        match data:
            case PartnerRegistered():
                await conn.execute(
                    """INSERT INTO partners VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)
                       ON CONFLICT (tenant, partner_id) DO UPDATE SET name = $3, kind = $4,
                       countries = $5, indicators = $6, categories = $7, languages = $8,
                       services = $9, contact = $10""",
                    event.tenant, data.partner_id, data.name, data.kind, list(data.countries),
                    list(data.indicators), list(data.categories), list(data.languages),
                    list(data.services), data.contact,
                )  # fmt: skip
            case PartnerRetired():
                await conn.execute(
                    "UPDATE partners SET retired = true WHERE tenant = $1 AND partner_id = $2",
                    event.tenant, data.partner_id,
                )  # fmt: skip
            case WebhookEndpointAdded():
                await conn.execute(
                    "INSERT INTO endpoints VALUES ($1, $2, $3, $4, $5::jsonb) "
                    "ON CONFLICT DO NOTHING",
                    event.tenant, data.partner_id, data.endpoint_id, data.url,
                    json.dumps([{"secret_id": data.secret_id, "until": None}]),
                )  # fmt: skip
            case WebhookSecretRotated():
                await self._rotated(conn, event, data)
            case WebhookEndpointRemoved():
                await conn.execute(
                    "DELETE FROM endpoints WHERE tenant = $1 AND partner_id = $2 "
                    "AND endpoint_id = $3",
                    event.tenant, data.partner_id, data.endpoint_id,
                )  # fmt: skip
            case ReferralTimeFrameSet():
                await conn.execute(
                    "INSERT INTO settings VALUES ($1, $2) ON CONFLICT (tenant) "
                    "DO UPDATE SET acknowledge_hours = $2",
                    event.tenant, data.acknowledge_hours,
                )  # fmt: skip

    async def _rotated(self, conn: Conn, event: Event, data: WebhookSecretRotated) -> None:
        raw = await conn.fetchval(
            "SELECT secrets FROM endpoints WHERE tenant = $1 AND partner_id = $2 "
            "AND endpoint_id = $3",
            event.tenant, data.partner_id, data.endpoint_id,
        )  # fmt: skip
        versions = json.loads(raw) if raw else []
        until = data.previous_until.isoformat()
        versions = [v | {"until": until} if v["secret_id"] == data.previous_secret_id else v
                    for v in versions]  # fmt: skip
        # As the directory's domain keeps them: two beside the new one.
        versions = [*versions[-2:], {"secret_id": data.secret_id, "until": None}]
        await conn.execute(
            "UPDATE endpoints SET secrets = $4::jsonb WHERE tenant = $1 AND partner_id = $2 "
            "AND endpoint_id = $3",
            event.tenant, data.partner_id, data.endpoint_id, json.dumps(versions),
        )  # fmt: skip

    async def _disclosed(self, conn: Conn, event: Event) -> None:
        if isinstance(event.data, PersonalDataDisclosed):
            d = event.data
            await conn.execute(
                "INSERT INTO disclosures VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT DO NOTHING",
                d.referral_id, event.position, d.partner_id, event.actor.id, list(d.fields),
                event.time,
            )  # fmt: skip

    async def _grievance(self, conn: Conn, event: Event) -> None:
        match event.data:
            case GrievanceSubmitted(grievance_id=gid, personal=personal):
                await conn.execute(
                    "INSERT INTO grievance_data VALUES ($1, $2::jsonb) ON CONFLICT DO NOTHING",
                    gid, personal.model_dump_json(),
                )  # fmt: skip
            case PersonalDataErased(grievance_id=gid):
                await conn.execute("DELETE FROM grievance_data WHERE grievance_id = $1", gid)
