"""Following a grievance with its receipt: `/t/{tenant}/status`, and checking proofs."""

from __future__ import annotations

import asyncio
import json
from datetime import UTC, datetime, timedelta
from typing import Annotated, Any

import jwt
from babel.dates import format_date, format_datetime
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
from redress.intake.projections import Grievances
from redress.intake.receipts import Proof, normalise_reference, verify_secret
from redress.intake.texts import (
    ERASED,
    LOCKED,
    OUTCOMES,
    REPLY_SENT,
    SCALE,
    SESSION_ENDED,
    STATUS,
    THANKS,
    WITHDRAWN,
    WRONG_RECEIPT,
)
from redress.intake.web_common import language, load, page, worker_metadata
from redress.kit import csrf
from redress.kit.deps import Pool, Store
from redress.kit.errors import Problem
from redress.kit.text import Prose

router = APIRouter(include_in_schema=False)

SESSION = "receipt_session"
SESSION_MINUTES = 30
MAX_FAILURES = 5
LOCK = timedelta(minutes=30)
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
    ref = normalise_reference(reference)
    async with pool.acquire() as conn, conn.transaction():
        name = await tenant_name(conn, tenant)
        guard = await conn.fetchrow(
            """INSERT INTO intake.receipt_guards (tenant, reference) VALUES ($1, $2)
               ON CONFLICT (tenant, reference) DO UPDATE SET tenant = excluded.tenant
               RETURNING failures, locked_until""",
            tenant,
            ref,
        )
        now = datetime.now(UTC)
        assert guard is not None
        if guard["locked_until"] and guard["locked_until"] > now:
            return _login(request, intake, tenant, name, lang, LOCKED, 429)
        found = await conn.fetchrow(
            "SELECT grievance_id, receipt_hash FROM intake.receipts "
            "WHERE tenant = $1 AND reference = $2",
            tenant,
            ref,
        )
        stored = found["receipt_hash"] if found else None
        if not await asyncio.to_thread(verify_secret, stored, secret) or not found:
            failures = guard["failures"] + 1
            locked = now + LOCK if failures >= MAX_FAILURES else None
            await conn.execute(
                """UPDATE intake.receipt_guards SET failures = $3, locked_until = $4
                   WHERE tenant = $1 AND reference = $2""",
                tenant,
                ref,
                0 if locked else failures,
                locked,
            )
            message, status = (LOCKED, 429) if locked else (WRONG_RECEIPT, 401)
            return _login(request, intake, tenant, name, lang, message, status)
        await conn.execute(
            "UPDATE intake.receipt_guards SET failures = 0 WHERE tenant = $1 AND reference = $2",
            tenant,
            ref,
        )
    token = jwt.encode(
        {"g": found["grievance_id"], "t": tenant, "exp": now + timedelta(minutes=SESSION_MINUTES)},
        intake.session_key,
        algorithm="HS256",
    )
    # The status page speaks the grievance's own language unless the worker picks another.
    response = RedirectResponse(f"/t/{tenant}/status", status_code=303)
    response.set_cookie(
        SESSION, token, max_age=SESSION_MINUTES * 60, httponly=True, samesite="strict",
        secure=request.url.scheme == "https", path=f"/t/{tenant}/",
    )  # fmt: skip
    return response


@router.post("/t/{tenant}/status")
async def act(
    request: Request,
    tenant: str,
    intake: IntakeContext,
    pool: Pool,
    store: Store,
    do: str = Form(pattern="^(reply|withdraw|erase|satisfaction)$"),
    message: Annotated[Prose | None, Form(max_length=5000)] = None,
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
    error: str | None = None, status: int = 200,
) -> HTMLResponse:  # fmt: skip
    _ = intake.pages.gettext(lang)
    return page(
        request, intake, "status_login.html", lang, name, status=status,
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
