"""The JSON API of callback campaigns: auditors register audits, operators call back.

The routes parse and authorise; `callbacks_handlers` decides and records; the figures are
in `callbacks_figures`.

An audit appends `AuditRegistered` and one `CallbackScheduled` per interviewed worker (the
phone number sealed under the audit's own data key). Callbacks fall due five days after the
audit, by the date of the desk's clock (the system clock; tests set a fixed one). The outcome
of a call, and the grievance the worker raised on it, land in one transaction.
"""

from __future__ import annotations

import json
import uuid
from dataclasses import dataclass
from datetime import date
from typing import Annotated, Any

from fastapi import APIRouter, Depends, FastAPI, Query, Request
from fastapi.responses import JSONResponse

from redress.events.catalogue.grievance import Sealed
from redress.events.projection import wait_for_version
from redress.events.store import Conn
from redress.events.timers import Clock, SystemClock
from redress.intake import callback_index
from redress.intake import callbacks_handlers as handlers
from redress.intake.callbacks_commands import (
    SITE_ID,
    AuditInput,
    AuditRegisteredAnswer,
    DueCallback,
    DueCallbacks,
    OutcomeAnswer,
    OutcomeInput,
)
from redress.intake.campaigns import Campaigns
from redress.intake.context import IntakeContext
from redress.intake.filing import tenant_name
from redress.kit import cursor as kit_cursor
from redress.kit.auth import Principal
from redress.kit.authz import Action
from redress.kit.crypto import DataKey, KeyErased
from redress.kit.deps import Pool, Store, permitted
from redress.kit.errors import Problem
from redress.kit.idempotency import Retryable
from redress.kit.openapi import MinVersion, answers
from redress.kit.runtime import Runtime
from redress.tenancy.handlers import read_tenant

router = APIRouter(prefix="/v1", tags=["callbacks"])

Auditor = Annotated[Principal, Depends(permitted(Action.audit_register))]
CallbackOperator = Annotated[Principal, Depends(permitted(Action.callback_work))]
SCHEMA = "intake"

_PROJECTION = Campaigns()


@dataclass
class Desk:
    """What the callback desk holds: the clock that says which callbacks are due."""

    clock: Clock

    def today(self) -> date:
        return self.clock.now().date()


async def start(runtime: Runtime) -> None:
    runtime.extras["callbacks"] = Desk(SystemClock())


def set_clock(app: FastAPI, clock: Clock) -> None:
    """Make the desk see time from `clock` (tests move a FixedClock by hand)."""
    app.state.runtime.extras["callbacks"].clock = clock


async def get_desk(request: Request) -> Desk:
    desk: Desk = request.app.state.runtime.extras["callbacks"]
    return desk


DeskContext = Annotated[Desk, Depends(get_desk)]


# Registering an audit.


@router.post(
    "/audits", status_code=201, response_model=AuditRegisteredAnswer, responses=answers(404)
)
async def register_audit(
    request: Request,
    body: AuditInput,
    principal: Auditor,
    pool: Pool,
    store: Store,
    intake: IntakeContext,
    desk: DeskContext,
    retry: Retryable = None,
) -> Any:
    """Register an audit and the workers interviewed there; each is called back five days on.

    Phone numbers are sealed at once under a data key of the audit's own. Send an
    `Idempotency-Key` to retry safely: the first answer is given again.
    """
    if body.audit_date > desk.today():
        raise Problem(422, "validation", "the audit date cannot be in the future")
    async with pool.acquire() as conn:
        await tenant_name(conn, principal.tenant)
        # The tenant's own stream says which sites it has (ADR 18).
        site = (await read_tenant(conn, principal.tenant)).sites.get(body.site_id)
    if site is None:
        raise Problem(422, "unknown-site", f"there is no site {body.site_id!r} in this initiative")
    return await handlers.register_audit(store, intake, principal, body, site.country, retry)


# The operators' queue.


async def caught_up(pool: Pool, stream: str | None, min_version: int | None) -> bool:
    """Read-your-writes: wait (bounded) until the campaigns have seen `stream` at a version."""
    if stream is None or min_version is None:
        return True
    return await wait_for_version(pool, _PROJECTION, stream, min_version)


def not_yet() -> JSONResponse:
    return JSONResponse(
        {"detail": "not caught up yet; retry"}, status_code=202, headers={"Retry-After": "1"}
    )


def _cursor(due: date, callback_id: str) -> str:
    return kit_cursor.after_day(due, callback_id)


def _after(after: str | None) -> tuple[date, str]:
    return kit_cursor.day_of(after, kit_cursor.UUID) if after else (date.min, "")


