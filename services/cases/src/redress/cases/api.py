"""The JSON API of cases: commands on a case, the queue, case details and timelines."""

from __future__ import annotations

from dataclasses import asdict
from datetime import date, datetime
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import JSONResponse

from redress.cases import commands as c
from redress.cases import domain as d
from redress.cases import handlers as h
from redress.cases import queries as q
from redress.cases import reads, referral_entries
from redress.cases.context import CaseDesk, CasesContext
from redress.cases.handlers import NOT_FOUND, case_events, is_member, named
from redress.cases.projections import CaseViews
from redress.events.catalogue.indicators import ALIASES, VOCABULARY
from redress.events.projection import wait_for_version
from redress.events.store import Conn, EventStore
from redress.kit import cursor as kit_cursor
from redress.kit.auth import Principal
from redress.kit.authz import Action, allowed
from redress.kit.deps import CurrentPrincipal, Pool, Store, authorise, permitted
from redress.kit.errors import Problem
from redress.kit.idempotency import Retryable
from redress.kit.text import Line

router = APIRouter(prefix="/v1/cases", tags=["cases"])
Officer = Annotated[Principal, Depends(permitted(Action.case_manage))]
PlanEditor = Annotated[Principal, Depends(permitted(Action.plan_action_update))]
Reader = Annotated[Principal, Depends(permitted(Action.case_read))]
VIEWS = CaseViews()


def may_read(principal: Principal) -> Principal:
    """The principal authorised to read cases, in full (staff) or redacted (members)."""
    if not (allowed(principal.roles, Action.case_read) or is_member(principal)):
        raise Problem(403, "forbidden", "your roles do not allow reading cases")
    named(principal)
    return authorise(
        principal, Action.case_read_redacted if is_member(principal) else Action.case_read
    )


# Commands: each route parses and authorises, the handler decides and appends.


@router.post("/{case_id}/triage", response_model=c.Written)
async def triage(
    case_id: str, body: c.TriageBody, p: Officer, desk: CaseDesk, retry: Retryable = None
) -> c.Written:
    """Record risk indicators and a severity; trafficking, forced or child labour escalate."""
    return await h.triage(desk, p, case_id, body, retry)


@router.post("/{case_id}/accept", response_model=c.Written)
async def accept(case_id: str, p: Officer, desk: CaseDesk, retry: Retryable = None) -> c.Written:
    """Take the grievance up: the case moves to verification, with its deadline."""
    return await h.accept(desk, p, case_id, retry)


@router.post("/{case_id}/reject", response_model=c.Written)
async def reject(
    case_id: str, body: c.RejectBody, p: Officer, desk: CaseDesk, retry: Retryable = None
) -> c.Written:
    """Reject the grievance on stated grounds, with an explanation."""
    return await h.reject(desk, p, case_id, body, retry)


@router.post("/{case_id}/advance", response_model=c.Written)
async def advance(
    case_id: str, body: c.AdvanceBody, p: Officer, desk: CaseDesk, retry: Retryable = None
) -> c.Written:
    """Move the case to the next stage of the six, with that stage's deadline."""
    return await h.advance(desk, p, case_id, body, retry)


@router.post("/{case_id}/actions", response_model=c.Written, status_code=201)
async def add_action(
    case_id: str, body: c.ActionBody, p: PlanEditor, desk: CaseDesk, retry: Retryable = None
) -> c.Written:
    """Add an action to the remediation plan (member companies propose their own)."""
    return await h.add_action(desk, p, case_id, body, retry)


@router.post("/{case_id}/actions/{action_id}", response_model=c.Written)
async def update_action(
    case_id: str,
    action_id: str,
    body: c.ActionUpdateBody,
    p: PlanEditor,
    desk: CaseDesk,
    retry: Retryable = None,
) -> c.Written:
    """Report progress on an action, with evidence; `done` ends it."""
    return await h.update_action(desk, p, case_id, action_id, body, retry)


@router.post("/{case_id}/assign", response_model=c.Written)
async def assign(
    case_id: str, body: c.AssignBody, p: Officer, desk: CaseDesk, retry: Retryable = None
) -> c.Written:
    """Assign the case's officer, or a facilitator for dialogue."""
    return await h.assign(desk, p, case_id, body, retry)


