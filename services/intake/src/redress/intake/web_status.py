"""Following a grievance with its receipt: `/t/{tenant}/status`.

The worker opens it with the reference and secret (throttled in `guards`); a session cookie
then carries the grievance for half an hour. A language chosen before opening is kept.
"""

from __future__ import annotations

import asyncio
import json
import math
from datetime import UTC, datetime, timedelta
from typing import Any

import jwt
from babel.dates import format_date, format_datetime, format_timedelta
from fastapi import APIRouter, Form, Request
from starlette.responses import HTMLResponse, RedirectResponse, Response

from redress.events.catalogue.grievance import Sealed
from redress.events.projection import wait_for_version
from redress.events.store import Conn
from redress.intake import reply_drafts, sealed
from redress.intake.context import Intake, IntakeContext
from redress.intake.filing import Masthead, grievance_stream, masthead
from redress.intake.projections import Grievances
from redress.intake.receipts import normalise_reference, verify_secret
from redress.intake.referral_requests import requests
from redress.intake.representations import shown as representatives_shown
from redress.intake.texts import (
    CONSENT_DECLINED,
    CONSENT_GIVEN,
    CONSENT_REVOKED,
    CONTACT_OFF,
    CONTACT_ON,
    DELIVERED,
    ERASED,
    GROUNDS,
    OUTCOMES,
    OWNERS,
    PARTNER_KINDS,
    PLAN_ANSWERS,
    REPLY_SENT,
    REPRESENTED,
    RETALIATION_REPORTED,
    REVIEW_ASKED,
    REVIEW_RESULTS,
    SCALE,
    SESSION_ENDED,
    STATUS,
    THANKS,
    WAIT_BEFORE_TRYING,
    WITHDRAWN,
    WRONG_RECEIPT,
)
from redress.intake.web_common import (
    SESSION,
    TYPED_PARSED,
    Said,
    WorkerRoute,
    language,
    login,
    page,
    said,
    session,
)
from redress.intake.web_referral import given
from redress.kit import csrf
from redress.kit.deps import Pool
from redress.kit.i18n import LANGUAGES
from redress.kit.proxy import secure_cookies
from redress.kit.throttle import client_address

router = APIRouter(include_in_schema=False, route_class=WorkerRoute)

SESSION_MINUTES = 30
# A reply typed when the session had ended waits while the worker opens the report: in a
# table, sealed, and this cookie holds the way to it (`reply_drafts`).
DRAFT = "reply_draft"
DRAFT_SECONDS = int(reply_drafts.LIFETIME.total_seconds())
PROJECTION = Grievances()


def _chosen(lang: str | None) -> str | None:
    """A language the worker picked (a link or `?lang=`), as opposed to the browser's."""
    return lang if lang in LANGUAGES else None


@router.get("/t/{tenant}/status")
async def status_page(
    request: Request, tenant: str, intake: IntakeContext, pool: Pool, lang: str | None = None
) -> HTMLResponse:
    grievance_id = session(request, intake, tenant)
    if grievance_id is not None:
        # Just filed: give the projection a moment to catch up with the log.
        await wait_for_version(pool, PROJECTION, grievance_stream(grievance_id), 1)
    async with pool.acquire() as conn:
        name = await masthead(conn, tenant)
        if grievance_id is None:
            return login(request, intake, tenant, name, language(request, lang), _chosen(lang))
        ticket = sealed.unseal(intake.receipt_key, DRAFT, request.cookies.get(DRAFT))
        draft = await reply_drafts.take(conn, tenant, ticket) if ticket else None
        mine = draft if draft and draft.get("g") == grievance_id else {}
        response = await status(request, intake, conn, tenant, name, grievance_id, lang,
                                draft=str(mine["m"]) if mine else None,
                                retaliation=mine.get("r") is True)  # fmt: skip
    if DRAFT in request.cookies:
        sealed.clear(request, response, DRAFT, f"/t/{tenant}/status")
    return response


