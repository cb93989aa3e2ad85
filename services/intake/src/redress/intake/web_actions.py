"""What the worker does on the status page: reply, withdraw, rate the outcome, allow or stop
contact, erase.

Erasing asks first, on a page of its own that says what it means (no JavaScript needed).
A reply sent after the session or the page expired is kept for the worker to send again.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Form, Query, Request
from starlette.responses import HTMLResponse, RedirectResponse, Response

from redress.events.catalogue.grievance import ErasureReason, GrievanceSubmitted
from redress.events.envelope import Event, EventData
from redress.intake import reply_drafts, single_use
from redress.intake.context import Intake, IntakeContext
from redress.intake.domain import (
    GRIEVANCE,
    ChangeContactConsent,
    GiveSatisfaction,
    PostWorkerMessage,
    RequestReview,
    RequestWithdrawal,
)
from redress.intake.domain import decide as decide_grievance
from redress.intake.erasure import erase
from redress.intake.filing import grievance_stream, masthead
from redress.intake.referral_requests import still_helping
from redress.intake.retaliation import Reporting, grievance_contact, reported_in_message
from redress.intake.texts import EMPTY_REPLY, NO_REVIEW, SATISFACTION_QUESTION, SESSION_ENDED
from redress.intake.web_common import (
    TICKED_LIMIT,
    TYPED_PARSED,
    Unsent,
    WorkerRoute,
    csrf_valid,
    for_another,
    form_origin,
    language,
    login,
    page,
    record_worker_action,
    session,
    typed,
    worker_metadata,
)
from redress.intake.web_opening import expired
from redress.intake.web_status import PROJECTION, reviewable, status
from redress.kit.deps import Pool, Store
from redress.kit.errors import Problem

router = APIRouter(include_in_schema=False, route_class=WorkerRoute)


@router.post("/t/{tenant}/status")
async def act(
    request: Request,
    tenant: str,
    intake: IntakeContext,
    pool: Pool,
    store: Store,
    do: str = Form(
        pattern="^(reply|withdraw|erase|satisfaction|contact(-yes|-no)?|review|switch)$"
    ),
    message: str | None = Form(None, max_length=TYPED_PARSED),  # checked below, on the page
    score: int | None = Form(None, ge=1, le=5),
    confirm: str | None = Form(None, max_length=10),
    contact: str | None = Form(None, pattern="^(yes|no)$"),
    csrf_token: str = Form(alias="csrf", max_length=100),
    retaliation: str | None = Form(None, pattern="^yes$"),
    origin: str | None = Form(None, max_length=1000),  # the grievance a reply was written for
    form_id: str | None = Form(None, max_length=200),  # the reply's form, used once
    # A comment on the plan being written: its box belongs to this form, so that a change of
    # language keeps it; only the plan's own address sends it.
    comment: str | None = Form(None, max_length=TYPED_PARSED),
    # A referral's boxes, which belong to this form too: ticked again on a page shown again.
    field: Annotated[list[str] | None, Form(max_length=TICKED_LIMIT)] = None,
    lang: str | None = None,
) -> Response:
    if do.startswith("contact-"):  # a button of the reply's form, which keeps the reply
        do, contact = "contact", do.removeprefix("contact-")
    message, refused = typed(message)  # kept without control characters, whatever happens
    unsent = Unsent.kept(message, bool(retaliation), typed(comment)[0], origin, field or ())
    grievance_id = session(request, intake, tenant)
    if (grievance_id is None or not csrf_valid(request, intake, csrf_token)
            or for_another(intake, origin, grievance_id)):  # fmt: skip
        return await expired(request, intake, pool, tenant, lang, grievance_id, unsent)
    if do == "switch":  # the page in another language, with the reply being written in it
        async with pool.acquire() as conn:
            name = await masthead(conn, tenant)
            return await status(request, intake, conn, tenant, name, grievance_id, lang,
                                unsent=unsent)  # fmt: skip
    if do == "reply" and (refused or not (message and message.strip())):
        async with pool.acquire() as conn:
            name = await masthead(conn, tenant)
            return await status(request, intake, conn, tenant, name, grievance_id, lang,
                                error=refused or EMPTY_REPLY, status_code=422,
                                unsent=unsent)  # fmt: skip
    if do == "review" and not await _reviewable(pool, tenant, grievance_id):
        async with pool.acquire() as conn:
            name = await masthead(conn, tenant)
            return await status(request, intake, conn, tenant, name, grievance_id, lang,
                                error=NO_REVIEW, status_code=409, unsent=unsent)  # fmt: skip
    if do in ("erase", "withdraw") and confirm != "yes":  # neither can be undone: ask first
        asked = origin or form_origin(intake, grievance_id)
        return await _confirm(request, intake, pool, tenant, language(request, lang), do, asked,
                              grievance_id)  # fmt: skip
    if do == "satisfaction" and score is None:  # asked again, with what is written kept
        async with pool.acquire() as conn:
            name = await masthead(conn, tenant)
            return await status(request, intake, conn, tenant, name, grievance_id, lang,
                                error=SATISFACTION_QUESTION, status_code=422,
                                unsent=unsent)  # fmt: skip
    if do == "contact" and contact is None:
        raise Problem(422, "validation", "say yes or no to being contacted")
    stream = grievance_stream(grievance_id)
    metadata = worker_metadata(tenant)
    # A reply may say the worker is punished for speaking up: a report of its own, in the
    # reply's transaction, that opens a case at once (docs/follow-up.md).
    within = Reporting(store=store, metadata=metadata)
    sent_once = single_use.check(intake.form_key, form_id)  # a page before this has none

    async def decide(history: list[Event]) -> list[EventData]:
        state, conn = GRIEVANCE.fold(stream, history), within.conn
        assert conn is not None  # lent by `execute`, in the write's transaction
        if do == "reply":
            # Sent twice (a double tap on a slow phone, a form sent again), it is posted once:
            # the second finds its form used and records nothing, and says it was sent.
            if sent_once is not None and not await single_use.consume(conn, tenant, sent_once):
                return []
            key = await intake.keyring.get(conn, state.key_id or "")
            sealed_text = key.seal((message or "").encode())  # not empty: checked above
            posted = decide_grievance(PostWorkerMessage(grievance_id, sealed_text), state)
            if retaliation:
                submitted = history[0].data
                assert isinstance(submitted, GrievanceSubmitted)
                phone = await grievance_contact(conn, intake.keyring, submitted, state.contact_me)
                within.report = reported_in_message(history, grievance_id, phone)
            return posted
        if do == "withdraw":
            return decide_grievance(RequestWithdrawal(grievance_id), state)
        if do == "satisfaction":
            return decide_grievance(GiveSatisfaction(grievance_id, score or 0), state)
        if do == "review":
            return decide_grievance(RequestReview(grievance_id), state)
        if do == "contact":
            allowed = ChangeContactConsent(grievance_id, contact_me=contact == "yes")
            return decide_grievance(allowed, state)
        return await erase(conn, intake.keyring, grievance_id, state, ErasureReason.worker_request)

    # A review asked for is said where the page says a review's state, not twice.
    notice = {"reply": "retaliation" if retaliation else "sent", "withdraw": "withdrawn",
              "erase": "erased", "satisfaction": "thanks", "review": None,
              "contact": "contact_on" if contact == "yes" else "contact_off"}[do]  # fmt: skip
    done = await record_worker_action(
        store, pool, PROJECTION, tenant, grievance_id, decide, notice=notice,
        lang=language(request, lang), transaction=within, place="review" if do == "review" else "",
    )  # fmt: skip
    # What was typed beside and not sent (the plan's comment; the reply, when contact was
    # changed; a referral's boxes) waits in its box on the page that follows.
    beside = Unsent(None if do == "reply" else unsent.reply, unsent.retaliation and do != "reply",
                    unsent.plan, origin, unsent.ticked)  # fmt: skip
    return await reply_drafts.carry_rest(pool, intake, request, done, tenant, grievance_id,
                                         beside)  # fmt: skip


async def _reviewable(pool: Pool, tenant: str, grievance_id: str) -> bool:
    row = await pool.fetchrow(
        "SELECT * FROM intake.grievances WHERE grievance_id = $1 AND tenant = $2",
        grievance_id, tenant,
    )  # fmt: skip
    return row is not None and reviewable(row)


@router.get("/t/{tenant}/status/confirm")
async def confirm_page(
    request: Request,
    tenant: str,
    intake: IntakeContext,
    pool: Pool,
    do: str = Query(pattern="^(erase|withdraw)$"),
    origin: str | None = Query(None, max_length=1000),  # the report the question is about
    lang: str | None = None,
) -> Response:
    """The question asked before erasing or withdrawing, in another language (its language
    links lead here); without an open report, the page that opens one; with another report
    opened since (another tab), the page asking for the receipt, showing nothing of it."""
    grievance_id = session(request, intake, tenant)
    if grievance_id is None:
        return RedirectResponse(f"/t/{tenant}/status?lang={language(request, lang)}", 303)
    if for_another(intake, origin, grievance_id):
        async with pool.acquire() as conn:
            name = await masthead(conn, tenant)
        lang = language(request, lang)
        return login(request, intake, tenant, name, lang, lang, SESSION_ENDED, 403)
    return await _confirm(request, intake, pool, tenant, language(request, lang), do,
                          origin or form_origin(intake, grievance_id), grievance_id)  # fmt: skip


async def _confirm(
    request: Request, intake: Intake, pool: Pool, tenant: str, lang: str, do: str, origin: str,
    grievance_id: str,
) -> HTMLResponse:  # fmt: skip
    """Asked about the report `origin` names: the answer acts on it, or on nothing."""
    async with pool.acquire() as conn:
        name = await masthead(conn, tenant)
        helping = await still_helping(conn, tenant, grievance_id)
    return page(request, intake, "confirm.html", lang, name, do=do, origin=origin,
                helping=helping,
                action=f"/t/{tenant}/status?lang={lang}",
                back=f"/t/{tenant}/status?lang={lang}",
                switch=f"/t/{tenant}/status/confirm?do={do}&origin={origin}")  # fmt: skip
