"""The referrals of a worker's case, as the status page shows them: intake's own read model.

Referral writes the referral; intake learns of it only from its events (a service never
reads another's tables). Each `PartnerSelected` is a consent request to the worker; the
worker's answer shows as soon as intake wrote it (`ReferralConsentAnswered` on the
grievance's stream), and referral's own record of it follows.
"""

from __future__ import annotations

import json
from collections.abc import Awaitable, Callable, Hashable
from typing import Any

from redress.events.catalogue.grievance import PersonalDataErased
from redress.events.catalogue.grievance_answers import ReferralConsentAnswered
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
from redress.events.projection import Projection, columns, of_kind, rounds
from redress.events.store import Conn
from redress.intake import referral_questions as questions
from redress.intake.texts import (
    CONTACT_WITH_NAME,
    PARTNER_KINDS,
    REFERRAL_STATES,
    SERVICES,
    SHARED_FIELDS,
)

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


Writer = Callable[[Conn, list[Event]], Awaitable[None]]


class ReferralRequests(Projection):
    name = "referral_requests"
    schema = "intake"
    stream_types = ("referral", "grievance")
    tables = ("referrals", "referral_partners")

    async def apply(self, conn: Conn, event: Event) -> None:
        await self.apply_batch(conn, [event])

    async def apply_batch(self, conn: Conn, events: list[Event]) -> None:
        """In rounds of one kind of change, one event per referral (`rounds`), a statement
        each: a referral's rows are written by its own events only, and by an erasure of its
        grievance's data, which then orders the grievance's referrals' events (`_owners`)."""
        written = [e for e in events if _writer(e) is not None]
        owner = await _owners(conn, written)
        for taken in rounds(written, owner, _writer):
            await _WRITERS[type(taken[0].data)](conn, taken)


def _writer(event: Event) -> Writer | None:
    """The statement that writes the event (consents of every kind alike, states too)."""
    return _WRITERS.get(type(event.data))


def _referral_of(event: Event) -> str:
    data = event.data
    return data.referral_id if isinstance(data, ReferralConsentAnswered) else event.stream


async def _owners(conn: Conn, events: list[Event]) -> Callable[[Event], Hashable]:
    """Whose rows each event writes: its referral's; in a batch that erases a worker's data,
    its referral's grievance's (as the table has it, else as the batch opens it), since the
    erasure removes the rows of every referral of its grievance."""
    if not any(isinstance(e.data, PersonalDataErased) for e in events):
        return _referral_of
    named = list({_referral_of(e) for e in events})
    rows = await conn.fetch(
        "SELECT referral_id, grievance_id FROM referrals WHERE referral_id = ANY($1::text[])",
        named,
    )
    grievance = {r["referral_id"]: r["grievance_id"] for r in rows}
    for event, opened in of_kind(events, ReferralOpened):
        grievance.setdefault(event.stream, opened.grievance_id)

    def owner(event: Event) -> Hashable:
        if isinstance(event.data, PersonalDataErased):
            return ("grievance", event.data.grievance_id)
        referral = _referral_of(event)
        return ("grievance", grievance[referral]) if referral in grievance else referral

    return owner


def _texts(column: str) -> str:
    """A JSON array of texts as text[], in its order (arrays of arrays must be rectangular)."""
    return (f"ARRAY(SELECT x FROM jsonb_array_elements_text({column}) WITH ORDINALITY "
            "AS a(x, n) ORDER BY n)")  # fmt: skip


async def _opened(conn: Conn, events: list[Event]) -> None:
    await conn.execute(
        "INSERT INTO referrals SELECT * FROM unnest($1::text[], $2::text[], $3::text[]) "
        "ON CONFLICT DO NOTHING",
        *columns((e.stream, e.tenant, o.grievance_id) for e, o in of_kind(events, ReferralOpened)),
    )  # fmt: skip


async def _selected(conn: Conn, events: list[Event]) -> None:
    # Chosen again after a refusal or an end: a new request to answer.
    await conn.execute(
        f"""INSERT INTO referral_partners (referral_id, partner_id, partner_name, partner_kind,
                fields, services, position)
            SELECT v.r, v.p, v.name, v.kind, {_texts("v.fields")}, {_texts("v.services")}, v.pos
            FROM unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::jsonb[], $6::jsonb[],
                        $7::bigint[]) AS v(r, p, name, kind, fields, services, pos)
            ON CONFLICT (referral_id, partner_id) DO UPDATE SET
                partner_name = excluded.partner_name, partner_kind = excluded.partner_kind,
                fields = excluded.fields, services = excluded.services, consent = 'asked',
                agreed = '{{}}', state = 'asked', position = excluded.position""",
        *columns((e.stream, c.partner_id, c.partner_name, c.partner_kind.value,
                  json.dumps([f.value for f in c.fields]),
                  json.dumps([s.value for s in c.services]), e.position)
                 for e, c in of_kind(events, PartnerSelected)),
    )  # fmt: skip
    await questions.asked(conn, events)


