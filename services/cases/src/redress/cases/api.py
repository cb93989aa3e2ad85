"""The JSON API of cases: commands on a case, the queue, case details and timelines."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import asdict
from datetime import date, datetime
from functools import reduce
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import JSONResponse

from redress.cases import commands as c
from redress.cases import domain as d
from redress.cases import queries as q
from redress.cases import reads
from redress.cases.context import CasesContext
from redress.cases.policies import frames
from redress.cases.projections import CaseViews
from redress.events.catalogue.case import CaseOpened
from redress.events.catalogue.grievance import Sealed
from redress.events.catalogue.indicators import ALIASES, VOCABULARY
from redress.events.envelope import Event
from redress.events.ids import new_id
from redress.events.projection import wait_for_version
from redress.events.store import Conn, EventStore
from redress.kit import cursor as kit_cursor
from redress.kit.auth import Principal
from redress.kit.authz import Action, allowed
from redress.kit.crypto import KeyErased, grievance_key_id
from redress.kit.deps import CurrentPrincipal, Pool, Store, authorise, metadata_for, permitted
from redress.kit.errors import Problem
from redress.kit.idempotency import Replay, Retry, Retryable
from redress.kit.text import Line

router = APIRouter(prefix="/v1/cases", tags=["cases"])
Officer = Annotated[Principal, Depends(permitted(Action.case_manage))]
PlanEditor = Annotated[Principal, Depends(permitted(Action.plan_action_update))]
Reader = Annotated[Principal, Depends(permitted(Action.case_read))]
VIEWS = CaseViews()
NOT_FOUND = "there is no such case"
SCHEMA = "cases"


def is_member(principal: Principal) -> bool:
    """Reads cases of its own supply chain only, redacted (decided by the authz table)."""
    return allowed(principal.roles, Action.case_read_redacted) and not allowed(
        principal.roles, Action.case_read
    )


def may_read(principal: Principal) -> Principal:
    """The principal authorised to read cases, in full (staff) or redacted (members)."""
    if not (allowed(principal.roles, Action.case_read) or is_member(principal)):
        raise Problem(403, "forbidden", "your roles do not allow reading cases")
    named(principal)
    return authorise(
        principal, Action.case_read_redacted if is_member(principal) else Action.case_read
    )


def named(principal: Principal) -> None:
    """A member company reaches its own supply chain only: its token must say which it is."""
    if is_member(principal) and not principal.org:
        raise Problem(403, "forbidden", "a member company's token must name its organisation")


async def case_events(store: EventStore, principal: Principal, case_id: str) -> list[Event]:
    """The case's events; 404 for another tenant's case, or a member's outside its chain."""
    named(principal)
    events = await store.read_stream(case_id) if case_id.startswith("case-") else []
    opened = events[0].data if events else None
    if not isinstance(opened, CaseOpened) or events[0].tenant != principal.tenant:
        raise Problem(404, "not-found", NOT_FOUND)
    if is_member(principal) and opened.member_org != principal.org:
        raise Problem(404, "not-found", NOT_FOUND)
    return events


Decision = Callable[[list[Event]], list[Any]]


async def run(
    store: EventStore,
    principal: Principal,
    case_id: str,
    *commands: Any,
    retry: Retry | None = None,
) -> c.Written:
    """Decide commands on the case as the log has it, and append all they decide at once."""

    def decide(events: list[Event]) -> list[Any]:
        state = d.fold([e.data for e in events])
        new: list[Any] = []
        for command in commands:
            decided = d.decide(command, state)
            state, new = reduce(d.evolve, decided, state), new + decided
        return new

    return await write(store, principal, case_id, decide, retry)


async def write(
    store: EventStore, principal: Principal, case_id: str, decide: Decision, retry: Retry | None
) -> c.Written:
    """Append what `decide` makes of the case's events; with an Idempotency-Key, once.

    The key is claimed before the case is read: a retry of a write that went through gets
    its first answer, not a refusal decided on the state that write left.
    """
    if retry is None or retry.key is None:
        return await _decide_and_append(store, principal, case_id, decide, None)
    async with retry.pool.acquire() as conn, conn.transaction():
        first = await retry.claim(conn, SCHEMA, principal)
        if isinstance(first, Replay):
            return c.Written.model_validate(first.answer)
        written = await _decide_and_append(store, principal, case_id, decide, conn)
        if first:
            await first.remember(conn, written, retry.status)
    return written


