"""The cases API's commands on a case: each route parses and authorises, the handler
decides and appends."""

from __future__ import annotations

from fastapi import APIRouter

from redress.cases import commands as c
from redress.cases import handlers as h
from redress.cases.access import Officer, PlanAdder, PlanEditor
from redress.cases.context import CaseDesk
from redress.kit.idempotency import Retryable

router = APIRouter(prefix="/v1/cases", tags=["cases"])


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


@router.post("/{case_id}/actions", response_model=c.ActionAdded, status_code=201)
async def add_action(
    case_id: str, body: c.ActionBody, p: PlanAdder, desk: CaseDesk, retry: Retryable = None
) -> c.ActionAdded:
    """Add an action to the remediation plan, owned by the case's party of `owner`: its member
    company, its supplier (the site), its facilitator, or the initiative (for a party the
    case has none of yet, the one it gets). A member company adds actions for itself or its
    supplier only (403 `not-your-action`). The answer names the new action (`action_id`),
    whose progress is reported at `/v1/cases/{case_id}/actions/{action_id}`."""
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
    """Report progress on an action, with evidence; `done` ends it. A member company reports
    on its own and its supplier's actions (403 `not-your-action` on others); a supplier or
    facilitator on the actions it owns only (any other is unknown to it)."""
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
