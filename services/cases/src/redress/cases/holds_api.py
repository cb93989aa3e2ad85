"""Officers place and release legal holds: `/v1/cases/{case_id}/legal-hold`."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter

from redress.cases import holds
from redress.cases.api import Officer, write
from redress.cases.commands import Body, Written
from redress.events.catalogue.case import HoldGrounds
from redress.events.envelope import Event
from redress.kit.deps import Store
from redress.kit.idempotency import Retryable

router = APIRouter(prefix="/v1/cases", tags=["cases"])

_PROBLEMS: dict[int | str, dict[str, Any]] = {
    code: {"description": text, "content": {"application/problem+json": {}}}
    for code, text in {401: "no or bad token", 403: "role not allowed", 404: "unknown case",
                       409: "already held, or not held", 422: "invalid input"}.items()
}  # fmt: skip


class HoldBody(Body):
    grounds: HoldGrounds


async def _run(
    store: Store,
    p: Officer,
    case_id: str,
    command: holds.PlaceLegalHold | holds.ReleaseLegalHold,
    retry: Retryable,
) -> Written:
    def decide(events: list[Event]) -> list[Any]:
        return list(holds.decide(command, [e.data for e in events]))

    return await write(store, p, case_id, decide, retry)


@router.post("/{case_id}/legal-hold", response_model=Written, responses=_PROBLEMS)
async def place_hold(
    case_id: str, body: HoldBody, p: Officer, store: Store, retry: Retryable = None
) -> Written:
    """Keep the case's personal data past the retention period until the hold is released."""
    return await _run(store, p, case_id, holds.PlaceLegalHold(body.grounds), retry)


@router.post("/{case_id}/legal-hold/release", response_model=Written, responses=_PROBLEMS)
async def release_hold(case_id: str, p: Officer, store: Store, retry: Retryable = None) -> Written:
    """Release the hold: retention applies again, from the case's closure."""
    return await _run(store, p, case_id, holds.ReleaseLegalHold(), retry)
