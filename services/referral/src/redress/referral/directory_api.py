"""The partner directory's admin API: partners, their webhook endpoints and secrets, and the
acknowledgement time frame. Officers read the directory to choose partners; admins keep it.

A webhook secret (`whsec_...`) is answered once, when an endpoint is added or its secret
rotated: it is derived, never stored (ADR 15), and no read shows it again.
"""

from __future__ import annotations

import secrets
from datetime import timedelta
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Path

from redress.events.application import execute
from redress.kit.auth import Principal
from redress.kit.authz import Action, allowed
from redress.kit.deps import Pool, metadata_for, permitted
from redress.kit.errors import Problem
from redress.kit.idempotency import Once, Retryable
from redress.kit.webhooks import Refused, parse_url
from redress.referral import directory as dr
from redress.referral import queries as q
from redress.referral import requests as r
from redress.referral.context import Desk, ReferralDesk
from redress.referral.policies import directory, directory_stream
from redress.referral.secrets import new_secret_id, webhook_secret

router = APIRouter(prefix="/v1", tags=["partners"])
Reader = Annotated[Principal, Depends(permitted(Action.partner_directory_read))]
Admin = Annotated[Principal, Depends(permitted(Action.partner_directory_manage))]
PartnerId = Annotated[str, Path(pattern=r.PARTNER_ID, max_length=100)]
EndpointId = Annotated[str, Path(pattern=r.ENDPOINT_ID, max_length=50)]
SCHEMA = "referral"


async def record(
    desk: Desk, p: Principal, command: dr.Command, retry: Any = None, answer: Any = None
) -> Any:
    """Decide `command` on the directory as the log has it and append; once per key."""
    stream = directory_stream(p.tenant)

    def answered(done: Any) -> Any:
        return answer(done) if answer else r.Directoried(stream=stream, version=done.version)

    once = Once.of(retry, SCHEMA, p, answered)
    decide = dr.DIRECTORY.deciding(stream, command)
    done = await execute(desk.store, stream, decide, metadata_for(p), transaction=once)
    return done.earlier if done.earlier is not None else answered(done)


@router.get("/partners")
async def partners(p: Reader, pool: Pool) -> dict[str, Any]:
    """The initiative's partners: kind, countries served, what they handle, languages."""
    async with pool.acquire() as conn:
        return {"items": await q.partners(conn, p.tenant)}


@router.get("/partners/{partner_id}")
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
    command = dr.RegisterPartner(
        partner_id, body.name, body.kind, tuple(body.countries), tuple(body.indicators),
        tuple(body.categories), tuple(body.languages), tuple(body.services), body.contact,
    )  # fmt: skip
    return r.Directoried.model_validate(await record(desk, p, command))


@router.post("/partners/{partner_id}/retire", response_model=r.Directoried)
async def retire(partner_id: PartnerId, p: Admin, desk: ReferralDesk) -> r.Directoried:
    """Retire a partner: no longer suggested or chosen, and its tokens reach nothing more."""
    return r.Directoried.model_validate(await record(desk, p, dr.RetirePartner(partner_id)))


@router.post("/partners/{partner_id}/endpoints", response_model=r.Secret, status_code=201)
async def add_endpoint(
    partner_id: PartnerId,
    body: r.EndpointBody,
    p: Admin,
    desk: ReferralDesk,
    retry: Retryable = None,
) -> r.Secret:
    """Register a URL the partner receives webhooks at; its signing secret is answered once."""
    endpoint_id, secret_id = f"ep_{secrets.token_urlsafe(12)}", new_secret_id()
    plain_http = desk.referrals.plain_http
    try:  # what the delivery would refuse at every attempt is refused here, before it is kept
        parse_url(body.url, allow_private=plain_http)
    except Refused as exc:
        raise dr.DirectoryRefused("bad-url", str(exc)) from None
    command = dr.AddEndpoint(partner_id, endpoint_id, body.url, secret_id, plain_http)
    key = desk.referrals.webhook_key

    def answer(done: Any) -> r.Secret:
        secret = webhook_secret(key, p.tenant, partner_id, endpoint_id, secret_id)
        return r.Secret(endpoint_id=endpoint_id, secret=secret, stream=done.stream,
                        version=done.version)  # fmt: skip

    return r.Secret.model_validate(await record(desk, p, command, retry, answer))


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
    secret_id, now = new_secret_id(), desk.referrals.now()
    overlap = timedelta(hours=body.overlap_hours)
    command = dr.RotateSecret(partner_id, endpoint_id, secret_id, now, overlap)
    key = desk.referrals.webhook_key

    def answer(done: Any) -> r.Secret:
        secret = webhook_secret(key, p.tenant, partner_id, endpoint_id, secret_id)
        return r.Secret(endpoint_id=endpoint_id, secret=secret, previous_until=now + overlap,
                        stream=done.stream, version=done.version)  # fmt: skip

    return r.Secret.model_validate(await record(desk, p, command, retry, answer))


@router.delete("/partners/{partner_id}/endpoints/{endpoint_id}", response_model=r.Directoried)
async def remove_endpoint(
    partner_id: PartnerId, endpoint_id: EndpointId, p: Admin, desk: ReferralDesk
) -> r.Directoried:
    """Stop sending webhooks to this endpoint."""
    command = dr.RemoveEndpoint(partner_id, endpoint_id)
    return r.Directoried.model_validate(await record(desk, p, command))


@router.get("/referral-settings")
async def settings(p: Reader, desk: ReferralDesk) -> dict[str, Any]:
    """How many hours a partner has to acknowledge a referral (72 unless set)."""
    return {"acknowledge_hours": (await directory(desk.store, p.tenant)).acknowledge_hours}


@router.put("/referral-settings", response_model=r.Directoried)
async def set_settings(body: r.SettingsBody, p: Admin, desk: ReferralDesk) -> r.Directoried:
    """Set how many hours a partner has to acknowledge a referral (1 to 720)."""
    command = dr.SetAcknowledgeHours(body.acknowledge_hours)
    return r.Directoried.model_validate(await record(desk, p, command))
