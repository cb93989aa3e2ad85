"""Check-ins after retaliation, for callback operators: `/v1/check-ins/...`.

When the case a retaliation report opened has ended, the worker is called the tenant's
`check_in_days` later and asked whether anything has happened since. The queue lists the
check-ins due, with the number to call and the good time to call it; the outcome records the
call. A worker not reached is called again as callbacks are (`/v1/tenant/follow-up`); a
worker who says something happened starts a new report, which opens a case of its own.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import date
from typing import Annotated, Any

from fastapi import APIRouter, Path, Query
from pydantic import BaseModel, ConfigDict, Field, StrictBool

from redress.events.application import Recorded, execute
from redress.events.catalogue.grievance import Channel, Sealed
from redress.events.catalogue.retaliation import CheckInMade, RetaliationReported
from redress.events.envelope import Event, EventData
from redress.events.ids import new_id
from redress.events.projection import wait_for_version
from redress.events.store import Conn
from redress.intake.callbacks_api import CallbackOperator, DeskContext, not_yet
from redress.intake.check_ins import CheckIns
from redress.intake.context import IntakeContext
from redress.intake.retaliation import Reporting
from redress.intake.retaliation_domain import (
    REPORT,
    RecordCheckIn,
    ReportRefused,
    ReportRetaliation,
    report_stream,
)
from redress.kit import cursor as kit_cursor
from redress.kit.crypto import KeyErased
from redress.kit.deps import Pool, Store, metadata_for
from redress.kit.idempotency import Once, Retryable
from redress.kit.openapi import MinVersion, answers
from redress.tenancy.handlers import read_tenant

router = APIRouter(prefix="/v1", tags=["callbacks"])
SCHEMA = "intake"
_VIEW = CheckIns()
ReportId = Annotated[str, Path(pattern=f"^{kit_cursor.UUID}$")]


class DueCheckIn(BaseModel):
    report_id: str
    case_id: str
    channel: str = Field(description="where the retaliation was first told")
    site_id: str | None
    site_name: str | None
    country: str | None
    due_on: date
    attempt: int = Field(description="which call this is: 1 for the first")
    language: str
    phone: str | None = Field(description="null once the worker's personal data was erased")
    good_time: str | None


class DueCheckIns(BaseModel):
    check_ins: list[DueCheckIn]
    next: str | None = Field(None, description="cursor of the next page")


class CheckInInput(BaseModel):
    model_config = ConfigDict(extra="forbid")

    reached: StrictBool
    anything_happened: StrictBool = Field(
        False, description="the worker says something happened since: a new report, a new case"
    )


class CheckInAnswer(BaseModel):
    report_id: str
    stream: str
    version: int
    attempt: int
    next_due_on: date | None = Field(description="when the worker is called again, if not reached")
    new_report_id: str | None = Field(description="the report what happened since opened")


@router.get("/check-ins/due", response_model=DueCheckIns)
async def due_check_ins(
    principal: CallbackOperator,
    pool: Pool,
    intake: IntakeContext,
    desk: DeskContext,
    cursor: Annotated[str | None, kit_cursor.query(kit_cursor.UUID)] = None,
    limit: Annotated[int, Query(ge=1, le=200)] = 50,
    stream: Annotated[str | None, Query(pattern=f"^retaliation-{kit_cursor.UUID}$")] = None,
    min_version: MinVersion = None,
) -> Any:
    """Check-ins due today or earlier and not yet made, oldest first, with the number to call.

    A check-in whose number the worker gave with their grievance is left out while they do
    not allow contact, or once they withdrew or erased the grievance.
    """
    if stream and min_version and not await wait_for_version(pool, _VIEW, stream, min_version):
        return not_yet()
    after_due, after_id = kit_cursor.day_of(cursor, kit_cursor.UUID) if cursor else (date.min, "")
    async with pool.acquire() as conn:
        rows = await conn.fetch(
            """SELECT c.*, s.name AS site_name FROM intake.check_ins c
               LEFT JOIN intake.sites s ON s.tenant = c.tenant AND s.site_id = c.site_id
               WHERE c.tenant = $1 AND c.done_at IS NULL AND c.due_on <= $2
                 AND (c.due_on, c.report_id) > ($3, $4)
                 -- A number the worker gave with their grievance is called only while they
                 -- allow contact and follow the grievance (not withdrawn nor erased).
                 AND NOT EXISTS (SELECT 1 FROM intake.grievances g
                                 WHERE g.grievance_id = c.grievance_id
                                   AND g.key_id = c.contact ->> 'key_id'
                                   AND (NOT g.contact_me OR g.status <> 'open'))
               ORDER BY c.due_on, c.report_id LIMIT $5""",
            principal.tenant, desk.today(), after_due, after_id, limit + 1,
        )  # fmt: skip
        found = [await _due(conn, intake, row) for row in rows[:limit]]
    last = found[-1] if len(rows) > limit else None
    return DueCheckIns(
        check_ins=found,
        next=kit_cursor.after_day(last.due_on, last.report_id) if last else None,
    )


async def _due(conn: Conn, intake: IntakeContext, row: Any) -> DueCheckIn:
    contact: dict[str, Any] = {}
    if row["contact"] is not None:
        sealed = Sealed.model_validate_json(row["contact"])
        try:
            contact = json.loads((await intake.keyring.get(conn, sealed.key_id)).open(sealed))
        except KeyErased:
            contact = {}
    return DueCheckIn(
        report_id=row["report_id"], case_id=row["case_id"], channel=row["channel"],
        site_id=row["site_id"], site_name=row["site_name"], country=row["country"],
        due_on=row["due_on"], attempt=row["attempts"] + 1, language=row["language"],
        phone=contact.get("phone"), good_time=contact.get("good_time"),
    )  # fmt: skip


@dataclass
class _CheckIn(Reporting):
    once: Once | None = None

    async def begin(self, conn: Conn) -> Any:
        await super().begin(conn)
        return None if self.once is None else await self.once.begin(conn)

    async def end(self, conn: Conn, recorded: Recorded) -> None:
        await super().end(conn, recorded)
        if self.once is not None:
            await self.once.end(conn, recorded)


@router.post(
    "/check-ins/{report_id}/outcome", response_model=CheckInAnswer, responses=answers(404, 409)
)
async def record_check_in(
    report_id: ReportId,
    body: CheckInInput,
    principal: CallbackOperator,
    pool: Pool,
    store: Store,
    desk: DeskContext,
    retry: Retryable = None,
) -> Any:
    """Record a check-in call: reached or not, and whether anything happened since.

    409 `no-check-in` when none is waiting (the case has not ended, or the check-in was
    made); 404 `unknown-report` for a report of no one in this tenant.
    """
    async with pool.acquire() as conn:
        follow_up = (await read_tenant(conn, principal.tenant)).follow_up
    command = RecordCheckIn(body.reached, body.anything_happened, desk.today(),
                            follow_up.callback_attempts, follow_up.callback_retry_days)  # fmt: skip
    stream = report_stream(report_id)
    metadata = metadata_for(principal).model_copy(update={"correlationid": new_id()})

    def answer(done: Recorded) -> CheckInAnswer:
        (made,) = [e for e in done.events if isinstance(e, CheckInMade)]
        return CheckInAnswer(
            report_id=report_id, stream=done.stream, version=done.version, attempt=made.attempt,
            next_due_on=made.next_due_on,
            new_report_id=transaction.report.report_id if transaction.report else None,
        )  # fmt: skip

    once = Once.of(retry, SCHEMA, principal, answer)
    transaction = _CheckIn(store=store, metadata=metadata, once=once)

    def decide(history: list[Event]) -> list[EventData]:
        if not history or history[0].tenant != principal.tenant:
            raise ReportRefused("unknown-report", "there is no such report")
        events = list(REPORT.deciding(stream, command)(history))
        reported = history[0].data
        assert isinstance(reported, RetaliationReported)
        if body.anything_happened:
            transaction.report = ReportRetaliation(
                report_id=str(new_id()), channel=Channel.callback, language=reported.language,
                country=reported.country, site_id=reported.site_id,
                grievance_id=reported.grievance_id, audit_id=reported.audit_id,
                follows_report_id=report_id, contact=reported.contact,
            )  # fmt: skip
        return events

    done = await execute(store, stream, decide, metadata, transaction=transaction)
    if done.earlier is not None:
        return CheckInAnswer.model_validate(done.earlier)
    return answer(done)
