"""Following a grievance with its receipt: `/t/{tenant}/status`, and checking proofs."""

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
from redress.intake.context import Intake, IntakeContext
from redress.intake.domain import (
    ErasePersonalData,
    GiveSatisfaction,
    GrievanceRefused,
    PostWorkerMessage,
    RequestWithdrawal,
    decide,
)
from redress.intake.filing import grievance_stream, tenant_name
from redress.intake.guards import client_address
from redress.intake.projections import Grievances
from redress.intake.receipts import Proof, normalise_reference, verify_secret
from redress.intake.texts import (
    ERASED,
    OUTCOMES,
    REPLY_SENT,
    SCALE,
    SESSION_ENDED,
    STATUS,
    THANKS,
    WAIT_BEFORE_TRYING,
    WITHDRAWN,
    WRONG_RECEIPT,
)
from redress.intake.web_common import WorkerRoute, language, load, page, worker_metadata
from redress.kit import csrf
from redress.kit.deps import Pool, Store
from redress.kit.errors import Problem

router = APIRouter(include_in_schema=False, route_class=WorkerRoute)

SESSION = "receipt_session"
SESSION_MINUTES = 30
_PROJECTION = Grievances()


def _session(request: Request, intake: Intake, tenant: str) -> str | None:
    token = request.cookies.get(SESSION)
    if not token:
        return None
    try:
        claims = jwt.decode(token, intake.session_key, algorithms=["HS256"])
    except jwt.PyJWTError:
        return None
    return str(claims["g"]) if claims.get("t") == tenant else None


@router.get("/t/{tenant}/status")
async def status_page(
    request: Request, tenant: str, intake: IntakeContext, pool: Pool, lang: str | None = None
) -> HTMLResponse:
    grievance_id = _session(request, intake, tenant)
    if grievance_id is not None:
        # Just filed: give the projection a moment to catch up with the log.
        await wait_for_version(pool, _PROJECTION, grievance_stream(grievance_id), 1)
    async with pool.acquire() as conn:
        name = await tenant_name(conn, tenant)
        if grievance_id is None:
            return _login(request, intake, tenant, name, language(request, lang))
        return await _status(request, intake, conn, tenant, name, grievance_id, lang)


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
) -> Response:
    csrf.check(request, intake.csrf_key, csrf_token)
    lang = language(request, lang)
    guarded = (tenant, normalise_reference(reference))
    client = intake.receipt_guard.client(client_address(request, intake.client_header))
    async with pool.acquire() as conn:
        name = await tenant_name(conn, tenant)
        found = await conn.fetchrow(
            "SELECT grievance_id, receipt_hash FROM intake.receipts "
            "WHERE tenant = $1 AND reference = $2",
            *guarded,
        )
    wait = intake.receipt_guard.wait(client, guarded)
    if wait > 0:
        return _too_many(request, intake, tenant, name, lang, wait)
    stored = found["receipt_hash"] if found else None
    if not await asyncio.to_thread(verify_secret, stored, secret) or not found:
        intake.receipt_guard.failed(client, guarded)
        return _login(request, intake, tenant, name, lang, WRONG_RECEIPT, 401)
    intake.receipt_guard.succeeded(guarded)
    token = jwt.encode(
        {"g": found["grievance_id"], "t": tenant,
         "exp": datetime.now(UTC) + timedelta(minutes=SESSION_MINUTES)},
        intake.session_key,
        algorithm="HS256",
    )  # fmt: skip
    # The status page speaks the grievance's own language unless the worker picks another.
    response = RedirectResponse(f"/t/{tenant}/status", status_code=303)
    response.set_cookie(
        SESSION, token, max_age=SESSION_MINUTES * 60, httponly=True, samesite="strict",
        secure=request.url.scheme == "https", path=f"/t/{tenant}/",
    )  # fmt: skip
    return response


def _too_many(
    request: Request, intake: Intake, tenant: str, name: str, lang: str, wait: float
) -> HTMLResponse:
    seconds = math.ceil(wait)
    _ = intake.pages.gettext(lang)
    told = _(WAIT_BEFORE_TRYING) % {
        "wait": format_timedelta(timedelta(seconds=seconds), threshold=2, locale=lang)
    }
    return _login(request, intake, tenant, name, lang, told, 429,
                  headers={"Retry-After": str(seconds)})  # fmt: skip