@router.post("/t/{tenant}/status/open")
async def open_status(
    request: Request,
    tenant: str,
    intake: IntakeContext,
    pool: Pool,
    reference: str = Form(max_length=40),
    secret: str = Form(max_length=40),
    csrf_token: str = Form(alias="csrf", max_length=100),
    lang: str | None = Form(None, max_length=20),
    # Up to what a reply form takes: one over the limit comes back whole in the reply box,
    # and sending it says how long it may be.
    draft: str | None = Form(None, max_length=TYPED_PARSED),
    retaliation: str | None = Form(None, pattern="^yes$"),  # the carried reply's box
) -> Response:
    csrf.check(request, intake.csrf_key, csrf_token)
    chosen, lang = _chosen(lang), language(request, lang)
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
        return _too_many(request, intake, tenant, name, lang, chosen, wait, draft,
                         bool(retaliation))  # fmt: skip
    stored = found["receipt_hash"] if found else None
    if not await asyncio.to_thread(verify_secret, stored, secret) or not found:
        intake.receipt_guard.failed(client, guarded)
        return login(request, intake, tenant, name, lang, chosen, WRONG_RECEIPT, 401,
                     draft=draft, retaliation=bool(retaliation))  # fmt: skip
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
    if draft and draft.strip():
        value = {"g": found["grievance_id"], "m": draft, "r": bool(retaliation)}
        async with pool.acquire() as conn:
            ticket = await reply_drafts.keep(conn, tenant, value)
        kept = sealed.seal(intake.receipt_key, DRAFT, ticket, DRAFT_SECONDS)
        sealed.set_sealed(request, response, DRAFT, kept, DRAFT_SECONDS, f"/t/{tenant}/status")
    return response


def _too_many(
    request: Request, intake: Intake, tenant: str, name: Masthead, lang: str, chosen: str | None,
    wait: float, draft: str | None, retaliation: bool,
) -> HTMLResponse:  # fmt: skip
    seconds = math.ceil(wait)
    _ = intake.pages.gettext(lang)
    told = _(WAIT_BEFORE_TRYING) % {
        "wait": format_timedelta(timedelta(seconds=seconds), threshold=2, locale=lang)
    }
    return login(request, intake, tenant, name, lang, chosen, told, 429, draft=draft,
                 headers={"Retry-After": str(seconds)}, retaliation=retaliation)  # fmt: skip


async def status(
    request: Request, intake: Intake, conn: Conn, tenant: str, name: Masthead, grievance_id: str,
    lang: str | None, *, draft: str | None = None, error: str | Said | None = None,
    status_code: int = 200, plan_draft: str | None = None, retaliation: bool = False,
) -> HTMLResponse:  # fmt: skip
    g = await conn.fetchrow(
        "SELECT * FROM intake.grievances WHERE grievance_id = $1 AND tenant = $2",
        grievance_id,
        tenant,
    )
    if g is None:
        lang = language(request, lang)
        return login(request, intake, tenant, name, lang, _chosen(lang), SESSION_ENDED)
    lang = language(request, lang) if lang else g["language"]
    _ = intake.pages.gettext(lang)
    thread = []
    for row in await conn.fetch(
        "SELECT author, sealed, time FROM intake.thread WHERE grievance_id = $1 ORDER BY position",
        grievance_id,
    ):
        text = await intake.keyring.open(conn, Sealed.model_validate(json.loads(row["sealed"])))
        if text is not None:
            when = format_datetime(row["time"], "short", locale=lang)
            thread.append({"author": row["author"], "text": text.decode(), "time": when})
    status_key = _status_key(g)
    notice = request.query_params.get("done")
    notices = {"sent": REPLY_SENT, "retaliation": RETALIATION_REPORTED, "withdrawn": WITHDRAWN,
               "represented": REPRESENTED[True], "not_represented": REPRESENTED[False],
               "erased": ERASED, "thanks": THANKS,
               "consent_given": CONSENT_GIVEN, "consent_declined": CONSENT_DECLINED,
               "consent_revoked": CONSENT_REVOKED, "contact_on": CONTACT_ON,
               "contact_off": CONTACT_OFF, "review": REVIEW_ASKED,
               **{f"plan_{k}": v for k, v in PLAN_ANSWERS.items()},
               "delivered": DELIVERED[True], "not_delivered": DELIVERED[False]}  # fmt: skip
    rejected = status_key == "rejected"
    context: dict[str, Any] = {
        "g": g,
        "status_label": _(STATUS.get(status_key, STATUS["received"])),
        # A report that ended (withdrawn, rejected, erased) waits for nothing any more.
        "due": format_date(g["stage_due"], "long", locale=lang)
        if g["stage_due"] and status_key not in ENDED
        else None,
        "thread": thread,
        "outcome_label": _(outcome) if (outcome := OUTCOMES.get(g["outcome"])) else None,
        "scale": [(n, _(SCALE[n])) for n in range(5, 0, -1)],
        "notice": _(notices[notice]) if notice in notices else None,
        "error": said(_, error),
        "draft": draft,
        "plan_draft": plan_draft,  # the plan's comment box, apart from the reply's
        "retaliation": retaliation,  # a refused reply keeps its box ticked
        "action": f"/t/{tenant}/status?lang={lang}",
        "referrals": await _requests(conn, intake, tenant, grievance_id, _),
        "referral_action": f"/t/{tenant}/status/referral?lang={lang}",
        "status": status_code,
        "ended": status_key == "ended",
        "grounds": _(grounds) if rejected and (grounds := GROUNDS.get(g["grounds"])) else None,
        "elsewhere": await _elsewhere(conn, tenant, g["country"], _) if rejected else None,
        "reviewable": reviewable(g),
        "plan": await _plan(conn, grievance_id, lang, _),
        "plan_action": f"/t/{tenant}/status/plan?lang={lang}",
        "plan_answer": _(answered) if (answered := PLAN_ANSWERS.get(g["plan_answer"])) else None,
        "review_asked": _(REVIEW_ASKED) if g["review"] == "requested" else None,
        "review_result": _(label) if (label := REVIEW_RESULTS.get(g["review"])) else None,
        "representation": await representatives_shown(conn, grievance_id),
        "representation_action": f"/t/{tenant}/status/representation?lang={lang}",
    }
    return page(request, intake, "status.html", lang, name, **context)


