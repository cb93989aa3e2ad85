"""The JSON API of callback campaigns: auditors register audits, operators call back.

An audit appends `AuditRegistered` and one `CallbackScheduled` per interviewed worker (the
phone number sealed under the audit's own data key). Callbacks fall due five days after the
audit, by the date of the desk's clock (the system clock; tests set a fixed one). The outcome
of a call, and the grievance the worker raised on it, land in one transaction.
"""

from __future__ import annotations

import asyncio
import json
import random
import uuid
from dataclasses import dataclass
from datetime import date
from typing import Annotated, Any

from fastapi import APIRouter, Depends, FastAPI, Query, Request
from fastapi.responses import JSONResponse
from pydantic import ValidationError

from redress.events.catalogue.grievance import Channel, Sealed
from redress.events.errors import ConcurrencyError
from redress.events.ids import new_id
from redress.events.projection import wait_for_version
from redress.events.store import Conn
from redress.events.timers import Clock, SystemClock
from redress.intake.callbacks_commands import (
    SITE_ID,
    AuditInput,
    AuditRegisteredAnswer,
    CampaignFigures,
    CountryFigures,
    DueCallback,
    DueCallbacks,
    Figures,
    OutcomeAnswer,
    OutcomeInput,
    SiteFigures,
)
from redress.intake.callbacks_domain import (
    Audit,
    AuditRefused,
    CompleteCallback,
    Interviewee,
    RegisterAudit,
    audit_key_id,
    audit_stream,
    decide,
    due_on,
    fold,
)
from redress.intake.campaigns import Campaigns
from redress.intake.commands import GrievanceInput
from redress.intake.context import IntakeContext
from redress.intake.filing import file_grievance, tenant_name
from redress.kit import cursor as kit_cursor
from redress.kit import idempotency
from redress.kit.auth import Principal
from redress.kit.authz import Action
from redress.kit.countries import Country
from redress.kit.crypto import DataKey, KeyErased
from redress.kit.dates import PlausibleDate
from redress.kit.deps import Pool, Store, metadata_for, permitted
from redress.kit.errors import Problem
from redress.kit.i18n import LANGUAGES
from redress.kit.idempotency import IdempotencyKey
from redress.kit.runtime import Runtime

router = APIRouter(prefix="/v1", tags=["callbacks"])

Auditor = Annotated[Principal, Depends(permitted(Action.audit_register))]
CallbackOperator = Annotated[Principal, Depends(permitted(Action.callback_work))]
SCHEMA = "intake"

# Completing callbacks of one audit at once clashes on the audit's stream: try again.
# Outcomes of one audit's workers land on one stream: enough tries for a whole team at once.
ATTEMPTS = 10
_PROJECTION = Campaigns()
_REFUSALS = {
    "unknown-audit": 404,
    "unknown-callback": 404,
    "already-registered": 409,
    "already-completed": 409,
}
_PROBLEMS: dict[int | str, dict[str, Any]] = {
    code: {"description": text, "content": {"application/problem+json": {}}}
    for code, text in {401: "no or bad token", 403: "role not allowed", 404: "unknown",
                       409: "conflict", 422: "invalid input"}.items()
}  # fmt: skip
_CATCHING_UP: dict[int | str, dict[str, Any]] = {
    202: {"description": "not caught up with min_version yet; retry"}
}


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


def get_desk(request: Request) -> Desk:
    desk: Desk = request.app.state.runtime.extras["callbacks"]
    return desk


DeskContext = Annotated[Desk, Depends(get_desk)]


def refused(exc: AuditRefused) -> Problem:
    return Problem(_REFUSALS.get(exc.kind, 422), exc.kind, exc.detail)


# Registering an audit.


