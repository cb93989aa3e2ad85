"""Answers by text to a text we sent: a score of 1 to 5 for the satisfaction question, and
the provider's delivery receipts (`/v1/sms/{tenant}/status`)."""

from __future__ import annotations

import unicodedata
from typing import Annotated

from fastapi import APIRouter, Header, Path, Request
from fastapi.responses import Response

from redress.events.catalogue.texts import DeliveryStatus, TextDeliveryReported
from redress.events.envelope import Metadata
from redress.events.store import Conn, EventStore, read_stream_on
from redress.intake.context import Intake, IntakeContext
from redress.intake.domain import GiveSatisfaction, GrievanceRefused, decide, fold
from redress.intake.filing import grievance_stream, tenant_name
from redress.intake.gateway import SMS_GATEWAY, signed_form
from redress.intake.lookup_keys import number_keys
from redress.intake.sms_texts import SMS_THANKS
from redress.kit.deps import Pool, Store

router = APIRouter(prefix="/v1/sms", tags=["sms"])
SCORES = range(1, 6)
TENANT_PATTERN = r"^[a-z0-9][a-z0-9-]{0,62}$"  # as tokens name tenants
FINAL = {s.value: s for s in DeliveryStatus}


async def score(
    conn: Conn, store: EventStore, intake: Intake, metadata: Metadata, phone: str, text: str
) -> str | None:
    """A lone digit from 1 to 5 from a number we asked the satisfaction question records the
    score on that grievance; None when the text is not such an answer (it is then threaded as
    any other text)."""
    said = text.strip().rstrip(".")
    # In any script's digits, as the question is put in them (৫ in Bengali) and as the status
    # page takes a score.
    value = unicodedata.decimal(said, None) if len(said) == 1 else None
    if value is None or value not in SCORES:
        return None
    tenant = metadata.tenant
    keys = await number_keys(conn, intake, tenant, phone)
    asked = await conn.fetch(
        "DELETE FROM intake.sms_questions WHERE tenant = $1 AND thread_key = ANY($2::text[]) "
        "RETURNING grievance_id, asked_at",
        tenant, keys.candidates,
    )  # fmt: skip
    if not asked:
        return None
    gid = max(asked, key=lambda r: r["asked_at"])["grievance_id"]  # the question asked last
    stream = grievance_stream(gid)
    history = await read_stream_on(conn, stream)
    try:
        events = decide(GiveSatisfaction(gid, value), fold([e.data for e in history]))
    except GrievanceRefused:
        return None
    await store.append(stream, events, len(history), metadata, conn=conn)
    language = await conn.fetchval(
        "SELECT language FROM intake.followers WHERE grievance_id = $1", gid
    )
    return str(intake.pages.gettext(language or "en")(SMS_THANKS))


@router.post("/{tenant}/status", status_code=204, response_class=Response, responses={
    204: {"description": "recorded, or nothing to record"},
    403: {"description": "bad signature"},
})  # fmt: skip
async def delivery_receipt(
    request: Request,
    tenant: Annotated[str, Path(pattern=TENANT_PATTERN)],
    pool: Pool,
    store: Store,
    intake: IntakeContext,
    x_twilio_signature: Annotated[str | None, Header(max_length=200)] = None,
) -> Response:
    """The provider's word on a text it took: delivered to the phone, or not. Recorded once
    per text and status on the grievance; passing states (queued, sent) are not recorded."""
    params = await signed_form(request, intake, x_twilio_signature)
    status = FINAL.get(params.get("MessageStatus", ""))
    sid = params.get("MessageSid", "")[:100]
    if status is None or not sid:
        return Response(status_code=204)
    metadata = Metadata(tenant=tenant, actor=SMS_GATEWAY)
    async with pool.acquire() as conn, conn.transaction():
        await tenant_name(conn, tenant)
        row = await conn.fetchrow(
            "SELECT text_id, grievance_id FROM intake.texts "
            "WHERE tenant = $1 AND provider_id = $2",
            tenant, sid,
        )  # fmt: skip
        if row is None:
            return Response(status_code=204)
        stream = grievance_stream(row["grievance_id"])
        history = await read_stream_on(conn, stream)
        if any(isinstance(e.data, TextDeliveryReported) and e.data.text_id == row["text_id"]
               and e.data.status is status for e in history):  # fmt: skip
            return Response(status_code=204)  # the provider said it before
        code = (params.get("ErrorCode") or "")[:20] or None
        reported = TextDeliveryReported(grievance_id=row["grievance_id"], text_id=row["text_id"],
                                        status=status, error_code=code)  # fmt: skip
        await store.append(stream, [reported], len(history), metadata, conn=conn)
    return Response(status_code=204)
