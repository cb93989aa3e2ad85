"""Beside the process: legal holds (`/v1/cases/{case_id}/legal-hold`) and corrections of
what a grievance was filed as (`/v1/cases/{case_id}/corrections`)."""

from __future__ import annotations

from fastapi import APIRouter

from redress.cases import holds
from redress.cases import oversight_handlers as h
from redress.cases.api import Officer
from redress.cases.commands import Body, CorrectionBody, Written
from redress.cases.context import CaseDesk
from redress.events.catalogue.case_oversight import HoldGrounds
from redress.kit.idempotency import Retryable
from redress.kit.openapi import answers

router = APIRouter(prefix="/v1/cases", tags=["cases"])


class HoldBody(Body):
    grounds: HoldGrounds


@router.post("/{case_id}/legal-hold", response_model=Written)
async def place_hold(
    case_id: str, body: HoldBody, p: Officer, desk: CaseDesk, retry: Retryable = None
) -> Written:
    """Keep the case's personal data past the retention period until the hold is released.

    409 when the case is already under a hold.
    """
    return await h.hold(desk, p, case_id, holds.PlaceLegalHold(body.grounds), retry)


@router.post("/{case_id}/legal-hold/release", response_model=Written)
async def release_hold(
    case_id: str, p: Officer, desk: CaseDesk, retry: Retryable = None
) -> Written:
    """Release the hold: retention applies again, from the case's closure.

    409 when the case is not under a hold.
    """
    return await h.hold(desk, p, case_id, holds.ReleaseLegalHold(), retry)


@router.post("/{case_id}/corrections", response_model=Written, responses=answers(404, 409, 422))
async def correct(
    case_id: str, body: CorrectionBody, p: Officer, desk: CaseDesk, retry: Retryable = None
) -> Written:
    """Correct the grievance's category, country, site or language, with the reason.

    The queue, the case and the member companies who see it follow; triage weighs the
    corrected category. 409 `no-change` when nothing differs, 422 `unknown-site`.
    """
    return await h.correct(desk, p, case_id, body, retry)