async def _decide_and_append(
    store: EventStore, principal: Principal, case_id: str, decide: Decision, conn: Conn | None
) -> c.Written:
    events = await case_events(store, principal, case_id)
    try:
        new = decide(events)
    except d.CaseRefused as exc:
        raise Problem(409, exc.kind, exc.detail) from None
    if not new:
        return c.Written(case_id=case_id, version=len(events))
    done = await store.append(case_id, new, len(events), metadata_for(principal), conn=conn)
    return c.Written(case_id=case_id, version=done.version)


async def tenant_frames(pool: Pool, tenant: str) -> d.TimeFrames:
    async with pool.acquire() as conn:
        return await frames(conn, tenant)


def today(cases: CasesContext) -> date:
    return cases.clock.now().date()


@router.post("/{case_id}/triage", response_model=c.Written)
async def triage(
    case_id: str, body: c.TriageBody, p: Officer, store: Store, retry: Retryable = None
) -> c.Written:
    """Record risk indicators and a severity; trafficking, forced or child labour escalate."""
    command = d.Triage(tuple(body.indicators), body.severity, body.override_reason)
    return await run(store, p, case_id, command, retry=retry)


@router.post("/{case_id}/accept", response_model=c.Written)
async def accept(
    case_id: str, p: Officer, store: Store, pool: Pool, cases: CasesContext, retry: Retryable = None
) -> c.Written:
    command = d.Accept(today(cases), await tenant_frames(pool, p.tenant))
    return await run(store, p, case_id, command, retry=retry)


@router.post("/{case_id}/reject", response_model=c.Written)
async def reject(
    case_id: str, body: c.RejectBody, p: Officer, store: Store, retry: Retryable = None
) -> c.Written:
    return await run(store, p, case_id, d.Reject(body.grounds, body.explanation), retry=retry)


@router.post("/{case_id}/advance", response_model=c.Written)
async def advance(
    case_id: str,
    body: c.AdvanceBody,
    p: Officer,
    store: Store,
    pool: Pool,
    cases: CasesContext,
    retry: Retryable = None,
) -> c.Written:
    command = d.Advance(body.to, today(cases), await tenant_frames(pool, p.tenant))
    return await run(store, p, case_id, command, retry=retry)


@router.post("/{case_id}/actions", response_model=c.Written, status_code=201)
async def add_action(
    case_id: str, body: c.ActionBody, p: PlanEditor, store: Store, retry: Retryable = None
) -> c.Written:
    """Add an action to the remediation plan (member companies propose their own)."""
    command = d.AddAction(str(new_id()), body.remedy, body.owner, body.due_on, body.description)
    return await run(store, p, case_id, command, retry=retry)


@router.post("/{case_id}/actions/{action_id}", response_model=c.Written)
async def update_action(
    case_id: str,
    action_id: str,
    body: c.ActionUpdateBody,
    p: PlanEditor,
    store: Store,
    retry: Retryable = None,
) -> c.Written:
    """Report progress on an action, with evidence; `done` ends it."""
    command = d.UpdateAction(action_id, body.progress, body.evidence, body.done)
    return await run(store, p, case_id, command, retry=retry)


@router.post("/{case_id}/assign", response_model=c.Written)
async def assign(
    case_id: str, body: c.AssignBody, p: Officer, store: Store, retry: Retryable = None
) -> c.Written:
    command: Any = (
        d.AssignOfficer(body.officer)
        if isinstance(body, c.AssignOfficerBody)
        else d.AssignFacilitator(body.facilitator)
    )
    return await run(store, p, case_id, command, retry=retry)


async def seal_for_grievance(
    pool: Pool, cases: CasesContext, store: Store, case_id: str, text: str, p: Principal
) -> Sealed:
    opened = (await case_events(store, p, case_id))[0].data
    assert isinstance(opened, CaseOpened)
    try:
        async with pool.acquire() as conn:
            key = await cases.keyring.get(conn, grievance_key_id(opened.grievance_id))
    except KeyErased:
        detail = "the worker erased their data: nothing more can be sealed for them"
        raise Problem(409, "personal-data-erased", detail) from None
    return key.seal(text.encode())


@router.post("/{case_id}/messages", response_model=c.Written, status_code=201)
async def message_worker(
    case_id: str,
    body: c.TextBody,
    p: Officer,
    store: Store,
    pool: Pool,
    cases: CasesContext,
    retry: Retryable = None,
) -> c.Written:
    """Write to the worker: they read it with their receipt, sealed like their own words."""
    sealed = await seal_for_grievance(pool, cases, store, case_id, body.text, p)
    return await run(store, p, case_id, d.MessageWorker(sealed), retry=retry)


