"""Operators on the phone with a worker: the grievance by its receipt, and a lost receipt.

The worker reads their reference and secret out; the operator reads back where the report
is, its messages and its outcome in the worker's language, and records a reply, a
satisfaction score or a withdrawal as the worker says. Wrong receipts are throttled per
operator (`OperatorGuard`), never per reference. A lost receipt is re-issued only by text to
the number the worker gave with their report and allowed contact on: the operator learns
nothing, not even whether the number matched.
"""

from __future__ import annotations

import asyncio
import json
import math
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Request
from pydantic import AfterValidator, BaseModel, ConfigDict, Field

from redress.events.catalogue.grievance import GrievanceSubmitted
from redress.events.catalogue.texts import ReceiptReissued, TextKind
from redress.events.store import Conn, read_stream_on
from redress.intake import on_the_line
from redress.intake.by_receipt import Assisting, ByReceipt, Recorded, Recording, opened
from redress.intake.commands import Language
from redress.intake.context import Intake, IntakeContext
from redress.intake.domain import Status, fold
from redress.intake.filing import grievance_stream, tenant_name
from redress.intake.lookup_keys import number_keys
from redress.intake.on_the_line import Reading, Score, WorkerMessage, reading
from redress.intake.phones import (
    LEAST_DIGITS,
    MOST_DIGITS,
    PHONE_PATTERN,
    contact_number,
    phone_number,
)
from redress.intake.receipts import new_receipt
from redress.kit import idempotency
from redress.kit.auth import Principal
from redress.kit.authz import Action
from redress.kit.deps import Pool, Store, metadata_for, permitted
from redress.kit.errors import Problem
from redress.kit.idempotency import IdempotencyKey
from redress.kit.openapi import answers
from redress.kit.throttle import retry_after

router = APIRouter(prefix="/v1", tags=["operators"])
Reissuing = Annotated[Principal, Depends(permitted(Action.receipt_reissue))]


class Read(ByReceipt):
    said_in: Language | None = Field(
        None, description="the language to say it in, if not the worker's own (`language`)"
    )


class Reply(WorkerMessage, ByReceipt):
    pass


class Satisfaction(Score, ByReceipt):
    pass


def _a_number(phone: str) -> str:
    if phone_number(phone) is None:
        raise ValueError(f"a phone number has {LEAST_DIGITS} to {MOST_DIGITS} digits")
    return phone


class Reissue(BaseModel):
    model_config = ConfigDict(extra="forbid")

    phone: Annotated[str, AfterValidator(_a_number)] = Field(
        max_length=40, pattern=PHONE_PATTERN,
        description="the number the worker gave: 7 to 15 digits, with a leading + if any, as "
                    "written down (spaces, dots, hyphens and brackets are ignored)",
    )  # fmt: skip


class Reissued(BaseModel):
    detail: str


ANSWERS = answers(404, 429)


@router.post("/by-receipt/read", response_model=Reading, responses=ANSWERS)
async def read(body: Read, principal: Assisting, pool: Pool, intake: IntakeContext) -> Any:
    """Where the worker's report is, its messages and its outcome, in the worker's language
    (or in `said_in`, for an operator who does not speak it: the worker's messages stay as
    they wrote them)."""
    async with pool.acquire() as conn:
        await tenant_name(conn, principal.tenant)
        gid = await opened(conn, intake, principal, body)
        return await reading(conn, intake, principal.tenant, gid, body.said_in)


@router.post("/by-receipt/reply", status_code=201, response_model=Recorded,
             responses=answers(404, 409, 429))  # fmt: skip
async def reply(body: Reply, record: Recording) -> Any:
    """The worker's message, as they said it on the phone, joins their report's thread."""
    return await record(body, on_the_line.message(record.intake, body.text))


@router.post("/by-receipt/satisfaction", status_code=201, response_model=Recorded,
             responses=answers(404, 409, 429))  # fmt: skip
async def satisfaction(body: Satisfaction, record: Recording) -> Any:
    """How satisfied the worker says they are with the outcome, from 1 to 5."""
    return await record(body, on_the_line.satisfaction(body.score))


@router.post("/by-receipt/withdrawal", status_code=201, response_model=Recorded,
             responses=answers(404, 409, 429))  # fmt: skip
async def withdrawal(body: ByReceipt, record: Recording) -> Any:
    """The worker withdraws their report: the case ends and nobody contacts them about it."""
    return await record(body, on_the_line.withdrawal())