@router.post("/audits", status_code=201, response_model=AuditRegisteredAnswer, responses=_PROBLEMS)
async def register_audit(
    request: Request,
    body: AuditInput,
    principal: Auditor,
    pool: Pool,
    store: Store,
    intake: IntakeContext,
    desk: DeskContext,
    idempotency_key: IdempotencyKey = None,
) -> Any:
    """Register an audit and the workers interviewed there; each is called back five days on.

    Phone numbers are sealed at once under a data key of the audit's own. Send an
    `Idempotency-Key` to retry safely: the first answer is given again.
    """
    if body.audit_date > desk.today():
        raise Problem(422, "validation", "the audit date cannot be in the future")
    async with pool.acquire() as conn, conn.transaction():
        await tenant_name(conn, principal.tenant)
        country = await conn.fetchval(
            "SELECT country FROM intake.sites WHERE tenant = $1 AND site_id = $2",
            principal.tenant,
            body.site_id,
        )
        if country is None:
            raise Problem(
                422, "unknown-site", f"there is no site {body.site_id!r} in this initiative"
            )
        first = await idempotency.claim(conn, SCHEMA, principal, idempotency_key, request, body)
        if isinstance(first, idempotency.Replay):
            return first.response()
        audit_id = str(new_id())
        key = await intake.keyring.create(conn, audit_key_id(audit_id), principal.tenant)
        command = RegisterAudit(
            audit_id=audit_id,
            site_id=body.site_id,
            country=country,
            audit_date=body.audit_date,
            auditor_org=principal.org,
            workers=tuple(
                Interviewee(
                    callback_id=str(new_id()),
                    language=w.language,
                    contact=key.seal(
                        json.dumps({"phone": w.phone, "good_time": w.good_time}).encode()
                    ),
                )
                for w in body.workers
            ),
        )
        try:
            events = decide(command, Audit())
        except AuditRefused as exc:
            raise refused(exc) from None
        done = await store.append(
            audit_stream(audit_id), events, 0, metadata_for(principal), conn=conn
        )
        answer = AuditRegisteredAnswer(
            audit_id=audit_id,
            stream=done.stream,
            version=done.version,
            callbacks=len(command.workers),
            due_on=due_on(body.audit_date),
        )
        if first:
            await first.remember(conn, answer, 201)
    return answer


# The operators' queue.


async def caught_up(pool: Pool, stream: str | None, min_version: int | None) -> bool:
    """Read-your-writes: wait (bounded) until the campaigns have seen `stream` at a version."""
    if stream is None or min_version is None:
        return True
    return await wait_for_version(pool, _PROJECTION, stream, min_version)


def _not_yet() -> JSONResponse:
    return JSONResponse(
        {"detail": "not caught up yet; retry"}, status_code=202, headers={"Retry-After": "1"}
    )


def _cursor(due: date, callback_id: str) -> str:
    return kit_cursor.after_day(due, callback_id)


def _after(after: str | None) -> tuple[date, str]:
    return kit_cursor.day_of(after, kit_cursor.UUID) if after else (date.min, "")


