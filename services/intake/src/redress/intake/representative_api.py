"""Representatives (unions, NGOs, others) beside workers: `/v1/representative/...`.

A representative's token (role `representative`, its organisation in `org`) files a
grievance for a worker, asks to accompany a worker in one already filed (the worker, told the
representative's name on their status page, alone allows it), and lists the grievances it
stands by with their progress. It never reads what the worker wrote, their contact details
or the thread, and never acts with the worker's receipt: the receipt of a grievance it files
is handed to the worker, and is theirs.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Request
from pydantic import BaseModel, ConfigDict, Field

from redress.events.application import Recorded, execute
from redress.events.catalogue.grievance import Channel
from redress.events.envelope import Event, EventData
from redress.intake.commands import Filed, GrievanceInput
from redress.intake.context import IntakeContext
from redress.intake.filing import file_grievance, grievance_stream, tenant_name
from redress.intake.representation_domain import (
    RecordFiler,
    RepresentationRefused,
    RequestAccompaniment,
    decide,
    fold,
)
from redress.kit import idempotency
from redress.kit.auth import Principal
from redress.kit.authz import Action
from redress.kit.deps import Pool, Store, metadata_for, permitted
from redress.kit.errors import Problem
from redress.kit.idempotency import IdempotencyKey, Once, Retryable
from redress.kit.openapi import answers

router = APIRouter(prefix="/v1/representative", tags=["representatives"])
Representative = Annotated[Principal, Depends(permitted(Action.grievance_represent))]
SCHEMA = "intake"


def _org(principal: Principal) -> str:
    """The representative's organisation: a token that names none stands for no one."""
    if principal.org is None:
        raise Problem(403, "forbidden", "a representative's token names its organisation")
    return principal.org


@router.post("/grievances", status_code=201, response_model=Filed, responses=answers(404, 410))
async def file_for_worker(
    request: Request,
    body: GrievanceInput,
    principal: Representative,
    pool: Pool,
    store: Store,
    intake: IntakeContext,
    idempotency_key: IdempotencyKey = None,
) -> Any:
    """File a grievance for a worker, as their representative; hand the receipt to the worker.

    The grievance is filed as through the web (channel `web`), and the representative is
    recorded beside the worker (`RepresentativeRecorded`, `filed_for`) in the same
    transaction. Send an `Idempotency-Key` to retry safely.
    """
    org, metadata = _org(principal), metadata_for(principal)
    async with pool.acquire() as conn, conn.transaction():
        await tenant_name(conn, principal.tenant)
        first = await idempotency.claim(conn, SCHEMA, principal, idempotency_key, request, body)
        if isinstance(first, idempotency.Replay):
            return first.response()
        filed = await file_grievance(conn, store, intake, metadata, body, Channel.web)
        history = await store.read_stream(filed.stream, conn=conn)
        recorded = decide(RecordFiler(org), fold([e.data for e in history]))
        await store.append(filed.stream, recorded, filed.version, metadata, conn=conn)
        filed = filed.model_copy(update={"version": filed.version + len(recorded)})
        if first:
            await first.remember(conn, filed, 201)
    return filed


class AccompanyInput(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    reference: str = Field(
        min_length=3, max_length=40, pattern=r"^[A-Za-z0-9-]+$",
        description="the reference the worker told you; never the secret",
    )  # fmt: skip


class AccompanyAnswer(BaseModel):
    reference: str
    asked: bool = Field(description="false when asked before, or already beside the worker")


@router.post(
    "/accompaniments", status_code=202, response_model=AccompanyAnswer,
    responses=answers(404, 409),
)  # fmt: skip
async def ask_to_accompany(
    body: AccompanyInput,
    principal: Representative,
    pool: Pool,
    store: Store,
    retry: Retryable = None,
) -> AccompanyAnswer:
    """Ask to accompany a worker in their grievance; the worker answers on their status page.

    404 `unknown-reference` for a reference of no grievance of this tenant; 409 `not-open`
    when the worker withdrew or erased it.
    """
    org = _org(principal)
    async with pool.acquire() as conn:
        grievance_id = await conn.fetchval(
            "SELECT grievance_id FROM intake.receipts WHERE tenant = $1 AND reference = $2",
            principal.tenant, body.reference.upper(),
        )  # fmt: skip
    if grievance_id is None:
        raise RepresentationRefused("unknown-reference", "there is no such grievance")

    def asking(history: list[Event]) -> list[EventData]:
        return decide(RequestAccompaniment(org), fold([e.data for e in history]))

    reference = body.reference.upper()

    def answer(done: Recorded) -> AccompanyAnswer:
        return AccompanyAnswer(reference=reference, asked=bool(done.events))

    once = Once.of(retry, SCHEMA, principal, answer)
    done = await execute(store, grievance_stream(grievance_id), asking, metadata_for(principal),
                         transaction=once)  # fmt: skip
    if done.earlier is not None:
        return AccompanyAnswer.model_validate(done.earlier)
    return answer(done)


class Represented(BaseModel):
    reference: str
    capacity: str = Field(description="filed_for or accompanies")
    stage: str = Field(description="the case's stage; `received` before a case is opened")
    stage_due: date | None
    status: str = Field(description="open, withdrawn or erased")
    outcome: str | None
    grounds: str | None = Field(description="why it was not taken up, when it was not")
    filed_at: datetime


class RepresentedList(BaseModel):
    grievances: list[Represented]


@router.get("/grievances", response_model=RepresentedList)
async def represented(principal: Representative, pool: Pool) -> RepresentedList:
    """The grievances this organisation stands by, newest first, with their progress only."""
    org = _org(principal)
    rows = await pool.fetch(
        """SELECT g.reference, r.capacity, g.stage, g.stage_due, g.status, g.outcome,
                  g.grounds, g.submitted_at AS filed_at
           FROM intake.representations r
           JOIN intake.grievances g ON g.grievance_id = r.grievance_id
           WHERE r.tenant = $1 AND r.org = $2 AND r.capacity IS NOT NULL
           ORDER BY g.submitted_at DESC LIMIT 500""",
        principal.tenant, org,
    )  # fmt: skip
    return RepresentedList(grievances=[Represented(**dict(r)) for r in rows])
