"""Officers record the remedy delivered and waive plan actions; staff read what was
delivered (IOM step 4, and UNGP 31: remedies that are rights-compatible)."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Annotated, Any

from fastapi import APIRouter, Path
from pydantic import Field, field_validator

from redress.cases import commands as c
from redress.cases import handlers as h
from redress.cases import queries as q
from redress.cases import read_answers as a
from redress.cases import remedies_views
from redress.cases.access import Officer, Reader
from redress.cases.context import CaseDesk, Desk
from redress.cases.currencies import CURRENCIES
from redress.cases.domain import RecordRemedy, Remedy, WaiveAction
from redress.events.ids import new_id
from redress.kit.auth import Principal
from redress.kit.errors import Problem
from redress.kit.idempotency import Retry, Retryable
from redress.kit.numbers import JSON_INTEGER
from redress.kit.openapi import MinVersion, answers, documented, not_yet_readable
from redress.kit.text import FilledProse

router = APIRouter(prefix="/v1/cases", tags=["cases"])
_ID = Path(max_length=100)


class RemedyBody(c.Body):
    remedy: Remedy
    action_id: str | None = Field(None, max_length=100, description="the plan action delivered")
    amount: Decimal | None = Field(None, gt=0, max_digits=15, decimal_places=2)
    currency: str | None = Field(None, description="ISO 4217, e.g. BDT", examples=["BDT"])
    workers_covered: Annotated[int, Field(ge=1, le=1_000_000), JSON_INTEGER]
    reinstated_on: list[date] = Field(default_factory=list, max_length=1000)
    description: FilledProse = Field(min_length=1, max_length=2000)
    delivered_on: date

    @field_validator("currency")
    @classmethod
    def _iso_4217(cls, value: str | None) -> str | None:
        if value is not None and value not in CURRENCIES:
            raise ValueError("not an active ISO 4217 currency code")
        return value


class WaiverBody(c.Body):
    reason: FilledProse = Field(min_length=1, max_length=2000)


async def record_remedy(
    desk: Desk, p: Principal, case_id: str, body: RemedyBody, retry: Retry | None = None
) -> c.Written:
    today = await desk.today(p.tenant)  # a remedy delivered "today" where the tenant is
    command = RecordRemedy(
        str(new_id()), body.remedy, body.workers_covered, body.description, body.delivered_on,
        today, body.action_id, body.amount, body.currency, tuple(body.reinstated_on),
    )  # fmt: skip
    return await h.run(desk, p, case_id, command, retry=retry)


async def waive_action(
    desk: Desk, p: Principal, case_id: str, action_id: str, body: WaiverBody,
    retry: Retry | None = None,
) -> c.Written:  # fmt: skip
    return await h.run(desk, p, case_id, WaiveAction(action_id, body.reason), retry=retry)


@router.post(
    "/{case_id}/remedies", response_model=c.Written, status_code=201,
    responses=answers(404, 409, 422),
)  # fmt: skip
async def remedy(
    case_id: str, body: RemedyBody, p: Officer, desk: CaseDesk, retry: Retryable = None
) -> c.Written:
    """Record a remedy as delivered: the amount and currency, how many workers it covered,
    the dates workers were reinstated, and the plan action it delivers.

    409 `wrong-stage` outside the plan and implementation, `unknown-action`,
    `amount-without-currency`, `not-reinstatement`, `no-reinstatement-date`, `in-the-future`.
    """
    return await record_remedy(desk, p, case_id, body, retry)


@router.post(
    "/{case_id}/actions/{action_id}/waive", response_model=c.Written,
    responses=answers(404, 409, 422),
)  # fmt: skip
async def waive(
    case_id: str,
    action_id: Annotated[str, _ID],
    body: WaiverBody,
    p: Officer,
    desk: CaseDesk,
    retry: Retryable = None,
) -> c.Written:
    """Waive an action of the plan, with the reason: it will not be carried out.

    409 `action-done`, `action-waived`, `unknown-action`, or `wrong-stage`.
    """
    return await waive_action(desk, p, case_id, action_id, body, retry)


@router.get(
    "/{case_id}/remedies",
    responses={**answers(404), **documented(a.Remedies, "The case's remedies and waivers")},
)
async def delivered(
    case_id: str,
    p: Reader,
    desk: CaseDesk,
    min_version: MinVersion = None,
) -> Any:
    """The remedies delivered (each with the worker's own word on its action, if they gave
    it), the waived actions with their reasons, and when an officer attested that no
    settlement waives the worker's right to go to court (staff only).

    With `min_version` (a write's answer), 202 until that write is readable here."""
    pool = desk.pool
    if min_version:
        events = await h.case_events(desk.store, p, case_id)
        if not await remedies_views.shows(pool, events, case_id, min_version, timeout=2):
            return not_yet_readable()
    async with pool.acquire() as conn:
        if await q.case_row(conn, p.tenant, case_id) is None:
            raise Problem(404, "not-found", h.NOT_FOUND)
        return await remedies_views.delivered(conn, case_id)
