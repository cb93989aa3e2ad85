"""A referral's consent request on the status page: accept, decline, or later revoke.

The worker sees each partner an officer chose for them (from intake's own projection of
referral's events), in their language: who, why, and what would be shared. Their answer is
written by intake as `ReferralConsentAnswered` on the grievance's stream; referral records
it on the referral (ADR 15).
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Annotated

from fastapi import APIRouter, Form, Query, Request
from starlette.responses import Response

from redress.events.catalogue.grievance import ConsentAnswer, GrievanceSubmitted
from redress.events.catalogue.referral import SharedField
from redress.events.envelope import Event, EventData
from redress.events.store import Conn, read_stream_on
from redress.intake import reply_drafts
from redress.intake.context import IntakeContext
from redress.intake.domain import GRIEVANCE, AnswerReferralConsent
from redress.intake.filing import grievance_stream
from redress.intake.referral_requests import ReferralRequests, answers
from redress.intake.web_common import (
    TICKED_LIMIT,
    Beside,
    WorkerRoute,
    named,
    record_worker_action,
    worker_session,
)
from redress.kit.crypto import Keyring
from redress.kit.deps import Pool, Store
from redress.kit.errors import Problem
from redress.kit.i18n import LANGUAGES

router = APIRouter(include_in_schema=False, route_class=WorkerRoute)
PROJECTION = ReferralRequests()


@router.post("/t/{tenant}/status/referral")
async def answer(
    request: Request,
    tenant: str,
    intake: IntakeContext,
    pool: Pool,
    store: Store,
    unsent: Beside,  # with the grievance the form acts on (`origin`)
    referral_in_form: str | None = Form(None, alias="referral", max_length=100),
    partner_in_form: str | None = Form(None, alias="partner", max_length=100),
    referral_named: str | None = Query(None, alias="referral", max_length=100),  # see `named`
    partner_named: str | None = Query(None, alias="partner", max_length=100),
    answered: str = Form(alias="consent", pattern="^(given|declined|revoked)$"),
    ticked: Annotated[list[str] | None, Form(alias="field", max_length=TICKED_LIMIT)] = None,
    csrf_token: str = Form(alias="csrf", max_length=100),
    lang: str | None = None,
) -> Response:
    grievance_id = await worker_session(request, intake, pool, tenant, lang, csrf_token, unsent)
    referral = named(referral_in_form, referral_named, "referral")
    partner = named(partner_in_form, partner_named, "partner")
    if referral is None or partner is None:
        raise Problem(422, "validation", "name the referral and the partner answered")
    field = _ticked_for(referral, partner, ticked or ())
    async with pool.acquire() as conn:
        row = await conn.fetchrow(
            """SELECT p.* FROM intake.referral_partners p
               JOIN intake.referrals r USING (referral_id)
               WHERE r.grievance_id = $1 AND r.tenant = $2 AND p.referral_id = $3
                 AND p.partner_id = $4""",
            grievance_id, tenant, referral, partner,
        )  # fmt: skip
    if row is None:
        raise Problem(404, "not-found", "no such consent request")
    consent = ConsentAnswer(answered)
    if consent not in answers(row):
        raise Problem(409, "consent-answered", "this request was answered or has ended")
    if unasked := set(field or ()) - set(row["fields"]):
        # No form offers it: the worker's agreement must name only what the partner asked for.
        raise Problem(422, "validation", f"not asked for: {', '.join(sorted(unasked))}")
    async with pool.acquire() as conn:
        held = await given(conn, intake.keyring, grievance_id)
    # What the report does not hold is not agreed to: the partner is never told it may read it.
    agreed = (tuple(f for f in row["fields"] if f in (field or ()) and f in held)
              if consent == "given" else ())  # fmt: skip
    command = AnswerReferralConsent(grievance_id, referral, partner, consent, agreed)
    stream = grievance_stream(grievance_id)

    def decide(history: list[Event]) -> list[EventData]:
        return GRIEVANCE.deciding(stream, command)(history)

    # Without a language chosen, the status page speaks the grievance's own. The request's
    # section says a refusal or a withdrawal: only an agreement has a notice of its own.
    agreed_to = consent is ConsentAnswer.given
    done = await record_worker_action(
        store, pool, PROJECTION, tenant, grievance_id, decide,
        notice="consent_given" if agreed_to else None, lang=lang if lang in LANGUAGES else None,
        place=f"consent-{referral}-{partner}",
    )  # fmt: skip
    return await reply_drafts.carry_rest(pool, intake, request, done, tenant, grievance_id,
                                         unsent.without_request(referral, partner))  # fmt: skip


def _ticked_for(referral: str, partner: str, ticked: Sequence[str]) -> list[str]:
    """The fields ticked for this request. While the page takes a reply, every request's
    boxes belong to the reply's form, so each says whose it is ("referral/partner/field"):
    one ticked for another partner is never agreed to here. A box of the request's own form
    (an older page) says only the field."""
    mine = f"{referral}/{partner}/"
    return [t.removeprefix(mine) for t in ticked if t.startswith(mine) or "/" not in t]


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
    history = await read_stream_on(conn, grievance_stream(grievance_id))
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
