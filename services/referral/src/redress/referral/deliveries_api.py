"""The admin's API of deliveries: each endpoint's health and latest attempts, the dead letters
with redelivery and skipping, an endpoint enabled again, and the notices of endpoints the
delivery disabled. Admins only (`partner_directory.manage`): who a partner's endpoint failed
for is the directory's business, not an officer's.

Every POST takes an `Idempotency-Key`; what each does is in `delivery_handlers`, which the
console's pages call too, and each is recorded in the directory's stream (who, when).
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Path, Query

from redress.kit.auth import Principal
from redress.kit.authz import Action
from redress.kit.deps import permitted
from redress.kit.idempotency import Retryable
from redress.referral import delivery_handlers as dh
from redress.referral import delivery_models as m
from redress.referral import requests as r
from redress.referral.context import ReferralDesk

router = APIRouter(prefix="/v1", tags=["deliveries"])
Admin = Annotated[Principal, Depends(permitted(Action.partner_directory_manage))]
PartnerId = Annotated[str, Path(pattern=r.PARTNER_ID, max_length=100)]
EndpointId = Annotated[str, Path(pattern=r.ENDPOINT_ID, max_length=50)]
DeliveryId = Annotated[int, Path(ge=1, le=2**62)]


@router.get(
    "/partners/{partner_id}/endpoints/{endpoint_id}/deliveries", response_model=m.EndpointReport
)
async def endpoint_deliveries(
    partner_id: PartnerId,
    endpoint_id: EndpointId,
    p: Admin,
    desk: ReferralDesk,
    limit: Annotated[int, Query(ge=1, le=100)] = 20,
) -> m.EndpointReport:
    """The endpoint's health (`healthy`, `failing`, `breaker-open`, `disabled` and why), its
    dead letters, and its latest attempts, newest first: status and latency, never a body."""
    return await dh.endpoint_report(desk, p, partner_id, endpoint_id, limit)


@router.post("/partners/{partner_id}/endpoints/{endpoint_id}/enable", response_model=m.Intervened)
async def enable(
    partner_id: PartnerId,
    endpoint_id: EndpointId,
    p: Admin,
    desk: ReferralDesk,
    retry: Retryable = None,
) -> m.Intervened:
    """Send to an endpoint the delivery disabled again: its breaker is reset and what waited
    for it is due now (409 `endpoint-enabled` when it is not disabled)."""
    return await dh.enable(desk, p, partner_id, endpoint_id, retry)


@router.get("/dead-letters", response_model=m.DeadLetters)
async def dead_letters(
    p: Admin,
    desk: ReferralDesk,
    endpoint_id: Annotated[str | None, Query(pattern=r.ENDPOINT_ID, max_length=50)] = None,
    cursor: Annotated[int | None, Query(ge=0, le=2**62)] = None,
    limit: Annotated[int, Query(ge=1, le=100)] = dh.PAGE,
) -> m.DeadLetters:
    """Webhooks that gave up after 3 days of retries, oldest first, each with how many later
    webhooks of its referral it holds back; `next` is the cursor of the next page."""
    return await dh.dead_letters(desk, p, endpoint_id=endpoint_id, after=cursor, limit=limit)


@router.post("/dead-letters/{delivery_id}/redeliver", response_model=m.Intervened)
async def redeliver(
    delivery_id: DeliveryId, p: Admin, desk: ReferralDesk, retry: Retryable = None
) -> m.Intervened:
    """Try a dead letter again now, with the same webhook-id and a fresh retry schedule;
    its referral's later webhooks follow once it is delivered (409 `not-dead` otherwise)."""
    return await dh.redeliver(desk, p, delivery_id, retry)


@router.post("/dead-letters/{delivery_id}/skip", response_model=m.Intervened)
async def skip(
    delivery_id: DeliveryId, p: Admin, desk: ReferralDesk, retry: Retryable = None
) -> m.Intervened:
    """Give up on a dead letter for good: the partner never gets it, and its referral's later
    webhooks go out (409 `not-dead` when it is not a dead letter)."""
    return await dh.skip(desk, p, delivery_id, retry)


@router.get("/webhook-notices", response_model=m.Notices)
async def notices(p: Admin, desk: ReferralDesk) -> m.Notices:
    """Endpoints the delivery disabled (no success for 5 days, or a 410 Gone) that are
    still disabled: what an admin has to act on."""
    return await dh.notices(desk, p)
