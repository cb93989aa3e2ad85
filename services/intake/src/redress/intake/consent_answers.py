"""A worker's answer to a referral's consent request, however it reaches intake.

The worker answers on their status page, or tells an operator on the phone who has read
their receipt back; either way the answer must name a request the worker was asked and can
still answer, and agree only to fields the partner asked for and the report holds. Both
ways build the same `AnswerReferralConsent` here, so neither can agree to more than the
other.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from redress.events.catalogue.grievance import Channel, GrievanceSubmitted
from redress.events.catalogue.grievance_answers import ConsentAnswer, ReferralConsentAnswered
from redress.events.catalogue.referral import SharedField
from redress.events.envelope import Event
from redress.events.store import Conn, read_stream_on
from redress.intake.domain import AnswerReferralConsent
from redress.intake.filing import grievance_stream
from redress.intake.referral_requests import ReferralRequests, answers
from redress.kit.crypto import Keyring
from redress.kit.errors import Problem


@dataclass(frozen=True)
class Held:
    """The personal fields a partner may be asked for that the worker's report holds."""

    fields: frozenset[str] = frozenset()
    # The contact details hold the worker's name: agreeing to share them shares it, and the
    # box the worker ticks says so.
    named: bool = False

    def __contains__(self, field: object) -> bool:
        return field in self.fields


async def given(conn: Conn, keyring: Keyring, grievance_id: str) -> Held:
    """What the worker's report holds to share (a report filed without contact details has
    no contact to share); nothing once erased."""
    return await _held(conn, keyring, await read_stream_on(conn, grievance_stream(grievance_id)))


async def _held(conn: Conn, keyring: Keyring, history: list[Event]) -> Held:
    submitted = history[0].data if history else None
    if not isinstance(submitted, GrievanceSubmitted):
        return Held()
    opened = await keyring.open(conn, submitted.personal)
    if opened is None:
        return Held()
    personal = json.loads(opened)
    contact = personal.get(SharedField.contact.value)
    contact = contact if isinstance(contact, dict) else {}
    held = {f.value for f in SharedField if personal.get(f.value)}
    if not contact.get("phone_or_email"):
        # A name alone is no way to contact the worker: nothing to share but the name.
        held.discard(SharedField.contact.value)
    return Held(frozenset(held), bool(contact.get("name")))


async def answering(
    conn: Conn, keyring: Keyring, tenant: str, grievance_id: str, referral: str, partner: str,
    consent: ConsentAnswer, ticked: Iterable[str], channel: Channel = Channel.web,
) -> AnswerReferralConsent:  # fmt: skip
    """The worker's answer to the request `referral`/`partner` of their own report, agreeing
    to the `ticked` fields: 404 for a request that is not theirs, 409 for one answered or
    ended, 422 for a field the partner did not ask for. The grievance's `decide` refuses it
    if another answer was recorded since intake's record of the request was read."""
    stream = grievance_stream(grievance_id)
    # The request as intake's record of it stands, and how far that record has read the
    # worker's grievance (in one snapshot): the answers it had seen are those up to there.
    row = await conn.fetchrow(
        """SELECT p.*, coalesce((SELECT version FROM intake.applied_versions
                                 WHERE projection = $5 AND stream = $6), 0) AS applied
           FROM intake.referral_partners p JOIN intake.referrals r USING (referral_id)
           WHERE r.grievance_id = $1 AND r.tenant = $2 AND p.referral_id = $3
             AND p.partner_id = $4""",
        grievance_id, tenant, referral, partner, ReferralRequests.name, stream,
    )  # fmt: skip
    if row is None:
        raise Problem(404, "not-found", "no such consent request")
    if consent not in answers(row):
        raise _unanswerable(row, consent)
    field = set(ticked)
    if unasked := field - set(row["fields"]):
        # No form offers it: the worker's agreement must name only what the partner asked for.
        raise Problem(422, "validation", f"not asked for: {', '.join(sorted(unasked))}")
    history = await read_stream_on(conn, stream)
    held = await _held(conn, keyring, history)
    # What the report does not hold is not agreed to: the partner is never told it may read it.
    agreed = (tuple(f for f in row["fields"] if f in field and f in held)
              if consent is ConsentAnswer.given else ())  # fmt: skip
    seen = sum(1 for e in history
               if e.version <= row["applied"] and _answers(e.data, referral, partner))  # fmt: skip
    return AnswerReferralConsent(grievance_id, referral, partner, consent, agreed, channel, seen)


def _answers(data: object, referral: str, partner: str) -> bool:
    return (isinstance(data, ReferralConsentAnswered) and data.referral_id == referral
            and data.partner_id == partner)  # fmt: skip


_MAY = {"given": "agree", "declined": "not agree", "revoked": "withdraw their agreement"}


def _unanswerable(row: Any, consent: ConsentAnswer) -> Problem:
    """Why the worker cannot answer this now, and what they may answer instead."""
    may = answers(row)
    if not may:
        return Problem(409, "ended", "the referral to this partner has ended: nothing to answer")
    if consent is ConsentAnswer.revoked:
        return Problem(409, "nothing-to-revoke",
                       "the worker has not agreed to this partner: there is nothing to "
                       "withdraw; they may " + " or ".join(_MAY[m] for m in may))  # fmt: skip
    return Problem(409, "consent-answered",
                   f"the worker answered this request already ({row['consent']}); they may "
                   "now " + " or ".join(_MAY[m] for m in may))  # fmt: skip
