"""The referrals of a worker's case, as the status page shows them: intake's own read model.

Referral writes the referral; intake learns of it only from its events (a service never
reads another's tables). Each `PartnerSelected` is a consent request to the worker; the
worker's answer shows as soon as intake wrote it (`ReferralConsentAnswered` on the
grievance's stream), and referral's own record of it follows.
"""

from __future__ import annotations

from typing import Any

from redress.events.catalogue.grievance import PersonalDataErased, ReferralConsentAnswered
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
    ReferralSent,
    ReferralWithdrawn,
)
from redress.events.envelope import Event
from redress.events.projection import Projection
from redress.events.store import Conn
from redress.intake.texts import PARTNER_KINDS, REFERRAL_STATES, SERVICES, SHARED_FIELDS

# The partner's part after each event: what the worker is told of where the referral is.
_STATES: dict[type, str] = {
    ReferralSent: "sent",
    ReferralAcknowledged: "acknowledged",
    ReferralAccepted: "accepted",
    ReferralDeclined: "declined",
    ReferralClosed: "closed",
    ReferralWithdrawn: "withdrawn",
}
_CONSENTS: dict[type, str] = {
    ConsentGiven: "given",
    ConsentDeclined: "declined",
    ConsentRevoked: "revoked",
}


class ReferralRequests(Projection):
    name = "referral_requests"
    schema = "intake"
    stream_types = ("referral", "grievance")
    tables = ("referrals", "referral_partners")

    async def apply(self, conn: Conn, event: Event) -> None:
        data = event.data
        match data:
            case ReferralOpened(grievance_id=gid):
                await conn.execute(
                    "INSERT INTO referrals VALUES ($1, $2, $3) ON CONFLICT DO NOTHING",
                    event.stream, event.tenant, gid,
                )  # fmt: skip
            case PartnerSelected() as chosen:
                # Chosen again after a refusal or an end: a new request to answer.
                await conn.execute(
                    """INSERT INTO referral_partners (referral_id, partner_id, partner_name,
                           partner_kind, fields, services, position)
                       VALUES ($1, $2, $3, $4, $5, $6, $7)
                       ON CONFLICT (referral_id, partner_id) DO UPDATE SET
                           partner_name = excluded.partner_name,
                           partner_kind = excluded.partner_kind, fields = excluded.fields,
                           services = excluded.services, consent = 'asked', agreed = '{}',
                           state = 'asked', position = excluded.position""",
                    event.stream, chosen.partner_id, chosen.partner_name,
                    chosen.partner_kind.value, [f.value for f in chosen.fields],
                    [s.value for s in chosen.services], event.position,
                )  # fmt: skip
            case ConsentGiven() | ConsentDeclined() | ConsentRevoked():
                agreed = [f.value for f in data.fields] if isinstance(data, ConsentGiven) else []
                await self._consent(conn, event.stream, data.partner_id,
                                    _CONSENTS[type(data)], agreed)  # fmt: skip
            case ReferralConsentAnswered() as answered:
                agreed = list(answered.fields) if answered.answer == "given" else []
                await self._consent(conn, answered.referral_id, answered.partner_id,
                                    answered.answer.value, agreed)  # fmt: skip
            case PersonalDataErased(grievance_id=gid):
                # Nothing more is asked of a worker whose data is gone.
                await conn.execute(
                    """DELETE FROM referral_partners WHERE referral_id IN
                       (SELECT referral_id FROM referrals WHERE grievance_id = $1)""",
                    gid,
                )
            case _ if type(data) in _STATES:
                partner_id: str = data.partner_id  # type: ignore[attr-defined]
                await self._set(conn, event.stream, partner_id, "state = $3", _STATES[type(data)])

    async def _consent(self, conn: Conn, referral_id: str, partner_id: str, consent: str,
                       agreed: list[str]) -> None:  # fmt: skip
        await self._set(conn, referral_id, partner_id, "consent = $3, agreed = $4",
                        consent, agreed)  # fmt: skip

    @staticmethod
    async def _set(conn: Conn, referral_id: str, partner_id: str, change: str,
                   *values: Any) -> None:  # fmt: skip
        await conn.execute(
            f"UPDATE referral_partners SET {change} WHERE referral_id = $1 AND partner_id = $2",
            referral_id, partner_id, *values,
        )  # fmt: skip


ENDED = ("declined", "closed", "withdrawn")  # the partner's part is over: nothing to answer


def answers(row: Any) -> tuple[str, ...]:
    """What the worker may answer now: agree or not when asked (agree still, after not
    agreeing), withdraw an agreement while the partner's part goes on."""
    if row["state"] in ENDED:
        return ()
    return {"asked": ("given", "declined"), "declined": ("given",),
            "given": ("revoked",)}.get(row["consent"], ())  # fmt: skip


async def requests(conn: Conn, tenant: str, grievance_id: str, _: Any) -> list[dict[str, Any]]:
    """The referrals of the worker's case, each in the worker's words."""
    rows = await conn.fetch(
        """SELECT p.* FROM intake.referral_partners p JOIN intake.referrals r USING (referral_id)
           WHERE r.grievance_id = $1 AND r.tenant = $2 ORDER BY p.position""",
        grievance_id,
        tenant,
    )
    return [
        {
            "referral_id": row["referral_id"],
            "partner_id": row["partner_id"],
            "name": row["partner_name"],
            "kind": _(PARTNER_KINDS.get(row["partner_kind"], PARTNER_KINDS["ngo"])),
            "services": [_(SERVICES[s]) for s in row["services"] if s in SERVICES],
            "fields": [(f, _(SHARED_FIELDS[f])) for f in row["fields"] if f in SHARED_FIELDS],
            "agreed": [_(SHARED_FIELDS[f]) for f in row["agreed"] if f in SHARED_FIELDS],
            "consent": row["consent"],
            "state": _(state) if (state := REFERRAL_STATES.get(row["state"])) else None,
            "answers": answers(row),
        }
        for row in rows
    ]