@router.post("/t/{tenant}/status")
async def act(
    request: Request,
    tenant: str,
    intake: IntakeContext,
    pool: Pool,
    store: Store,
    do: str = Form(pattern="^(reply|withdraw|erase|satisfaction)$"),
    message: str | None = Form(None, max_length=5000),
    score: int | None = Form(None, ge=1, le=5),
    csrf_token: str = Form(alias="csrf", max_length=100),
    lang: str | None = None,
) -> Response:
    csrf.check(request, intake.csrf_key, csrf_token)
    grievance_id = _session(request, intake, tenant)
    if grievance_id is None:
        raise Problem(401, "no-session", "open your report with your receipt first")
    stream = grievance_stream(grievance_id)
    state, version = await load(store, stream)
    async with pool.acquire() as conn, conn.transaction():
        try:
            if do == "reply":
                if not message or not message.strip():
                    raise Problem(422, "validation", "the message is empty")
                key = await intake.keyring.get(conn, state.key_id or "")
                events = decide(PostWorkerMessage(grievance_id, key.seal(message.encode())), state)
            elif do == "withdraw":
                events = decide(RequestWithdrawal(grievance_id), state)
            elif do == "satisfaction":
                if score is None:
                    raise Problem(422, "validation", "choose a score from 1 to 5")
                events = decide(GiveSatisfaction(grievance_id, score), state)
            else:
                events = decide(ErasePersonalData(grievance_id), state)
                await intake.keyring.erase(conn, state.key_id or "")
                await conn.execute(
                    "DELETE FROM intake.attachments WHERE grievance_id = $1", grievance_id
                )
        except GrievanceRefused as exc:
            raise Problem(409, exc.kind, exc.detail) from None
        done = await store.append(stream, events, version, worker_metadata(tenant), conn=conn)
    await wait_for_version(pool, _PROJECTION, stream, done.version)
    notice = {"reply": "sent", "withdraw": "withdrawn", "erase": "erased",
              "satisfaction": "thanks"}[do]  # fmt: skip
    return RedirectResponse(
        f"/t/{tenant}/status?lang={language(request, lang)}&done={notice}", status_code=303
    )


def _login(
    request: Request, intake: Intake, tenant: str, name: str, lang: str,
    error: str | None = None, status: int = 200, headers: dict[str, str] | None = None,
) -> HTMLResponse:  # fmt: skip
    _ = intake.pages.gettext(lang)
    return page(
        request, intake, "status_login.html", lang, name, status=status, headers=headers,
        error=_(error) if error else None, action=f"/t/{tenant}/status/open",
        report_url=f"/t/{tenant}/report?lang={lang}",
    )  # fmt: skip


async def _status(
    request: Request, intake: Intake, conn: Conn, tenant: str, name: str, grievance_id: str,
    lang: str | None,
) -> HTMLResponse:  # fmt: skip
    g = await conn.fetchrow(
        "SELECT * FROM intake.grievances WHERE grievance_id = $1 AND tenant = $2",
        grievance_id,
        tenant,
    )
    if g is None:
        return _login(request, intake, tenant, name, language(request, lang), SESSION_ENDED)
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
    status_key = g["status"] if g["status"] in ("withdrawn", "erased") else g["stage"]
    notice = request.query_params.get("done")
    notices = {"sent": REPLY_SENT, "withdrawn": WITHDRAWN, "erased": ERASED, "thanks": THANKS}
    context: dict[str, Any] = {
        "g": g,
        "status_label": _(STATUS.get(status_key, STATUS["received"])),
        "due": format_date(g["stage_due"], "long", locale=lang) if g["stage_due"] else None,
        "thread": thread,
        "outcome_label": _(outcome) if (outcome := OUTCOMES.get(g["outcome"])) else None,
        "scale": [(n, _(SCALE[n])) for n in range(5, 0, -1)],
        "notice": _(notices[notice]) if notice in notices else None,
        "action": f"/t/{tenant}/status?lang={lang}",
    }
    return page(request, intake, "status.html", lang, name, **context)


@router.get("/t/{tenant}/verify")
async def verify_form(
    request: Request, tenant: str, intake: IntakeContext, pool: Pool, lang: str | None = None
) -> HTMLResponse:
    async with pool.acquire() as conn:
        name = await tenant_name(conn, tenant)
    return page(request, intake, "verify.html", language(request, lang), name, result=None,
                action=f"/t/{tenant}/verify")  # fmt: skip


@router.post("/t/{tenant}/verify")
async def verify_proof(
    request: Request,
    tenant: str,
    intake: IntakeContext,
    pool: Pool,
    proof: str = Form(max_length=2000),
    csrf_token: str = Form(alias="csrf", max_length=100),
    lang: str | None = None,
) -> HTMLResponse:
    csrf.check(request, intake.csrf_key, csrf_token)
    checked = Proof.verify(proof, intake.proof_key)
    async with pool.acquire() as conn:
        name = await tenant_name(conn, tenant)
        recorded = checked and await conn.fetchval(
            "SELECT filed_digest FROM intake.receipts WHERE tenant = $1 AND reference = $2",
            tenant,
            checked.reference,
        )
    valid = bool(checked and recorded == checked.digest)
    return page(request, intake, "verify.html", language(request, lang), name, result=valid,
                action=f"/t/{tenant}/verify")  # fmt: skip
