"""Opening a report with its receipt: `/t/{tenant}/status/open`, and the pages asking for it.

The worker opens it with the reference and secret (throttled in `guards`); a session cookie
then carries the grievance for half an hour. What the worker typed when the session or the
page had expired comes back in its box, through opening the report too (`reply_drafts`).
"""

from __future__ import annotations

import asyncio
import math
from datetime import UTC, datetime, timedelta

import jwt
from babel.dates import format_timedelta
from fastapi import APIRouter, Form, Request
from starlette.responses import HTMLResponse, RedirectResponse, Response

from redress.intake import reply_drafts
from redress.intake.context import Intake, IntakeContext
from redress.intake.filing import Masthead, masthead
from redress.intake.receipts import normalise_reference, verify_secret
from redress.intake.texts import (
    BLANK_RECEIPT,
    PAGE_EXPIRED_REPLY,
    SESSION_ENDED,
    WAIT_BEFORE_TRYING,
    WRONG_RECEIPT,
)
from redress.intake.web_common import (
    SAID,
    SESSION,
    TYPED_PARSED,
    Unsent,
    WorkerRoute,
    csrf_valid,
    language,
    login,
    written_for,
)
from redress.intake.web_status import chosen_language, status
from redress.kit import csrf
from redress.kit.deps import Pool
from redress.kit.proxy import secure_cookies
from redress.kit.throttle import client_address

router = APIRouter(include_in_schema=False, route_class=WorkerRoute)

SESSION_MINUTES = 30


@router.post("/t/{tenant}/status/open")
async def open_status(
    request: Request,
    tenant: str,
    intake: IntakeContext,
    pool: Pool,
    # Blank when a language is asked for (`switch_to`); both needed to open.
    reference: str | None = Form(None, max_length=40),
    secret: str | None = Form(None, max_length=40),
    csrf_token: str = Form(alias="csrf", max_length=100),
    lang: str | None = Form(None, max_length=20),
    # Up to what a reply form takes: one over the limit comes back whole in the reply box,
    # and sending it says how long it may be.
    draft: str | None = Form(None, max_length=TYPED_PARSED),
    retaliation: str | None = Form(None, pattern="^yes$"),  # the carried reply's box
    plan_draft: str | None = Form(None, max_length=TYPED_PARSED),  # an objection's comment
    origin: str | None = Form(None, max_length=1000),  # the grievance they were written for
    switch_to: str | None = Form(None, max_length=20),  # a language asked for, from the form
    opening: str | None = Form(None, alias="open", pattern="^1$"),  # Enter: open, not switch
    said: str | None = Form(None, max_length=20),  # why the page holds a text (`SAID`)
) -> Response:
    unsent = Unsent.kept(draft, bool(retaliation), plan_draft, origin)
    if switch_to is not None and opening is None:
        # The same page in another language, with what was typed on it; nothing is tried.
        async with pool.acquire() as conn:
            name = await masthead(conn, tenant)
        return login(request, intake, tenant, name, language(request, switch_to),
                     chosen_language(switch_to), SAID.get(said or ""), unsent=unsent,
                     reference=reference)  # fmt: skip
    chosen, lang = chosen_language(lang), language(request, lang)
    if not reference or not secret:
        # Asked again in the worker's language, what they typed kept; no guess counted.
        async with pool.acquire() as conn:
            name = await masthead(conn, tenant)
        return login(request, intake, tenant, name, lang, chosen, BLANK_RECEIPT, 422,
                     unsent=unsent, reference=reference)  # fmt: skip
    if (unsent.reply or unsent.plan) and not csrf_valid(request, intake, csrf_token):
        # A page restored from a closed browser: asked again, with what was typed on it.
        async with pool.acquire() as conn:
            name = await masthead(conn, tenant)
        return login(request, intake, tenant, name, lang, chosen, PAGE_EXPIRED_REPLY, 403,
                     unsent=unsent)  # fmt: skip
    csrf.check(request, intake.csrf_key, csrf_token)
    guarded = (tenant, normalise_reference(reference))
    client = intake.receipt_guard.client(client_address(request, intake.filings.trusted_proxies))
    async with pool.acquire() as conn:
        name = await masthead(conn, tenant)
        found = await conn.fetchrow(
            "SELECT grievance_id, receipt_hash FROM intake.receipts "
            "WHERE tenant = $1 AND reference = $2",
            *guarded,
        )
    wait = intake.receipt_guard.wait(client, guarded)
    if wait > 0:
        return _too_many(request, intake, tenant, name, lang, chosen, wait, unsent)
    stored = found["receipt_hash"] if found else None
    if not await asyncio.to_thread(verify_secret, stored, secret) or not found:
        intake.receipt_guard.failed(client, guarded, secret)
        return login(request, intake, tenant, name, lang, chosen, WRONG_RECEIPT, 401,
                     unsent=unsent, reference=reference)  # fmt: skip
    intake.receipt_guard.succeeded(guarded)
    token = jwt.encode(
        {"g": found["grievance_id"], "t": tenant,
         "exp": datetime.now(UTC) + timedelta(minutes=SESSION_MINUTES)},
        intake.session_key,
        algorithm="HS256",
    )  # fmt: skip
    # The status page speaks the language the worker chose, else the grievance's own.
    target = f"/t/{tenant}/status" + (f"?lang={chosen}" if chosen else "")
    response = RedirectResponse(target, status_code=303)
    response.set_cookie(
        SESSION, token, max_age=SESSION_MINUTES * 60, httponly=True, samesite="strict",
        secure=secure_cookies(request), path=f"/t/{tenant}/",
    )  # fmt: skip
    if unsent.reply or unsent.plan:
        async with pool.acquire() as conn:
            await reply_drafts.carry(conn, intake, request, response, tenant,
                                     found["grievance_id"], unsent)  # fmt: skip
    return response


def _too_many(
    request: Request, intake: Intake, tenant: str, name: Masthead, lang: str, chosen: str | None,
    wait: float, unsent: Unsent,
) -> HTMLResponse:  # fmt: skip
    seconds = math.ceil(wait)
    _ = intake.pages.gettext(lang)
    told = _(WAIT_BEFORE_TRYING) % {
        "wait": format_timedelta(timedelta(seconds=seconds), threshold=2, locale=lang)
    }
    return login(request, intake, tenant, name, lang, chosen, told, 429, unsent=unsent,
                 headers={"Retry-After": str(seconds)})  # fmt: skip


async def expired(
    request: Request, intake: Intake, pool: Pool, tenant: str, lang: str | None,
    grievance_id: str | None, unsent: Unsent,
) -> HTMLResponse:  # fmt: skip
    """The session or the page expired, or the page was for another report than the session
    holds now (another tab opened it): nothing is done. What the worker typed comes back (a
    reply's retaliation box ticked as it was: sent again unticked, it would report nothing)
    on the report it was written for, or on the page asking for the receipt; never on
    another report."""
    written = written_for(intake, unsent.origin)
    # The session's own report; or a form naming none (a page served before forms named
    # theirs) with nothing typed on it to put in the wrong box.
    own = written == grievance_id or (written is None and not (unsent.reply or unsent.plan))
    async with pool.acquire() as conn:
        name = await masthead(conn, tenant)
        if grievance_id is not None and own:
            return await status(request, intake, conn, tenant, name, grievance_id, lang,
                                error=PAGE_EXPIRED_REPLY, status_code=403,
                                unsent=unsent)  # fmt: skip
        return login(request, intake, tenant, name, language(request, lang),
                     chosen_language(lang), SESSION_ENDED, 401 if grievance_id is None else 403,
                     unsent=unsent)  # fmt: skip
