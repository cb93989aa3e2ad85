"""The cases API's reads: the queue, a case with its plan and thread, who read it, and its
timeline; a member company's view of each is redacted, a supplier's or facilitator's more."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, datetime
from typing import Annotated, Any

from fastapi import APIRouter, Query
from fastapi.responses import JSONResponse

from redress.cases import attachments, evidence_views, reads, referral_entries
from redress.cases import domain as d
from redress.cases import queries as q
from redress.cases import read_answers as a
from redress.cases.access import Reader, is_plan_party, may_read, plan_party
from redress.cases.context import CasesContext
from redress.cases.handlers import NOT_FOUND, case_events, is_member
from redress.cases.projections import CaseViews
from redress.events.projection import wait_for_version
from redress.events.store import Conn, EventStore
from redress.kit import cursor as kit_cursor
from redress.kit.auth import Principal
from redress.kit.deps import CurrentPrincipal, Pool, Store
from redress.kit.errors import Problem
from redress.kit.openapi import MinVersion, documented, not_yet_readable
from redress.kit.text import Line

router = APIRouter(prefix="/v1/cases", tags=["cases"])
VIEWS = CaseViews()


# A member company sees neither severity, indicators nor referral: a buyer must not learn of
# a trafficking escalation before a safety plan exists (it could warn the supplier).
_MEMBER_COLUMNS = q.MEMBER_COLUMNS
_STAFF_COLUMNS = (*_MEMBER_COLUMNS, "severity", "referral_recommended", "grievance_id",
                  "language", "officer", "facilitator", "indicators",
                  "identity_shareable", "contact_consented", "grounds", "duplicate_of",
                  "withdrawn")  # fmt: skip
# A supplier or a facilitator sees where its cases stand, and its own actions; never the
# worker's words, identity or satisfaction, even where the worker let the member know who
# they are (that consent is the member's, not theirs).
_PARTY_COLUMNS = ("case_id", "category", "country", "site_id", "member_org", "status", "stage",
                  "stage_due", "outcome", "opened_at", "updated_at")  # fmt: skip


def _columns(p: Principal) -> tuple[str, ...]:
    if is_member(p):
        return _MEMBER_COLUMNS
    return _PARTY_COLUMNS if is_plan_party(p) else _STAFF_COLUMNS


def _jsonable(row: Any, columns: tuple[str, ...]) -> dict[str, Any]:
    out = {}
    for k in columns:
        v = row[k]
        out[k] = v.isoformat() if isinstance(v, date | datetime) else v
    return out


@router.get("", responses=documented(a.Queue, "A page of the cases you may read, oldest first"))
async def queue(
    p: CurrentPrincipal,
    pool: Pool,
    cases: CasesContext,
    stage: d.Stage | None = None,
    severity: d.Severity | None = None,
    officer: Annotated[Line | None, Query(max_length=200)] = None,
    overdue: bool | None = None,
    grievance_id: Annotated[
        str | None,
        Query(
            pattern=q.GRIEVANCE_ID,
            description=(
                "the case of this grievance (the id a filing was answered with), if it is one you "
                "may read"
            ),
        ),
    ] = None,
    cursor: Annotated[str | None, kit_cursor.query(q.POSITION)] = None,
    limit: Annotated[int, Query(ge=1, le=200)] = 50,
) -> dict[str, Any]:
    """The queue: filter by stage, severity, officer and overdue, or find the case of one
    grievance; `next` pages on. A member company's token of an organisation the initiative
    has not admitted is refused (403 `not-a-member`), as its filings are."""
    p = may_read(p)
    member, own = is_member(p), plan_party(p)
    if (member or own) and (severity is not None or officer is not None):
        # Refused whatever the value: a filter that answered would tell which cases escalated
        # (by severity, or by the officer who handles trafficking cases).
        raise Problem(403, "forbidden", "only staff filter cases by severity or officer")
    if own and overdue is not None:
        # The case's `overdue` counts every party's actions: a supplier would learn of others'.
        detail = "a supplier or facilitator finds its overdue actions in /v1/plan-actions"
        raise Problem(403, "forbidden", detail)
    filters = q.QueueFilter(stage, severity, officer, overdue, p.org if member else None, own,
                            grievance_id)  # fmt: skip
    async with pool.acquire() as conn:
        today, frames = await cases.calendar_in(conn, p.tenant, p.org if member else None)
        page = await q.queue(conn, p.tenant, filters, today, cursor, limit)
    rows = [q.in_days(r, frames.local_day) if member or own else r for r in page.items]
    return {"items": [_jsonable(r, _columns(p)) for r in rows], "next": page.next}


async def _readable(
    pool: Pool, store: EventStore, p: Principal, case_id: str, min_version: int | None
) -> JSONResponse | None:
    """Wait for the caller's own write; answer 202 if it is not readable yet.

    The caller is authorised on the log first: a case out of its reach is 404 at once,
    whatever the version, so that 202 or 404 never tells whether a version exists.
    """
    if not min_version:
        return None
    await case_events(store, p, case_id)
    if not await wait_for_version(pool, VIEWS, case_id, min_version, timeout=2):
        return not_yet_readable()
    return None


async def _row(conn: Conn, p: Principal, case_id: str) -> Any:
    row = await q.case_row(conn, p.tenant, case_id)
    if row is None or (is_member(p) and row["member_org"] != p.org):
        raise Problem(404, "not-found", NOT_FOUND)
    if (own := plan_party(p)) and not await q.reaches(conn, case_id, own):
        raise Problem(404, "not-found", NOT_FOUND)
    return row


# The case view is a dict shaped by the caller's role; OpenAPI says what only staff get.
_DETAIL: dict[int | str, dict[str, Any]] = {
    200: {
        "description": "The case as the caller may see it: staff all of it; a member company"
        " a redacted view of its own supply chain's cases; a supplier or facilitator where its"
        " cases stand and its own actions",
        "content": {"application/json": {"schema": {
            "type": "object",
            "properties": {"attachments": attachments.LISTED_SCHEMA},
        }}},
    }
}  # fmt: skip


@router.get("/{case_id}", responses=_DETAIL)
async def detail(
    case_id: str,
    p: CurrentPrincipal,
    pool: Pool,
    store: Store,
    cases: CasesContext,
    min_version: MinVersion = None,
) -> Any:
    """A case with its plan and thread, and for staff the files the worker sent
    (`attachments`); members see a redacted view of their own cases."""
    p = may_read(p)
    if waiting := await _readable(pool, store, p, case_id, min_version):
        return waiting
    async with pool.acquire() as conn:
        row = await _row(conn, p, case_id)
        member, own = is_member(p), plan_party(p)
        today, frames = await cases.calendar_in(conn, p.tenant)
        body = _jsonable(q.in_days(row, frames.local_day) if member or own else row, _columns(p))
        staff = not (member or own)
        body["actions"] = [
            _jsonable(a, (*q.ACTION_COLUMNS, "overdue", *(("owner_org",) if staff else ())))
            for a in await q.actions(conn, case_id, today, own)
        ]
        if own:  # nothing of the worker, nor of the staff's work on the case
            return body
        if not member or row["identity_shareable"]:
            grievance = await q.personal(
                conn, cases.keyring, row["grievance_id"], contact=q.may_contact(row)
            )
            if member and grievance:
                # Where a worker said they work is for the officer, even with consent.
                grievance.pop("site_text", None)
            body["grievance"] = grievance
        if not member:
            body["thread"] = [
                m | {"time": m["time"].isoformat()}
                for m in await q.thread(conn, cases.keyring, case_id)
            ]
            # Verification and the response are the staff's work on the case (IOM 1 and 2).
            body["findings"] = [
                evidence_views.as_json(f)
                for f in await evidence_views.findings(conn, cases.keyring, case_id)
            ]
            steps = await q.determinations(conn, case_id)
            body["verification"] = steps.get("verification")
            body["response"] = steps.get("response")
            body["attachments"] = await attachments.listing(conn, case_id)
    shown = reads.fields_shown(
        body.get("grievance"), body.get("thread", ()), body.get("findings", ())
    )
    await reads.record(store, p, case_id, row["grievance_id"], shown, "api")
    return body


@router.get(
    "/{case_id}/reads",
    responses=documented(a.Reads, "Reads of the worker's personal data, oldest first"),
)
async def case_reads(
    case_id: str,
    p: Reader,
    pool: Pool,
    cursor: Annotated[str | None, Query(max_length=18, pattern=r"^[0-9]+$")] = None,
    limit: Annotated[int, Query(ge=1, le=200)] = 50,
) -> dict[str, Any]:
    """Who was shown the worker's personal data, when, and which fields (staff only)."""
    async with pool.acquire() as conn:
        await _row(conn, p, case_id)
        rows = await q.reads(conn, case_id, int(cursor or 0), limit + 1)
    page = rows[:limit]
    return {
        "items": [
            {k: v for k, v in r.items() if k != "position"} | {"time": r["time"].isoformat()}
            for r in page
        ],
        "next": str(page[-1]["position"]) if len(rows) > limit else None,
    }