def _answer(event: Event) -> tuple[str, str, str, str]:
    """The worker's answer as referral records it, or as intake wrote it first."""
    data = event.data
    if isinstance(data, ReferralConsentAnswered):
        agreed = list(data.fields) if data.answer == "given" else []
        return (data.referral_id, data.partner_id, data.answer.value, json.dumps(agreed))
    agreed = [f.value for f in data.fields] if isinstance(data, ConsentGiven) else []
    partner_id: str = data.partner_id  # type: ignore[attr-defined]
    return (event.stream, partner_id, _CONSENTS[type(data)], json.dumps(agreed))


async def _consent(conn: Conn, events: list[Event]) -> None:
    await conn.execute(
        f"""UPDATE referral_partners rp SET consent = v.consent, agreed = {_texts("v.agreed")}
            FROM unnest($1::text[], $2::text[], $3::text[], $4::jsonb[])
                 AS v(r, p, consent, agreed)
            WHERE rp.referral_id = v.r AND rp.partner_id = v.p""",
        *columns(_answer(e) for e in events),
    )


async def _state(conn: Conn, events: list[Event]) -> None:
    rows = [(e.stream, e.data.partner_id, _STATES[type(e.data)]) for e in events]  # type: ignore[attr-defined]
    await conn.execute(
        """UPDATE referral_partners rp SET state = v.state
           FROM unnest($1::text[], $2::text[], $3::text[]) AS v(r, p, state)
           WHERE rp.referral_id = v.r AND rp.partner_id = v.p""",
        *columns(rows),
    )


async def _erased(conn: Conn, events: list[Event]) -> None:
    # Nothing more is asked of a worker whose data is gone.
    await conn.execute(
        """DELETE FROM referral_partners WHERE referral_id IN
           (SELECT referral_id FROM referrals WHERE grievance_id = ANY($1::text[]))""",
        [erased.grievance_id for _, erased in of_kind(events, PersonalDataErased)],
    )


_WRITERS: dict[type, Writer] = {
    ReferralOpened: _opened,
    PartnerSelected: _selected,
    **dict.fromkeys((*_CONSENTS, ReferralConsentAnswered), _consent),
    **dict.fromkeys(_STATES, _state),
    PersonalDataErased: _erased,
}


ENDED = ("declined", "closed", "withdrawn")  # the partner's part is over: nothing to answer


def answers(row: Any) -> tuple[str, ...]:
    """What the worker may answer now: agree or not when asked (agree still, after not
    agreeing), withdraw an agreement while the partner's part goes on."""
    if row["state"] in ENDED:
        return ()
    return {"asked": ("given", "declined"), "declined": ("given",),
            "given": ("revoked",)}.get(row["consent"], ())  # fmt: skip


def _seen_as(row: Any) -> str:
    """The partner's state in the worker's eyes: once the worker withdrew their agreement,
    nothing more is passed on, whatever the partner had last said."""
    if row["consent"] == "revoked" and row["state"] not in ENDED:
        return "withdrawn"
    return str(row["state"])


def shared(field: str, named: bool) -> str:
    """What a box shares, as the worker reads it: contact details hold the name the worker
    gave, if they gave one, and the box says so."""
    return CONTACT_WITH_NAME if field == "contact" and named else SHARED_FIELDS[field]


async def requests(
    conn: Conn, tenant: str, grievance_id: str, _: Any, named: bool = False
) -> list[dict[str, Any]]:
    """The referrals of the worker's case, each in the worker's words (`named`: their
    contact details hold their name)."""
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
            "fields": [(f, _(shared(f, named))) for f in row["fields"] if f in SHARED_FIELDS],
            "agreed": [_(shared(f, named)) for f in row["agreed"] if f in SHARED_FIELDS],
            "agreed_fields": list(row["agreed"]),
            "consent": row["consent"],
            "state": _(state) if (state := REFERRAL_STATES.get(_seen_as(row))) else None,
            "answers": answers(row),
        }
        for row in rows
    ]


async def still_helping(conn: Conn, tenant: str, grievance_id: str) -> bool:
    """Whether a support service the worker agreed to still has their case: withdrawing the
    report does not end it (the worker may be withdrawing under pressure; the help is theirs
    to end), and the worker must be told so before they withdraw."""
    found = await conn.fetchval(
        """SELECT EXISTS (SELECT 1 FROM intake.referral_partners p
                          JOIN intake.referrals r USING (referral_id)
                          WHERE r.grievance_id = $1 AND r.tenant = $2 AND p.consent = 'given'
                            AND NOT p.state = ANY($3::text[]))""",
        grievance_id, tenant, list(ENDED),
    )  # fmt: skip
    return bool(found)
