"""The partner's JSON API: referrals sent to it (pulled, for partners without a webhook
receiver), the personal fields the worker consented to share, and its answers.

A partner is a principal with the role `partner` whose token names it in `org`. It reaches
only its own part of referrals sent to it: anything else answers 404.
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Path, Query

from redress.events.catalogue.referral import MINIMUM
from redress.kit import cursor as kit_cursor
from redress.kit.auth import Principal
from redress.kit.authz import Action
from redress.kit.deps import Pool, permitted
from redress.kit.errors import Problem
from redress.kit.idempotency import Retryable
from redress.referral import handlers as h
from redress.referral import partner_models as pm
from redress.referral import queries as q
from redress.referral import requests as r
from redress.referral.context import ReferralDesk
from redress.referral.disclosure import read_personal

router = APIRouter(prefix="/v1/partner/referrals", tags=["partner"])
Partner = Annotated[Principal, Depends(permitted(Action.referral_respond))]
ReferralId = Annotated[str, Path(max_length=100)]
GONE: dict[int | str, dict[str, Any]] = {
    410: {"description": "the worker withdrew their consent, or the officer the referral"}
}
READ_GONE: dict[int | str, dict[str, Any]] = {
    409: {"description": "the worker's data is not readable yet, or the referral changed "
          "while it was read (`referral-changing`); retry"},
    410: {"description": "the worker withdrew their consent, the officer the referral, your "
          "organisation declined or closed it (`referral-ended`), or the worker's personal "
          "data was erased"},
}  # fmt: skip


@router.get("", response_model=pm.SentReferrals)
async def sent_to_me(
    p: Partner,
    pool: Pool,
    desk: ReferralDesk,
    cursor: Annotated[str | None, kit_cursor.query(q.POSITION)] = None,
    limit: Annotated[int, Query(ge=1, le=200)] = 50,
) -> dict[str, Any]:
    """Referrals sent to your organisation, in the order they were sent; `next` pages on."""
    partner_id = h.partner_of(p)
    await h.partner_in_directory(desk, p)
    async with pool.acquire() as conn:
        page = await q.sent_to_partner(conn, p.tenant, partner_id, cursor, limit)
    return {"items": page.items, "next": page.next}


@router.get("/{referral_id}", response_model=pm.PartnerReferral)
async def referral(referral_id: ReferralId, p: Partner, desk: ReferralDesk) -> dict[str, Any]:
    """The referral as your organisation may read it: the minimum (no personal data), which
    personal fields you may fetch, and where it stands."""
    state, part = await h.partner_part(desk, p, referral_id)
    opened, safety = state.opened, state.safety
    assert opened is not None
    try:  # erased, the worker's data can no longer be read by anyone: nothing is fetchable
        await h.worker_key(desk, opened.grievance_id)
        erased = False
    except Problem:
        erased = True
    return {
        "referral_id": referral_id,
        "case_reference": referral_id,
        "country": opened.country,
        "indicators": list(opened.reasons),
        "language": opened.language,
        "services": list(part.services),
        "safety": {
            "imminent_danger": bool(safety and safety.imminent_danger),
            "must_not_learn": list(safety.must_not_learn) if safety else [],
        },
        "shared": list(MINIMUM),
        "personal_fields": [] if erased else [f.value for f in part.readable()],
        "personal_data_erased": erased,
        "basis": part.basis,
        "status": part.status,
        "acknowledge_by": part.acknowledge_by and part.acknowledge_by.isoformat(),
        "overdue": part.overdue,
    }


@router.get("/{referral_id}/personal", response_model=pm.PersonalData, responses=READ_GONE)
async def personal(referral_id: ReferralId, p: Partner, desk: ReferralDesk) -> dict[str, Any]:
    """The personal fields the worker consented to share with you, decrypted; each read is
    recorded. Refused (410) once consent is withdrawn, the referral declined or closed by
    you, or the worker's data erased."""
    return await read_personal(desk, p, referral_id)


async def _answer(
    desk: ReferralDesk, p: Principal, referral_id: str, kind: str, retry: Any, body: Any = None
) -> r.Written:
    return await h.respond(desk, p, referral_id, h.partner_command(p, kind, body), retry)


@router.post("/{referral_id}/acknowledge", response_model=r.Written, responses=GONE)
async def acknowledge(
    referral_id: ReferralId, p: Partner, desk: ReferralDesk, retry: Retryable = None
) -> r.Written:
    """Say you have received the referral (due within the initiative's time frame)."""
    return await _answer(desk, p, referral_id, "acknowledge", retry)


@router.post("/{referral_id}/accept", response_model=r.Written, responses=GONE)
async def accept(
    referral_id: ReferralId, p: Partner, desk: ReferralDesk, retry: Retryable = None
) -> r.Written:
    """Take the referral up (this acknowledges it too)."""
    return await _answer(desk, p, referral_id, "accept", retry)


@router.post("/{referral_id}/decline", response_model=r.Written, responses=GONE)
async def decline(
    referral_id: ReferralId,
    body: r.DeclineBody,
    p: Partner,
    desk: ReferralDesk,
    retry: Retryable = None,
) -> r.Written:
    """Decline the referral, with the reason; the officer may then choose another partner."""
    return await _answer(desk, p, referral_id, "decline", retry, body)


@router.post("/{referral_id}/services", response_model=r.Written, responses=GONE)
async def services(
    referral_id: ReferralId,
    body: r.ServicesBody,
    p: Partner,
    desk: ReferralDesk,
    retry: Retryable = None,
) -> r.Written:
    """Report services provided to the worker (after accepting)."""
    return await _answer(desk, p, referral_id, "services", retry, body)


@router.post("/{referral_id}/close", response_model=r.Written, responses=GONE)
async def close(
    referral_id: ReferralId,
    body: r.CloseBody,
    p: Partner,
    desk: ReferralDesk,
    retry: Retryable = None,
) -> r.Written:
    """Close the referral with its outcome."""
    return await _answer(desk, p, referral_id, "close", retry, body)