@router.post("/by-receipt/erasure", status_code=201, response_model=Recorded,
             responses=answers(404, 409, 429))  # fmt: skip
async def erasure(body: ByReceipt, record: Recording) -> Any:
    """The worker asks, with their receipt, for their personal data to be erased, as on their
    status page: what they wrote, their contact and files can no longer be read by anyone, and
    nothing knows their number (a worker with a basic phone has no status page)."""
    return await record(body, on_the_line.erasure(record.intake))


REISSUED = (
    "If a report allowing contact was filed with this number, a new secret number for it "
    "was sent to that number by text."
)
MOST_RECENT = 5


@router.post("/receipts/reissue", status_code=202, response_model=Reissued,
             responses=answers(429))  # fmt: skip
async def reissue(request: Request, body: Reissue, principal: Reissuing, pool: Pool,
                  store: Store, intake: IntakeContext,
                  idempotency_key: IdempotencyKey = None) -> Any:  # fmt: skip
    """A worker lost their receipt: a new secret goes by text to the number they gave with
    their report, if they allowed contact, and to nobody else. The answer is the same
    whether or not the number matched. A retry with the same key gets the first answer and
    sends nothing more."""
    async with pool.acquire() as conn, conn.transaction():
        await tenant_name(conn, principal.tenant)
        first = await idempotency.claim(conn, "intake", principal, idempotency_key, request, body)
        if isinstance(first, idempotency.Replay):
            return first.response()
        await reissue_by_text(conn, pool, store, intake, principal, body)
        answer = Reissued(detail=REISSUED)
        if first is not None:
            await first.remember(conn, answer, 202)
    return answer


async def reissue_by_text(
    conn: Conn, pool: Pool, store: Store, intake: Intake, principal: Principal, body: Reissue
) -> None:
    """A new secret, by text, for each of the last reports filed with this number that allow
    contact, and nothing for any other (the API's and the desk's). 429 if one was asked for
    this number just now: a worker's phone is not to be flooded, whoever asks."""
    phone = phone_number(body.phone)
    assert phone is not None  # the pattern holds
    keys = await number_keys(conn, intake, principal.tenant, phone)
    wait = intake.reissues.check(f"{principal.tenant}|{keys.hash}")
    if wait is not None:
        raise Problem(429, "too-many-reissues", "a receipt was sent to this number just now",
                      headers=retry_after(math.ceil(wait)))  # fmt: skip
    ids = [r["grievance_id"] for r in await conn.fetch(
        "SELECT grievance_id FROM intake.contact_keys WHERE tenant = $1 "
        "AND contact_key = ANY($2::text[]) GROUP BY grievance_id "
        "ORDER BY min(filed_at) DESC, grievance_id DESC LIMIT $3",
        principal.tenant, keys.candidates, MOST_RECENT,
    )]  # fmt: skip
    for gid in ids:
        await _reissue_one(pool, store, intake, principal, gid, phone)


async def _reissue_one(
    pool: Pool, store: Store, intake: Intake, principal: Principal, gid: str, phone: str
) -> None:
    receipt = await asyncio.to_thread(new_receipt)
    stream = grievance_stream(gid)
    async with pool.acquire() as conn, conn.transaction():
        history = await read_stream_on(conn, stream)
        state = fold([e.data for e in history])
        submitted = next(e.data for e in history if isinstance(e.data, GrievanceSubmitted))
        given = await contact_number(conn, intake, submitted.personal)
        # The number must be the one this report gave, and the worker must allow contact.
        if not state.contact_me or state.status is Status.erased or given != phone:
            return
        event = ReceiptReissued(grievance_id=gid, receipt_hash=receipt.hash)
        done = await store.append(stream, [event], len(history), metadata_for(principal),
                                  conn=conn)  # fmt: skip
        await conn.execute(
            "UPDATE intake.receipts SET receipt_hash = $2 WHERE grievance_id = $1",
            gid, receipt.hash,
        )  # fmt: skip
        sealed = (await intake.keyring.get(conn, state.key_id or "")).seal(receipt.secret.encode())
        params = {"sealed_secret": sealed.model_dump(), "reference": submitted.receipt_reference}
        await conn.execute(
            """INSERT INTO intake.texts (text_id, tenant, grievance_id, kind, params)
               VALUES ($1, $2, $3, $4, $5::jsonb)""",
            f"{gid}:{done.version}:{TextKind.receipt.value}", principal.tenant, gid,
            TextKind.receipt.value, json.dumps(params),
        )  # fmt: skip