@router.get(
    "/{case_id}/timeline", responses=documented(a.Timeline, "What happened to the case, in order")
)
async def timeline(
    case_id: str,
    p: CurrentPrincipal,
    pool: Pool,
    store: Store,
    cases: CasesContext,
    min_version: MinVersion = None,
) -> Any:
    """What happened to the case, in order (internal notes and messages only as entries)."""
    p = may_read(p)
    if is_plan_party(p):
        # Its entries tell of every party's actions and of the staff's steps.
        detail = "a supplier or facilitator reads its cases and its own actions, not the timeline"
        raise Problem(403, "forbidden", detail)
    if waiting := await _readable(pool, store, p, case_id, min_version):
        return waiting
    async with pool.acquire() as conn:
        await _row(conn, p, case_id)
        rows = await q.timeline(conn, case_id)
        if is_member(p):
            rows = member_timeline(rows, (await cases.calendar_in(conn, p.tenant))[1].local_day)
    return {"items": [r | {"time": r["time"].isoformat()} for r in rows]}


def member_timeline(
    rows: list[dict[str, Any]], day: Callable[[datetime], date]
) -> list[dict[str, Any]]:
    """A member sees what happened and on which of the tenant's days (`day`), not who of the
    staff did it, nor staff-only entries (the API and the member console alike)."""
    return [
        q.in_days({k: v for k, v in r.items() if k != "actor_id"}, day)
        | {"details": _redact(r["details"])}
        for r in rows
        if r["type"] not in _STAFF_ENTRIES and r["type"] not in referral_entries.MEMBER_HIDDEN
    ]