@router.post("/{case_id}/messages", response_model=c.Written, status_code=201)
async def message_worker(
    case_id: str, body: c.TextBody, p: Officer, desk: CaseDesk, retry: Retryable = None
) -> c.Written:
    """Write to the worker: they read it with their receipt, sealed like their own words."""
    return await h.message_worker(desk, p, case_id, body, retry)


@router.post("/{case_id}/notes", response_model=c.Written, status_code=201)
async def add_note(
    case_id: str, body: c.TextBody, p: Officer, desk: CaseDesk, retry: Retryable = None
) -> c.Written:
    """An internal note: never shown to the worker or the company."""
    return await h.add_note(desk, p, case_id, body, retry)


@router.post("/{case_id}/close", response_model=c.Written)
async def close(
    case_id: str, body: c.CloseBody, p: Officer, desk: CaseDesk, retry: Retryable = None
) -> c.Written:
    """Close the case with its outcome (and the worker's satisfaction from a callback)."""
    return await h.close(desk, p, case_id, body, retry)


@router.post("/{case_id}/satisfaction", response_model=c.Written)
async def satisfaction(
    case_id: str, body: c.SatisfactionBody, p: Officer, desk: CaseDesk, retry: Retryable = None
) -> c.Written:
    """Record how satisfied the worker is with the outcome."""
    return await h.satisfaction(desk, p, case_id, body, retry)


@router.post("/{case_id}/lessons", response_model=c.Written)
async def lessons(
    case_id: str, body: c.LessonsBody, p: Officer, desk: CaseDesk, retry: Retryable = None
) -> c.Written:
    """Record the lessons learned from the case, with tags."""
    return await h.lessons(desk, p, case_id, body, retry)


@router.post("/{case_id}/reopen", response_model=c.Written)
async def reopen(
    case_id: str, body: c.ReopenBody, p: Officer, desk: CaseDesk, retry: Retryable = None
) -> c.Written:
    """Open a closed case again, with the reason."""
    return await h.reopen(desk, p, case_id, body, retry)


# Queries.


# A member company sees neither severity, indicators nor referral: a buyer must not learn of
# a trafficking escalation before a safety plan exists (it could warn the supplier).
_MEMBER_COLUMNS = ("case_id", "category", "country", "site_id", "member_org", "status", "stage",
                   "stage_due", "deadline_missed", "outcome", "satisfaction", "opened_at",
                   "updated_at")  # fmt: skip
_STAFF_COLUMNS = (*_MEMBER_COLUMNS, "severity", "referral_recommended", "grievance_id",
                  "language", "officer", "facilitator", "indicators",
                  "identity_shareable", "contact_consented", "grounds")  # fmt: skip


def _jsonable(row: Any, columns: tuple[str, ...]) -> dict[str, Any]:
    out = {}
    for k in columns:
        v = row[k]
        out[k] = v.isoformat() if isinstance(v, date | datetime) else v
    return out


@router.get("")
async def queue(
    p: CurrentPrincipal,
    pool: Pool,
    cases: CasesContext,
    stage: d.Stage | None = None,
    severity: d.Severity | None = None,
    officer: Annotated[Line | None, Query(max_length=200)] = None,
    overdue: bool | None = None,
    cursor: Annotated[str | None, kit_cursor.query(q.POSITION)] = None,
    limit: Annotated[int, Query(ge=1, le=200)] = 50,
) -> dict[str, Any]:
    """The queue: filter by stage, severity, officer and overdue; `next` pages on."""
    p = may_read(p)
    member = is_member(p)
    if member and (severity is not None or officer is not None):
        # Refused whatever the value: a filter that answered would tell which cases escalated
        # (by severity, or by the officer who handles trafficking cases).
        raise Problem(
            403, "forbidden", "member companies may not filter cases by severity or officer"
        )
    filters = q.QueueFilter(stage, severity, officer, overdue, p.org if member else None)
    async with pool.acquire() as conn:
        page = await q.queue(conn, p.tenant, filters, cases.today(), cursor, limit)
    columns = _MEMBER_COLUMNS if member else _STAFF_COLUMNS
    return {"items": [_jsonable(r, columns) for r in page.rows], "next": page.next}


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
        return JSONResponse(
            {"detail": "not yet readable; retry"}, 202, headers={"Retry-After": "1"}
        )
    return None


