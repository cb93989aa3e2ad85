"""Checking a proof of filing: `/t/{tenant}/verify` says which report it proves, and when."""

from __future__ import annotations

from datetime import UTC

from babel.dates import format_datetime
from fastapi import APIRouter, Form, Request
from starlette.responses import HTMLResponse

from redress.intake.context import IntakeContext
from redress.intake.filing import masthead
from redress.intake.receipts import Proof
from redress.intake.texts import PROOF_INVALID, PROOF_VALID
from redress.intake.web_common import WorkerRoute, language, page
from redress.kit import csrf
from redress.kit.deps import Pool

router = APIRouter(include_in_schema=False, route_class=WorkerRoute)


@router.get("/t/{tenant}/verify")
async def verify_form(
    request: Request, tenant: str, intake: IntakeContext, pool: Pool, lang: str | None = None
) -> HTMLResponse:
    async with pool.acquire() as conn:
        name = await masthead(conn, tenant)
    lang = language(request, lang)
    return page(request, intake, "verify.html", lang, name, result=None,
                action=f"/t/{tenant}/verify?lang={lang}")  # fmt: skip


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
        name = await masthead(conn, tenant)
        recorded = checked and await conn.fetchval(
            "SELECT filed_digest FROM intake.receipts WHERE tenant = $1 AND reference = $2",
            tenant,
            checked.reference,
        )
    lang = language(request, lang)
    _ = intake.pages.gettext(lang)
    if checked is not None and recorded == checked.digest:
        # The time the proof itself carries, as signed: in UTC, said so, in the worker's words.
        when = format_datetime(checked.time, "long", tzinfo=UTC, locale=lang)
        result = _(PROOF_VALID) % {"reference": checked.reference, "time": when}
        valid = True
    else:
        result, valid = _(PROOF_INVALID), False
    return page(request, intake, "verify.html", lang, name, result=result, valid=valid,
                proof=proof, action=f"/t/{tenant}/verify?lang={lang}")  # fmt: skip
