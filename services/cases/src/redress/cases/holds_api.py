"""Officers place and release legal holds: `/v1/cases/{case_id}/legal-hold`."""

from __future__ import annotations

from fastapi import APIRouter

from redress.cases import handlers as h
from redress.cases import holds
from redress.cases.api import Officer
from redress.cases.commands import Body, Written
from redress.cases.context import CaseDesk
from redress.events.catalogue.case import HoldGrounds
from redress.kit.idempotency import Retryable

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