@router.get(
    "/callbacks/due",
    response_model=DueCallbacks,
)
async def due_callbacks(
    principal: CallbackOperator,
    pool: Pool,
    intake: IntakeContext,
    desk: DeskContext,
    cursor: Annotated[str | None, kit_cursor.query(kit_cursor.UUID)] = None,
    limit: Annotated[int, Query(ge=1, le=200)] = 50,
    language: Annotated[str | None, Query(pattern=r"^[A-Za-z0-9-]{1,20}$")] = None,
    site_id: Annotated[str | None, Query(pattern=SITE_ID)] = None,
    stream: Annotated[str | None, Query(pattern=r"^audit-[0-9a-f-]{36}$")] = None,
    min_version: MinVersion = None,
) -> Any:
    """Callbacks due today or earlier and not yet made, oldest first, with the phone number."""
    if not await caught_up(pool, stream, min_version):
        return not_yet()
    after_due, after_id = _after(cursor)
    async with pool.acquire() as conn:
        rows = await conn.fetch(
            """SELECT c.callback_id, c.audit_id, c.site_id, s.name AS site_name, c.country,
                      c.due_on, c.language, c.contact, c.attempts
               FROM intake.callbacks c
               LEFT JOIN intake.sites s ON s.tenant = c.tenant AND s.site_id = c.site_id
               WHERE c.tenant = $1 AND c.completed_at IS NULL AND c.due_on <= $2
                 AND (c.due_on, c.callback_id) > ($3, $4)
                 AND ($5::text IS NULL OR c.language = $5)
                 AND ($6::text IS NULL OR c.site_id = $6)
               ORDER BY c.due_on, c.callback_id
               LIMIT $7""",
            principal.tenant,
            desk.today(),
            after_due,
            after_id,
            language,
            site_id,
            limit + 1,
        )
        keys: dict[str, DataKey | None] = {}
        callbacks = []
        for row in rows[:limit]:
            sealed = Sealed.model_validate_json(row["contact"])
            contact = await _contact(conn, intake, keys, sealed)
            callbacks.append(
                DueCallback(
                    callback_id=row["callback_id"],
                    audit_id=row["audit_id"],
                    site_id=row["site_id"],
                    site_name=row["site_name"],
                    country=row["country"],
                    due_on=row["due_on"],
                    language=row["language"],
                    good_time=contact.get("good_time"),
                    phone=contact.get("phone"),
                    attempt=row["attempts"] + 1,
                )
            )
    last = callbacks[-1] if len(rows) > limit else None
    return DueCallbacks(
        callbacks=callbacks, next=_cursor(last.due_on, last.callback_id) if last else None
    )


async def _contact(
    conn: Conn, intake: IntakeContext, keys: dict[str, DataKey | None], sealed: Sealed
) -> dict[str, str | None]:
    """The phone number and good time to call, or nothing once the audit's data is erased."""
    if sealed.key_id not in keys:
        try:
            keys[sealed.key_id] = await intake.keyring.get(conn, sealed.key_id)
        except KeyErased:
            keys[sealed.key_id] = None
    key = keys[sealed.key_id]
    if key is None:
        return {}
    contact: dict[str, str | None] = json.loads(key.open(sealed))
    return contact


# Recording the outcome.


@router.post("/callbacks/{callback_id}/outcome", response_model=OutcomeAnswer)
async def record_outcome(
    request: Request,
    callback_id: str,
    body: OutcomeInput,
    principal: CallbackOperator,
    pool: Pool,
    store: Store,
    intake: IntakeContext,
    desk: DeskContext,
    retry: Retryable = None,
) -> Any:
    """Record a call: reached or not, retaliation reported, and a grievance raised on it.

    A worker not reached is called again the tenant's `callback_retry_days` later (the
    callback returns to the queue on that day, at the good time noted at the audit), until
    the tenant's `callback_attempts` calls are made; the last call allowed completes the
    callback, unreached.

    The grievance is filed (channel `callback`) in the same transaction as the outcome; read
    its receipt, reference and secret, out to the worker. Send an `Idempotency-Key` to retry
    safely: the first answer, secret included, is given again.
    """
    if not _is_uuid(callback_id):
        raise Problem(404, "unknown-callback", "there is no such callback")
    async with pool.acquire() as conn:
        # Written with the audit: not the campaigns read model, which a rebuild empties.
        row = await callback_index.audit_of(conn, principal.tenant, callback_id)
    if row is None:
        raise Problem(404, "unknown-callback", "there is no such callback")
    # The tenant's follow-up as its stream says it now (ADR 18): how often to call again.
    async with pool.acquire() as conn:
        follow_up = (await read_tenant(conn, principal.tenant)).follow_up
    call = handlers.Call(desk.today(), follow_up.callback_attempts, follow_up.callback_retry_days)
    return await handlers.record_outcome(
        store, intake, principal, row.audit_id, callback_id, row.language, body, call, retry
    )


def _is_uuid(value: str) -> bool:
    try:
        uuid.UUID(value)
    except ValueError:
        return False
    return True