@router.get("/callbacks/due", response_model=DueCallbacks, responses={**_PROBLEMS, **_CATCHING_UP})
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
    min_version: Annotated[int | None, Query(ge=1)] = None,
) -> Any:
    """Callbacks due today or earlier and not yet made, oldest first, with the phone number."""
    if not await caught_up(pool, stream, min_version):
        return _not_yet()
    after_due, after_id = _after(cursor)
    async with pool.acquire() as conn:
        rows = await conn.fetch(
            """SELECT c.callback_id, c.audit_id, c.site_id, s.name AS site_name, c.country,
                      c.due_on, c.language, c.contact
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


@router.post("/callbacks/{callback_id}/outcome", response_model=OutcomeAnswer, responses=_PROBLEMS)
async def record_outcome(
    request: Request,
    callback_id: str,
    body: OutcomeInput,
    principal: CallbackOperator,
    pool: Pool,
    store: Store,
    intake: IntakeContext,
    idempotency_key: IdempotencyKey = None,
) -> Any:
    """Record a call: reached or not, retaliation reported, and a grievance raised on it.

    The grievance is filed (channel `callback`) in the same transaction as the outcome; read
    its receipt, reference and secret, out to the worker. Send an `Idempotency-Key` to retry
    safely: the first answer, secret included, is given again.
    """
    if not _is_uuid(callback_id):
        raise Problem(404, "unknown-callback", "there is no such callback")
    async with pool.acquire() as conn:
        row = await conn.fetchrow(
            "SELECT audit_id, language FROM intake.callbacks WHERE callback_id = $1 "
            "AND tenant = $2",
            callback_id,
            principal.tenant,
        )
    if row is None:
        raise Problem(404, "unknown-callback", "there is no such callback")
    audit_id: str = row["audit_id"]
    stream = audit_stream(audit_id)
    # One correlation id ties the outcome to the grievance it raised.
    meta = metadata_for(principal).model_copy(update={"correlationid": new_id()})
    for attempt in range(1, ATTEMPTS + 1):
        try:
            async with pool.acquire() as conn, conn.transaction():
                # Claimed before deciding: a retry of an outcome recorded gets its first
                # answer, not "already completed".
                first = await idempotency.claim(
                    conn, SCHEMA, principal, idempotency_key, request, body
                )
                if isinstance(first, idempotency.Replay):
                    return first.response()
                history = await store.read_stream(stream)
                state = fold([e.data for e in history])
                grievance_id = str(new_id()) if body.grievance else None
                command = CompleteCallback(
                    audit_id=audit_id,
                    callback_id=callback_id,
                    reached=body.reached,
                    retaliation_reported=body.retaliation_reported,
                    grievance_id=grievance_id,
                )
                try:
                    events = decide(command, state)
                except AuditRefused as exc:
                    raise refused(exc) from None
                form = _grievance_form(body, state, row["language"])
                filed = None
                if form is not None:
                    filed = await file_grievance(
                        conn, store, intake, meta, form, Channel.callback,
                        grievance_id=grievance_id, audit_id=audit_id,
                    )  # fmt: skip
                done = await store.append(stream, events, history[-1].version, meta, conn=conn)
                answer = OutcomeAnswer(
                    callback_id=callback_id,
                    audit_id=audit_id,
                    stream=done.stream,
                    version=done.version,
                    grievance=filed,
                )
                if first:
                    await first.remember(conn, answer, 200)
        except ConcurrencyError:
            if attempt == ATTEMPTS:
                raise
            # Jitter, so that writers who clashed do not clash again in step.
            await asyncio.sleep(random.uniform(0, 0.005 * attempt))  # noqa: S311
            continue
        return answer
    raise AssertionError("unreachable")


def _is_uuid(value: str) -> bool:
    try:
        uuid.UUID(value)
    except ValueError:
        return False
    return True


def _grievance_form(body: OutcomeInput, audit: Audit, language: str) -> GrievanceInput | None:
    """The grievance as any channel files it, at the audited site."""
    if body.grievance is None:
        return None
    g = body.grievance
    try:
        return GrievanceInput(
            country=audit.country,
            site_id=audit.site_id,
            category=g.category,
            narrative=g.narrative,
            since=g.since,
            language=g.language or (language if language in LANGUAGES else "en"),
            contact=g.contact,
            consent=g.consent,
        )
    except ValidationError as exc:
        detail = "; ".join(
            f"grievance.{'.'.join(map(str, e['loc']))}: {e['msg']}" for e in exc.errors()
        )
        raise Problem(422, "validation", detail) from None


# Figures.

_FIGURES = """
SELECT GROUPING(c.site_id) AS by_country, GROUPING(c.country) AS in_total,
       c.site_id, c.country, max(s.name) AS name,
       count(DISTINCT c.audit_id) AS audits,
       count(*) AS scheduled,
       count(*) FILTER (WHERE c.due_on <= $2) AS due,
       count(*) FILTER (WHERE c.due_on <= $2 AND c.completed_at IS NULL) AS outstanding,
       count(*) FILTER (WHERE c.completed_at IS NOT NULL) AS completed,
       count(*) FILTER (WHERE c.reached) AS reached,
       count(*) FILTER (WHERE c.retaliation_reported) AS retaliation_reports,
       count(*) FILTER (WHERE c.grievance_id IS NOT NULL) AS grievances_raised
FROM intake.callbacks c
JOIN intake.audits a ON a.audit_id = c.audit_id
LEFT JOIN intake.sites s ON s.tenant = c.tenant AND s.site_id = c.site_id
WHERE c.tenant = $1
  AND ($3::text IS NULL OR c.country = $3)
  AND ($4::date IS NULL OR a.audit_date >= $4)
  AND ($5::date IS NULL OR a.audit_date <= $5)
GROUP BY GROUPING SETS ((c.country, c.site_id), (c.country), ())
ORDER BY c.country, c.site_id
"""
_COUNTS = tuple(Figures.model_fields)


@router.get(
    "/campaigns/figures",
    response_model=CampaignFigures,
    responses={**_PROBLEMS, **_CATCHING_UP},
    tags=["callbacks"],
)
async def campaign_figures(
    principal: Auditor,
    pool: Pool,
    desk: DeskContext,
    country: Annotated[Country | None, Query()] = None,
    audited_from: Annotated[PlausibleDate | None, Query()] = None,
    audited_to: Annotated[PlausibleDate | None, Query()] = None,
    stream: Annotated[str | None, Query(pattern=r"^audit-[0-9a-f-]{36}$")] = None,
    min_version: Annotated[int | None, Query(ge=1)] = None,
) -> Any:
    """Callbacks scheduled, due, made; workers reached; retaliation; grievances: per site,
    per country and in total, for audits between `audited_from` and `audited_to`."""
    if not await caught_up(pool, stream, min_version):
        return _not_yet()
    today = desk.today()
    async with pool.acquire() as conn:
        rows = await conn.fetch(
            _FIGURES, principal.tenant, today, country, audited_from, audited_to
        )
    sites, countries = [], []
    total = Figures(**dict.fromkeys(_COUNTS, 0))
    for row in rows:
        counts = {k: row[k] for k in _COUNTS}
        if row["in_total"]:
            total = Figures(**counts)
        elif row["by_country"]:
            countries.append(CountryFigures(country=row["country"], **counts))
        else:
            sites.append(
                SiteFigures(
                    site_id=row["site_id"], name=row["name"], country=row["country"], **counts
                )
            )
    return CampaignFigures(today=today, sites=sites, countries=countries, total=total)