async def _row(conn: Conn, p: Principal, case_id: str) -> Any:
    row = await q.case_row(conn, p.tenant, case_id)
    if row is None or (is_member(p) and row["member_org"] != p.org):
        raise Problem(404, "not-found", NOT_FOUND)
    return row


@router.get("/{case_id}")
async def detail(
    case_id: str,
    p: CurrentPrincipal,
    pool: Pool,
    store: Store,
    cases: CasesContext,
    min_version: Annotated[int | None, Query(ge=1)] = None,
) -> Any:
    """A case with its plan and thread; members see a redacted view of their own cases."""
    p = may_read(p)
    if waiting := await _readable(pool, store, p, case_id, min_version):
        return waiting
    async with pool.acquire() as conn:
        row = await _row(conn, p, case_id)
        member = is_member(p)
        body = _jsonable(row, _MEMBER_COLUMNS if member else _STAFF_COLUMNS)
        body["actions"] = [
            _jsonable(a, (*q.ACTION_COLUMNS, "overdue"))
            for a in await q.actions(conn, case_id, cases.today())
        ]
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
                f | {"time": f["time"].isoformat()}
                for f in await q.findings(conn, cases.keyring, case_id)
            ]
            steps = await q.determinations(conn, case_id)
            body["verification"] = steps.get("verification")
            body["response"] = steps.get("response")
    shown = reads.fields_shown(
        body.get("grievance"), body.get("thread", ()), body.get("findings", ())
    )
    await reads.record(store, p, case_id, row["grievance_id"], shown, "api")
    return body


@router.get("/{case_id}/reads")
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


@router.get("/{case_id}/timeline")
async def timeline(
    case_id: str,
    p: CurrentPrincipal,
    pool: Pool,
    store: Store,
    min_version: Annotated[int | None, Query(ge=1)] = None,
) -> Any:
    """What happened to the case, in order (internal notes and messages only as entries)."""
    p = may_read(p)
    if waiting := await _readable(pool, store, p, case_id, min_version):
        return waiting
    async with pool.acquire() as conn:
        await _row(conn, p, case_id)
        rows = await q.timeline(conn, case_id)
    if not is_member(p):
        return {"items": [r | {"time": r["time"].isoformat()} for r in rows]}
    # A member sees what happened, not who of the staff did it, nor staff-only entries.
    return {"items": [
        {k: v for k, v in r.items() if k != "actor_id"}
        | {"time": r["time"].isoformat(), "details": _redact(r["details"])}
        for r in rows
        if r["type"] not in _STAFF_ENTRIES and r["type"] not in referral_entries.MEMBER_HIDDEN
    ]}  # fmt: skip


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
                  "VerificationFindingRecorded", "VerificationDecided",
                  "ResponseDetermined", "GrievanceCorrected",
                  "RetaliationAlertRaised", "RepresentativeRecorded")  # fmt: skip
# The officer's explanation of a rejection is written for the worker, and may say what the
# worker told: never for the company.
_STAFF_DETAILS = frozenset({"indicators", "reasons", "override_reason", "officer",
                            "organisation", "language", "identity_shareable",
                            "severity", "explanation"})  # fmt: skip


def _redact(details: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in details.items() if k not in _STAFF_DETAILS}


def _suggestions(category: str) -> list[str]:
    return list(d.SUGGESTED.get(category, ()))


indicators_router = APIRouter(prefix="/v1", tags=["cases"])


@indicators_router.get("/indicators")
async def indicators(
    request: Request, p: Reader, category: Annotated[Line | None, Query(max_length=50)] = None
) -> dict[str, Any]:
    """The risk indicators an officer may record, and those the category suggests (staff).

    `vocabulary` maps each to the Recommendation 3 benchmark (1-17) and the ILO indicator of
    forced labour it stands for (null where it has none); `aliases` are older codes still
    accepted, recorded under the code they name.
    """
    return {
        "known": sorted(d.KNOWN_INDICATORS),
        "suggested": _suggestions(category or ""),
        "vocabulary": [asdict(i) for i in VOCABULARY],
        "aliases": ALIASES,
    }