def reviewable(g: Any) -> bool:
    """A decision the worker may ask to have reviewed: a rejection (not their own withdrawal)
    or an outcome, not reviewed yet, on a report still theirs to follow."""
    decided = g["outcome"] is not None or g["grounds"] not in (None, "withdrawn_by_worker")
    return decided and g["review"] is None and g["status"] == "open"


ENDED = frozenset({"erased", "ended", "withdrawn", "rejected"})


def _status_key(g: Any) -> str:
    """What the worker is told of where their grievance is."""
    if g["status"] == "erased":
        return "erased"
    if g["grounds"] == "withdrawn_by_worker":
        return "ended"  # the case was closed on the worker's withdrawal
    if g["status"] == "withdrawn":
        return "withdrawn"
    return "rejected" if g["grounds"] else str(g["stage"])


async def _plan(conn: Conn, grievance_id: str, lang: str, _: Any) -> list[dict[str, Any]]:
    """The case's plan actions: who does each (by kind), by when, how far, and what the
    worker said of whether it reached them."""
    rows = await conn.fetch(
        "SELECT * FROM intake.plan_actions WHERE grievance_id = $1 ORDER BY due_on, action_id",
        grievance_id,
    )
    return [
        {"id": r["action_id"], "description": r["description"], "progress": r["progress"],
         "owner": _(OWNERS.get(r["owner"], OWNERS["msi"])), "done": r["done"],
         "due": format_date(r["due_on"], "long", locale=lang),
         "delivered": _(said) if (said := DELIVERED.get(r["delivered"])) else None}
        for r in rows
    ]  # fmt: skip


ELSEWHERE_SHOWN = 10


async def _elsewhere(conn: Conn, tenant: str, country: str | None, _: Any) -> list[dict[str, str]]:
    """The tenant's partners that work in the worker's country (all, when it is not known)."""
    rows = await conn.fetch(
        """SELECT name, kind, contact FROM intake.partners
           WHERE tenant = $1 AND NOT retired AND ($2::text IS NULL OR $2 = ANY (countries))
           ORDER BY name LIMIT $3""",
        tenant, country, ELSEWHERE_SHOWN,
    )  # fmt: skip
    return [
        {"name": r["name"], "kind": _(PARTNER_KINDS.get(r["kind"], PARTNER_KINDS["ngo"])),
         "contact": r["contact"]}
        for r in rows
    ]  # fmt: skip


async def _requests(
    conn: Conn, intake: Intake, tenant: str, grievance_id: str, _: Any
) -> list[dict[str, Any]]:
    """The referrals' consent requests, each offering only what the report holds."""
    asked = await requests(conn, tenant, grievance_id, _)
    # Only a request still to be agreed to offers fields: the report is opened for those only.
    if any(a["fields"] and "given" in a["answers"] for a in asked):
        held = await given(conn, intake.keyring, grievance_id)
        for partner in asked:
            partner["fields"] = [(f, label) for f, label in partner["fields"] if f in held]
    return asked
