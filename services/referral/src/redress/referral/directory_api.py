"""The partner directory's admin API: partners, their webhook endpoints and secrets, and the
acknowledgement time frame. Officers read the directory to choose partners; admins keep it.

A webhook secret (`whsec_...`) is answered once, when an endpoint is added or its secret
rotated: it is derived, never stored (ADR 15), and no read shows it again. What each change
does is in `directory_handlers`, which the console's pages call too.
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Path

from redress.kit.auth import Principal
from redress.kit.authz import Action, allowed
from redress.kit.deps import Pool, permitted
from redress.kit.errors import Problem
from redress.kit.idempotency import Retryable
from redress.kit.openapi import documented
from redress.referral import directory_handlers as dh
from redress.referral import queries as q
from redress.referral import read_answers as a
from redress.referral import requests as r
from redress.referral.context import ReferralDesk
from redress.referral.policies import directory

router = APIRouter(prefix="/v1", tags=["partners"])
Reader = Annotated[Principal, Depends(permitted(Action.partner_directory_read))]
Admin = Annotated[Principal, Depends(permitted(Action.partner_directory_manage))]
PartnerId = Annotated[str, Path(pattern=r.PARTNER_ID, max_length=100)]
EndpointId = Annotated[str, Path(pattern=r.ENDPOINT_ID, max_length=50)]


@router.get("/partners", responses=documented(a.Partners, "The initiative's partners"))
async def partners(p: Reader, pool: Pool) -> dict[str, Any]:
    """The initiative's partners: kind, countries served, what they handle, languages."""
    async with pool.acquire() as conn:
        return {"items": await q.partners(conn, p.tenant)}


@router.get(
    "/partners/{partner_id}",
    responses=documented(a.Partner, "The partner; its endpoints for admins only"),
)
async def partner(partner_id: PartnerId, p: Reader, pool: Pool) -> dict[str, Any]:
    """A partner; admins also see its webhook endpoints (never a secret)."""
    async with pool.acquire() as conn:
        found = [x for x in await q.partners(conn, p.tenant) if x["partner_id"] == partner_id]
        if not found:
            raise Problem(404, "not-found", "there is no such partner")
        if not allowed(p.roles, Action.partner_directory_manage):
            return found[0]
        return found[0] | {"endpoints": await q.endpoints(conn, p.tenant, partner_id)}


@router.put("/partners/{partner_id}", response_model=r.Directoried)
async def register(
    partner_id: PartnerId, body: r.PartnerBody, p: Admin, desk: ReferralDesk
) -> r.Directoried:
    """Add a partner to the directory, or say again what it is (all given)."""
    return await dh.register(desk, p, partner_id, body)


@router.post("/partners/{partner_id}/retire", response_model=r.Directoried)
async def retire(
    partner_id: PartnerId, p: Admin, desk: ReferralDesk, retry: Retryable = None
) -> r.Directoried:
    """Retire a partner: no longer suggested or chosen, and its tokens reach nothing more."""
    return await dh.retire(desk, p, partner_id, retry)


@router.post("/partners/{partner_id}/endpoints", response_model=r.Secret, status_code=201)
async def add_endpoint(
    partner_id: PartnerId,
    body: r.EndpointBody,
    p: Admin,
    desk: ReferralDesk,
    retry: Retryable = None,
) -> r.Secret:
    """Register a URL the partner receives webhooks at; its signing secret is answered once."""
    return await dh.add_endpoint(desk, p, partner_id, body, retry)


@router.post("/partners/{partner_id}/endpoints/{endpoint_id}/rotate", response_model=r.Secret)
async def rotate(
    partner_id: PartnerId,
    endpoint_id: EndpointId,
    body: r.RotationBody,
    p: Admin,
    desk: ReferralDesk,
    retry: Retryable = None,
) -> r.Secret:
    """A new signing secret, answered once; the previous one signs too for `overlap_hours`."""
    return await dh.rotate(desk, p, partner_id, endpoint_id, body, retry)


@router.delete("/partners/{partner_id}/endpoints/{endpoint_id}", response_model=r.Directoried)
async def remove_endpoint(
    partner_id: PartnerId, endpoint_id: EndpointId, p: Admin, desk: ReferralDesk
) -> r.Directoried:
    """Stop sending webhooks to this endpoint."""
    return await dh.remove_endpoint(desk, p, partner_id, endpoint_id)


@router.get(
    "/referral-settings",
    responses=documented(a.Settings, "The acknowledgement time frame"),
)
async def settings(p: Reader, desk: ReferralDesk) -> dict[str, Any]:
    """How many hours a partner has to acknowledge a referral (72 unless set)."""
    return {"acknowledge_hours": (await directory(desk.store, p.tenant)).acknowledge_hours}


@router.put("/referral-settings", response_model=r.Directoried)
async def set_settings(body: r.SettingsBody, p: Admin, desk: ReferralDesk) -> r.Directoried:
    """Set how many hours a partner has to acknowledge a referral (1 to 720)."""
    return await dh.set_hours(desk, p, body)
