"""Inbound SMS (a Twilio-style form POST): each phone number's texts thread into one grievance."""

from __future__ import annotations

import json
import time
from typing import Annotated
from xml.sax.saxutils import escape

from fastapi import APIRouter, Header, Request
from fastapi.responses import Response
from pydantic import BaseModel

from redress.events.application import retried
from redress.events.catalogue.grievance import Category, Channel, Consent
from redress.events.envelope import Metadata
from redress.events.ids import new_id
from redress.events.store import Conn, EventStore
from redress.intake import replies, sms_texts
from redress.intake.commands import ContactDetails, GrievanceInput
from redress.intake.context import Intake, IntakeContext
from redress.intake.domain import (
    PostWorkerMessage,
    Status,
    decide,
)
from redress.intake.filing import file_grievance, grievance_stream, tenant_name
from redress.intake.gateway import SMS_GATEWAY, signed_form
from redress.intake.gateway import signature as signature  # the provider's, for its callers
from redress.intake.lookup_keys import number_keys
from redress.intake.phones import reachable
from redress.intake.receipts import only_references, without_secrets
from redress.intake.sms_texts import (
    CALL_US,
    SMS_JOINED,
    SMS_NEW_AFTER_CLOSED,
    SMS_SECRET_DROPPED,
    SMS_SECRET_ONLY,
    SMS_UNREADABLE,
    language_of,
)
from redress.intake.sms_words import START, STATUS_WORDS, STOP, contact, keyword, load, where
from redress.intake.texts import PROBLEMS
from redress.kit.auth import Principal
from redress.kit.deps import Pool, Store
from redress.kit.errors import Problem
from redress.kit.idempotency import Replay, claim
from redress.kit.outage import is_outage
from redress.kit.text import strip_controls, visible
from redress.tenancy.handlers import last_read, read_tenant

router = APIRouter(prefix="/v1/sms", tags=["sms"])


# What the worker reads when their text could not be recorded: the worker pages' own words.
UNAVAILABLE_TEXT = PROBLEMS[503][1]


def twiml(text: str) -> Response:
    body = (
        '<?xml version="1.0" encoding="UTF-8"?>'
        f"<Response><Message>{escape(text)}</Message></Response>"
    )
    return Response(body, media_type="application/xml")


@router.post("/{tenant}/inbound", response_class=Response, responses={
    200: {"content": {"application/xml": {}}, "description": "TwiML reply"},
    403: {"description": "bad signature"}, 422: {"description": "missing From"},
})  # fmt: skip
async def inbound(
    request: Request,
    tenant: str,
    pool: Pool,
    store: Store,
    intake: IntakeContext,
    x_twilio_signature: Annotated[str | None, Header(max_length=200)] = None,
) -> Response:
    """Receive a worker's text; the first from a number files a grievance, later ones join it."""
    params = await signed_form(request, intake, x_twilio_signature)
    # The provider's text, which the worker cannot correct: controls dropped, not refused.
    phone = strip_controls(params.get("From", ""))[:40]
    text = strip_controls(params.get("Body", ""))[:1600]
    if not phone:  # a text from nobody is the provider's fault; one of no words, the worker's
        raise Problem(422, "validation", "From is required")
    metadata = Metadata(tenant=tenant, actor=SMS_GATEWAY)
    # The provider sends a text again when our answer did not reach it in time: its message
    # id is the Idempotency-Key, so that a repeat adds nothing and gets the first answer.
    sid = (params.get("MessageSid") or params.get("SmsSid") or "")[:200] or None
    body = json.dumps(params, sort_keys=True).encode()
    gateway = Principal(sub=SMS_GATEWAY.id, tenant=tenant, roles=frozenset({"operator"}))

    async def answer() -> str:
        async with pool.acquire() as conn, conn.transaction():
            await tenant_name(conn, tenant)
            first = await claim(conn, "intake", gateway, sid, request, body)
            if isinstance(first, Replay):
                return str(first.answer["text"])
            reply = await _receive(conn, store, intake, metadata, phone, text)
            if first is not None:
                await first.remember(conn, Reply(text=reply), 200)
            return reply

    try:
        # Another writer on the grievance (the text sender recording what it sent, a policy)
        # makes this a clash: taken again afresh, since the provider never sends it again.
        reply = await retried(answer)
    except Exception as exc:
        if not is_outage(exc):
            raise
        # A provider does not send a text again after an error: the worker is told, in the
        # language of their script, that nothing was recorded and to send it again later,
        # and the number to call meanwhile, if the initiative gives one.
        request.app.state.outage.met(exc, time.monotonic())
        _ = intake.pages.gettext(language_of(text, ()))
        said = [str(_(UNAVAILABLE_TEXT))]
        if (known := last_read(tenant)) is not None and known.hotline:  # as last read
            said.append(str(_(CALL_US)) % {"hotline": known.hotline})
        return twiml(" ".join(said))
    return twiml(reply)


class Reply(BaseModel):
    """The answer to a text, kept sealed for the provider's repeats (it holds a receipt)."""

    text: str


