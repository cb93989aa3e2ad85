"""The officer's JSON API of referrals: the queue, a referral with its suggested partners, and
what officers (and operators, for consent) do to it."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Path, Query

from redress.events.projection import wait_for_version
from redress.kit import cursor as kit_cursor
from redress.kit.auth import Principal
from redress.kit.authz import Action
from redress.kit.deps import Pool, permitted
from redress.kit.errors import Problem
from redress.kit.idempotency import Retryable
from redress.kit.openapi import MinVersion, documented, not_yet_readable
from redress.referral import handlers as h
from redress.referral import queries as q
from redress.referral import read_answers as a
from redress.referral import requests as r
from redress.referral.context import ReferralDesk
from redress.referral.projections import ReferralViews
from redress.referral.state import Status

router = APIRouter(prefix="/v1/referrals", tags=["referrals"])
Reader = Annotated[Principal, Depends(permitted(Action.referral_read))]
Officer = Annotated[Principal, Depends(permitted(Action.referral_manage))]
ConsentRecorder = Annotated[Principal, Depends(permitted(Action.referral_consent_record))]
ReferralId = Annotated[str, Path(max_length=100)]
PartnerId = Annotated[str, Path(pattern=r.PARTNER_ID, max_length=100)]
VIEWS = ReferralViews()


@router.get("", responses=documented(a.Referrals, "A page of the referrals, oldest first"))
async def queue(
    p: Reader,
    pool: Pool,
    status: Status | None = None,
    overdue: bool | None = None,
    case_id: Annotated[str | None, Query(pattern=f"^case-{kit_cursor.UUID}$")] = None,
    cursor: Annotated[str | None, kit_cursor.query(q.POSITION)] = None,
    limit: Annotated[int, Query(ge=1, le=200)] = 50,
) -> dict[str, Any]:
    """Referrals of the tenant, oldest first, each with its partners' states; filter by a
    partner's status, by an acknowledgement overdue, or by case. `next` pages on."""
    async with pool.acquire() as conn:
        page = await q.queue(conn, p.tenant, q.QueueFilter(status, overdue, case_id), cursor, limit)
    return {"items": page.items, "next": page.next}


@router.get(
    "/{referral_id}",
    responses=documented(
        a.ReferralRead, "The referral, each partner's part, and the partners ranked"
    ),
)
async def detail(
    referral_id: ReferralId,
    p: Reader,
    pool: Pool,
    desk: ReferralDesk,
    min_version: MinVersion = None,
) -> Any:
    """A referral: the case's facts, the safety check, each partner's part (consent,
    emergency approval, answers), and the directory's partners ranked for it."""
    if min_version:
        h.opened_of(p, await h.events_of(desk, referral_id))  # 404 before any waiting
        if not await wait_for_version(pool, VIEWS, referral_id, min_version, timeout=2):
            return not_yet_readable()
    async with pool.acquire() as conn:
        found = await q.referral(conn, p.tenant, referral_id)
    if found is None:
        raise Problem(404, "not-found", h.NOT_FOUND)
    found["ranking"] = await h.ranking(desk, p, found)
    return found


async def _found(pool: Pool, p: Principal, referral_id: str) -> None:
    async with pool.acquire() as conn:
        if await q.referral(conn, p.tenant, referral_id) is None:
            raise Problem(404, "not-found", h.NOT_FOUND)


@router.get(
    "/{referral_id}/timeline",
    responses=documented(a.Timeline, "What happened to the referral, in order"),
)
async def timeline(referral_id: ReferralId, p: Reader, pool: Pool) -> dict[str, Any]:
    """What happened to the referral, in order (codes and ids, no personal data)."""
    await _found(pool, p, referral_id)
    async with pool.acquire() as conn:
        return {"items": await q.timeline(conn, referral_id)}


@router.get(
    "/{referral_id}/disclosures",
    responses=documented(a.Disclosures, "Which partner read which personal fields, in order"),
)
async def disclosures(referral_id: ReferralId, p: Reader, pool: Pool) -> dict[str, Any]:
    """Which partner read which of the worker's personal fields, and when."""
    await _found(pool, p, referral_id)
    async with pool.acquire() as conn:
        return {"items": await q.disclosures(conn, referral_id)}


@router.post("/{referral_id}/safety", response_model=r.Written)
async def safety(
    referral_id: ReferralId,
    body: r.SafetyBody,
    p: Officer,
    desk: ReferralDesk,
    retry: Retryable = None,
) -> r.Written:
    """Record the safety check: imminent danger, and who must not learn of the referral."""
    return await h.check_safety(desk, p, referral_id, body, retry)


@router.post("/{referral_id}/partners", response_model=r.Written, status_code=201)
async def select(
    referral_id: ReferralId,
    body: r.SelectBody,
    p: Officer,
    desk: ReferralDesk,
    retry: Retryable = None,
) -> r.Written:
    """Choose a partner, the services needed and the personal fields to share (none: the
    minimum); the worker is asked to consent."""
    return await h.select(desk, p, referral_id, body, retry)


@router.post("/{referral_id}/partners/{partner_id}/consent", response_model=r.Written)
async def consent(
    referral_id: ReferralId,
    partner_id: PartnerId,
    body: r.ConsentBody,
    p: ConsentRecorder,
    desk: ReferralDesk,
    retry: Retryable = None,
) -> r.Written:
    """Record the worker's consent (or refusal, or its withdrawal) given by phone or in
    person: who gave it, when and how. Consent sends the referral."""
    return await h.record_consent(desk, p, referral_id, partner_id, body, retry)


@router.post(
    "/{referral_id}/partners/{partner_id}/emergency", response_model=r.Written, status_code=201
)
async def propose_emergency(
    referral_id: ReferralId,
    partner_id: PartnerId,
    body: r.EmergencyBody,
    p: Officer,
    desk: ReferralDesk,
    retry: Retryable = None,
) -> r.Written:
    """Propose sending without consent, for imminent danger, with grounds; another officer
    must approve."""
    return await h.propose_emergency(desk, p, referral_id, partner_id, body, retry)


@router.post("/{referral_id}/partners/{partner_id}/emergency/approve", response_model=r.Written)
async def approve_emergency(
    referral_id: ReferralId,
    partner_id: PartnerId,
    p: Officer,
    desk: ReferralDesk,
    retry: Retryable = None,
) -> r.Written:
    """Approve an emergency referral proposed by another officer: it is sent."""
    return await h.approve_emergency(desk, p, referral_id, partner_id, retry)


@router.post("/{referral_id}/partners/{partner_id}/withdraw", response_model=r.Written)
async def withdraw(
    referral_id: ReferralId,
    partner_id: PartnerId,
    p: Officer,
    desk: ReferralDesk,
    retry: Retryable = None,
) -> r.Written:
    """Take the referral back from this partner (it is told if it was sent)."""
    return await h.withdraw(desk, p, referral_id, partner_id, retry)
