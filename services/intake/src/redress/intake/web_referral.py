"""A referral's consent request on the status page: accept, decline, or later revoke.

The worker sees each partner an officer chose for them (from intake's own projection of
referral's events), in their language: who, why, and what would be shared. Their answer is
written by intake as `ReferralConsentAnswered` on the grievance's stream; referral records
it on the referral (ADR 15).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Annotated

from fastapi import APIRouter, Form, Query, Request
from starlette.responses import Response

from redress.events.catalogue.grievance_answers import ConsentAnswer
from redress.events.envelope import Event, EventData
from redress.intake import reply_drafts
from redress.intake.consent_answers import answering
from redress.intake.context import IntakeContext
from redress.intake.domain import GRIEVANCE
from redress.intake.filing import grievance_stream
from redress.intake.referral_requests import ReferralRequests
from redress.intake.web_common import (
    TICKED_LIMIT,
    Beside,
    WorkerRoute,
    named,
    record_worker_action,
    worker_session,
)
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
    async with pool.acquire() as conn:
        command = await answering(
            conn, intake.keyring, tenant, grievance_id, referral, partner,
            ConsentAnswer(answered), _ticked_for(referral, partner, ticked or ()),
        )  # fmt: skip
    stream = grievance_stream(grievance_id)

    def decide(history: list[Event]) -> list[EventData]:
        return GRIEVANCE.deciding(stream, command)(history)

    # Without a language chosen, the status page speaks the grievance's own. The request's
    # section says a refusal or a withdrawal: only an agreement has a notice of its own.
    agreed_to = command.answer is ConsentAnswer.given
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