@router.post("/{case_id}/notes", response_model=c.Written, status_code=201)
async def add_note(
    case_id: str,
    body: c.TextBody,
    p: Officer,
    store: Store,
    pool: Pool,
    cases: CasesContext,
    retry: Retryable = None,
) -> c.Written:
    """An internal note: never shown to the worker or the company."""
    sealed = await seal_for_grievance(pool, cases, store, case_id, body.text, p)
    return await run(store, p, case_id, d.AddNote(sealed), retry=retry)


@router.post("/{case_id}/close", response_model=c.Written)
async def close(
    case_id: str, body: c.CloseBody, p: Officer, store: Store, retry: Retryable = None
) -> c.Written:
    commands: list[Any] = [d.Close(body.outcome)]
    if body.satisfaction is not None:  # in the same append: never closed without it
        commands.append(d.RecordSatisfaction(body.satisfaction, "callback"))
    return await run(store, p, case_id, *commands, retry=retry)


@router.post("/{case_id}/satisfaction", response_model=c.Written)
async def satisfaction(
    case_id: str, body: c.SatisfactionBody, p: Officer, store: Store, retry: Retryable = None
) -> c.Written:
    return await run(store, p, case_id, d.RecordSatisfaction(body.score, body.source), retry=retry)


@router.post("/{case_id}/lessons", response_model=c.Written)
async def lessons(
    case_id: str, body: c.LessonsBody, p: Officer, store: Store, retry: Retryable = None
) -> c.Written:
    return await run(store, p, case_id, d.RecordLessons(body.text, tuple(body.tags)), retry=retry)


@router.post("/{case_id}/reopen", response_model=c.Written)
async def reopen(
    case_id: str,
    body: c.ReopenBody,
    p: Officer,
    store: Store,
    pool: Pool,
    cases: CasesContext,
    retry: Retryable = None,
) -> c.Written:
    command = d.Reopen(body.reason, today(cases), await tenant_frames(pool, p.tenant))
    return await run(store, p, case_id, command, retry=retry)


# Queries.


# A member company sees neither severity, indicators nor referral: a buyer must not learn of
# a trafficking escalation before a safety plan exists (it could warn the supplier).
_MEMBER_COLUMNS = ("case_id", "category", "country", "site_id", "member_org", "status", "stage",
                   "stage_due", "deadline_missed", "outcome", "satisfaction", "opened_at",
                   "updated_at")  # fmt: skip
_STAFF_COLUMNS = (*_MEMBER_COLUMNS, "severity", "referral_recommended", "grievance_id",
                  "language", "officer", "facilitator", "indicators",
                  "identity_shareable")  # fmt: skip


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
        page = await q.queue(conn, p.tenant, filters, today(cases), cursor, limit)
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
            for a in await q.actions(conn, case_id, today(cases))
        ]
        if not member or row["identity_shareable"]:
            grievance = await q.personal(conn, cases.keyring, row["grievance_id"])
            if member and grievance:
                # Where a worker said they work is for the officer, even with consent.
                grievance.pop("site_text", None)
            body["grievance"] = grievance
        if not member:
            body["thread"] = [
                m | {"time": m["time"].isoformat()}
                for m in await q.thread(conn, cases.keyring, case_id)
            ]
    shown = reads.fields_shown(body.get("grievance"), body.get("thread", ()))
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
        for r in rows if r["type"] not in _STAFF_ENTRIES
    ]}  # fmt: skip


# What a member company's timeline leaves out: the same as its case view does (the worker's
# conversation and what the worker did, internal notes, triage and referral, who handles the
# case, the worker's language), and legal holds, whose grounds (litigation, a criminal
# investigation) may concern the member.
_STAFF_ENTRIES = ("InternalNoteAdded", "CaseTriaged", "MessageSentToWorker",
                  "ReferralRecommended", "WorkerMessagePosted", "GrievanceUpdated",
                  "AttachmentAdded", "WithdrawalRequested", "PersonalDataErased",
                  "LegalHoldPlaced", "LegalHoldReleased")  # fmt: skip
_STAFF_DETAILS = frozenset({"indicators", "reasons", "override_reason", "officer",
                            "organisation", "language", "identity_shareable",
                            "severity"})  # fmt: skip


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
