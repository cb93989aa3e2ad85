"""Officers review a decision the worker asked to have reviewed: `/v1/cases/{case_id}/review`."""

from __future__ import annotations

from fastapi import APIRouter

from redress.cases import oversight_handlers as h
from redress.cases.api import Officer
from redress.cases.commands import ReviewBody, Written
from redress.cases.context import CaseDesk
from redress.kit.idempotency import Retryable

router = APIRouter(prefix="/v1/cases", tags=["cases"])


@router.post("/{case_id}/review", response_model=Written)
async def review(
    case_id: str, body: ReviewBody, p: Officer, desk: CaseDesk, retry: Retryable = None
) -> Written:
    """Uphold the decision (it stands) or reverse it (the case is taken up again, at
    verification); the result and its reasons reach the worker's status page.

    409 `no-review` when the worker has not asked for a review, `own-decision` when the
    caller took the decision under review: another officer must review it.
    """
    return await h.review(desk, p, case_id, body, retry)