async def _receive(
    conn: Conn, store: EventStore, intake: Intake, metadata: Metadata, phone: str, text: str
) -> str:
    """The first text from a number files a grievance; later ones join it while it is open."""
    tenant = metadata.tenant
    # The worker's language, as far as the script of what they wrote tells; else the one the
    # initiative gives a worker without a preference (its first).
    initiative = await read_tenant(conn, tenant)
    settings = initiative.settings
    offered = settings.languages if settings else ()
    language = language_of(text, offered, default=offered[0] if offered else "en")
    if not visible(text):  # empty, or a photo alone: nothing to file, but they are answered
        return _said(intake, language, SMS_UNREADABLE)
    if (answered := await replies.score(conn, store, intake, metadata, phone, text)) is not None:
        return answered
    keys = await number_keys(conn, intake, tenant, phone)
    new_id_ = str(new_id())
    if (wish := keyword(text)) in STOP | START:
        return await contact(conn, store, intake, metadata, keys, wish in START, language)
    if wish in STATUS_WORDS:
        return await where(conn, intake, tenant, keys, language, initiative.hotline)
    # A thread under an older lookup key is found as it is; else the thread is claimed
    # under the newest, and a text arriving at the same moment waits for this one.
    thread = await _thread(conn, tenant, keys.candidates)
    # A receipt's secret is never kept, nor a text that was only a receipt filed: staff
    # would read it, and whoever read it could open the report.
    text, secret = without_secrets(text)
    notes = [SMS_SECRET_DROPPED] if secret else []
    if secret and only_references(text):
        if thread is not None:  # in the language of the report they follow
            language = (await load(conn, grievance_stream(thread[0])))[0].language or language
        return _said(intake, language, SMS_SECRET_ONLY)
    if thread is None and await conn.fetchval(
        """INSERT INTO intake.sms_threads (tenant, thread_key, grievance_id, lookup_key)
           VALUES ($1, $2, $3, $4)
           ON CONFLICT (tenant, thread_key) DO NOTHING RETURNING grievance_id""",
        tenant, keys.hash, new_id_, keys.key_id,
    ) is None:  # fmt: skip
        thread = await _thread(conn, tenant, [keys.hash])
    if thread is not None:
        existing, key = thread
        stream = grievance_stream(existing)
        state, version = await load(conn, stream)
        # The language they filed in, unless this text's script says otherwise.
        language = language_of(text, offered, default=state.language or language)
        if state.status is Status.open and not await _closed(conn, existing):
            sealed = (await intake.keyring.get(conn, state.key_id or "")).seal(text.encode())
            events = decide(PostWorkerMessage(existing, sealed, Channel.sms), state)
            await store.append(stream, events, version, metadata, conn=conn)
            return _said(intake, language, SMS_JOINED, *notes)
        if state.status is Status.open:  # closed or not taken up: they are told why it is new
            notes.insert(0, SMS_NEW_AFTER_CLOSED)
        await conn.execute(
            """UPDATE intake.sms_threads SET grievance_id = $3, thread_key = $4, lookup_key = $5,
                   filed_at = clock_timestamp()
               WHERE tenant = $1 AND thread_key = $2""",
            tenant, key, new_id_, keys.hash, keys.key_id,
        )  # fmt: skip
    # Who writes from a phone is answered on it: texts about their report go to that number
    # until they send STOP.
    form_ = GrievanceInput(
        country=None, category=Category.other, narrative=text, language=language,
        # A sender that is no number (a short code, a name) cannot be texted back: the
        # report is filed all the same, without a contact.
        contact=ContactDetails(phone_or_email=phone) if reachable(phone) else None,
        consent=Consent(contact_me=True),
    )  # fmt: skip
    filed = await file_grievance(conn, store, intake, metadata, form_, Channel.sms,
                                 grievance_id=new_id_)  # fmt: skip
    answer = sms_texts.filed(filed.reference, filed.secret or "", intake.pages.gettext(language))
    return " ".join([answer, *(str(intake.pages.gettext(language)(note)) for note in notes)])


def _said(intake: Intake, language: str, *messages: str) -> str:
    return " ".join(str(intake.pages.gettext(language)(m)) for m in messages)


async def _closed(conn: Conn, grievance_id: str) -> bool:
    """Whether the grievance's case was closed or not taken up (and not reopened since), as
    the worker's status page tells it."""
    return bool(await conn.fetchval(
        "SELECT closed_at IS NOT NULL FROM intake.grievances WHERE grievance_id = $1",
        grievance_id,
    ))  # fmt: skip


async def _thread(conn: Conn, tenant: str, hashes: list[str]) -> tuple[str, str] | None:
    """The grievance a number's texts join and the hash its thread is under, locked."""
    row = await conn.fetchrow(
        """SELECT grievance_id, thread_key FROM intake.sms_threads
           WHERE tenant = $1 AND thread_key = ANY($2::text[]) LIMIT 1 FOR UPDATE""",
        tenant, hashes,
    )  # fmt: skip
    return None if row is None else (row["grievance_id"], row["thread_key"])
