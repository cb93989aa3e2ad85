"""Officers verify a grievance and determine the response (IOM steps 1 and 2)."""

from __future__ import annotations

from fastapi import APIRouter

from redress.cases import commands as c
from redress.cases import oversight_handlers as h
from redress.cases import verification
from redress.cases.api import Officer
from redress.cases.context import CaseDesk
from redress.kit.idempotency import Retryable
from redress.kit.openapi import answers

router = APIRouter(prefix="/v1/cases", tags=["cases"])


@router.post("/{case_id}/findings", response_model=c.Written, responses=answers(404, 409, 422))
async def record_finding(
    case_id: str, body: c.FindingBody, p: Officer, desk: CaseDesk, retry: Retryable = None
) -> c.Written:
    """Record what verification found and from where (sealed with the worker's key).

    409 `wrong-stage` unless the case is in verification.
    """
    return await h.record_finding(desk, p, case_id, body, retry)


@router.post("/{case_id}/verification", response_model=c.Written, responses=answers(404, 409, 422))
async def decide_verification(
    case_id: str, body: c.VerificationBody, p: Officer, desk: CaseDesk, retry: Retryable = None
) -> c.Written:
    """Decide whether the findings bear the grievance out; a later decision replaces it.

    409 `no-findings` before any finding, `wrong-stage` unless the case is in verification.
    """
    command = verification.DecideVerification(body.decision, body.reasons)
    return await h.verify(desk, p, case_id, command, retry)


@router.post("/{case_id}/response", response_model=c.Written, responses=answers(404, 409, 422))
async def determine_response(
    case_id: str, body: c.ResponseBody, p: Officer, desk: CaseDesk, retry: Retryable = None
) -> c.Written:
    """Determine the response: its level, the company's involvement in the harm, and whether
    the State, law enforcement or a referral is needed (a referral is then recommended to the
    referral service, once per case).

    409 `not-verified` before verification's decision, `wrong-stage` unless at the response.
    """
    command = verification.DetermineResponse(
        body.level, body.involvement, body.state_needed, body.law_enforcement_needed,
        body.referral_needed, body.reasons,
    )  # fmt: skip
    return await h.verify(desk, p, case_id, command, retry)