# What a member company's timeline leaves out: the same as its case view does (the worker's
# conversation and what the worker did, internal notes, triage and referral, who handles the
# case, the worker's language), and legal holds, whose grounds (litigation, a criminal
# investigation) may concern the member. Nor any of the referral's milestones
# (`referral_entries.MEMBER_HIDDEN`): a buyer must not learn that a worker was referred.
# Nor verification and the response: findings name who was interviewed, and a response
# calling for law enforcement, warned of, could have a supplier retaliate. Nor corrections:
# their reasons may tell what the worker said (the case itself shows the corrected values).
# Nor a retaliation alert: it ties the report to the worker's other case or callback. Nor
# who represents the worker: a union standing by them is theirs to tell a company.
_STAFF_ENTRIES = ("InternalNoteAdded", "CaseTriaged", "MessageSentToWorker",
                  "ReferralRecommended", "WorkerMessagePosted", "GrievanceUpdated",
                  "AttachmentAdded", "WithdrawalRequested", "PersonalDataErased",
                  "LegalHoldPlaced", "LegalHoldReleased", "ContactConsentChanged",
                  "ReviewRequested", "PlanAnswered", "RemedyConfirmed",
                  "VerificationFindingRecorded", "VerificationEvidenceAttached",
                  "VerificationDecided", "ResponseDetermined", "GrievanceCorrected",
                  "RetaliationAlertRaised", "RepresentativeRecorded")  # fmt: skip
# The officer's explanation of a rejection is written for the worker, and may say what the
# worker told: never for the company; nor the case a duplicate duplicates, which may be in
# another member's supply chain.
_STAFF_DETAILS = frozenset({"indicators", "reasons", "override_reason", "officer",
                            "organisation", "language", "identity_shareable",
                            "severity", "explanation", "owner_org", "duplicate_of"})  # fmt: skip


def _redact(details: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in details.items() if k not in _STAFF_DETAILS}
