"""A referral's consent request on the status page: accept, decline, or later revoke.

The worker sees each partner an officer chose for them (from intake's own projection of
referral's events), in their language: who, why, and what would be shared. Their answer is
written by intake as `ReferralConsentAnswered` on the grievance's stream; referral records
it on the referral (ADR 15).
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Form, Request
from starlette.responses import RedirectResponse, Response

from redress.events.application import execute
from redress.events.catalogue.grievance import ConsentAnswer
from redress.events.envelope import Event, EventData
from redress.events.projection import wait_for_version
from redress.intake.context import IntakeContext
from redress.intake.domain import GRIEVANCE, AnswerReferralConsent
from redress.intake.filing import grievance_stream, tenant_name
from redress.intake.referral_requests import ReferralRequests, answers
from redress.intake.texts import SESSION_ENDED
from redress.intake.web_common import WorkerRoute, csrf_valid, language, worker_metadata
from redress.intake.web_status import login, session
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
    referral: str = Form(max_length=100),
    partner: str = Form(max_length=100),
    answered: str = Form(alias="consent", pattern="^(given|declined|revoked)$"),
    field: Annotated[list[str] | None, Form(max_length=10)] = None,
    csrf_token: str = Form(alias="csrf", max_length=100),
    lang: str | None = None,
) -> Response:
    grievance_id = session(request, intake, tenant)
    if grievance_id is None:  # nothing is done: the worker opens the report again
        async with pool.acquire() as conn:
            name = await tenant_name(conn, tenant)
        lang = language(request, lang)
        return login(request, intake, tenant, name, lang, lang, SESSION_ENDED, 401)
    if not csrf_valid(request, intake, csrf_token):
        raise Problem(403, "csrf", "the page expired")
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
    agreed = tuple(f for f in row["fields"] if f in (field or ())) if consent == "given" else ()
    command = AnswerReferralConsent(grievance_id, referral, partner, consent, agreed)
    stream = grievance_stream(grievance_id)

    def decide(history: list[Event]) -> list[EventData]:
        return GRIEVANCE.deciding(stream, command)(history)

    done = await execute(store, stream, decide, worker_metadata(tenant))
    await wait_for_version(pool, PROJECTION, stream, done.version)
    # Without a language chosen, the status page speaks the grievance's own.
    chosen = f"lang={lang}&" if lang in LANGUAGES else ""
    return RedirectResponse(
        f"/t/{tenant}/status?{chosen}done=consent_{consent.value}", status_code=303
    )
