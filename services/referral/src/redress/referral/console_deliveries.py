"""The admin's delivery pages: an endpoint's health and latest attempts (and enabling it
again once the delivery disabled it), the dead letters with "redeliver" and "skip", and the
notice of disabled endpoints shown on the console's queue and directory pages.

Every form runs `redress.referral.delivery_handlers`, as the admin API does, and redirects to
its page; the pages read the outbox, which the handlers change in their own transaction, so
there is nothing to wait for. A refusal shows the page again with the reason and its status.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Annotated, Any
from urllib.parse import quote, urlencode

from fastapi import APIRouter, Path, Query, Request
from starlette.responses import HTMLResponse, RedirectResponse, Response

from redress.events.application import Refused
from redress.events.errors import ConcurrencyError
from redress.kit.auth import Principal
from redress.kit.authz import Action
from redress.kit.deps import authorise
from redress.referral import delivery_handlers as dh
from redress.referral import queries as q
from redress.referral import requests as r
from redress.referral.console import CONSOLE, PATH, Staff
from redress.referral.context import Desk, ReferralDesk

router = APIRouter(prefix=PATH, include_in_schema=False, route_class=CONSOLE.route)

DEAD_LETTERS = f"{PATH}/dead-letters"
Done = Annotated[str | None, Query(max_length=20)]
Cursor = Annotated[int | None, Query(ge=0, le=2**62)]
EndpointQuery = Annotated[str | None, Query(pattern=r.ENDPOINT_ID, max_length=50)]
DeliveryId = Annotated[int, Path(ge=1, le=2**62)]


def endpoint_url(partner_id: str, endpoint_id: str) -> str:
    return f"{PATH}/partners/{quote(partner_id)}/endpoints/{quote(endpoint_id)}"


async def endpoint_page(
    request: Request, p: Principal, desk: Desk, partner_id: str, endpoint_id: str, *,
    done: str | None = None, error: str | None = None, status: int = 200,
) -> HTMLResponse:  # fmt: skip
    report = await dh.endpoint_report(desk, p, partner_id, endpoint_id)
    async with desk.pool.acquire() as conn:
        found = [x for x in await q.partners(conn, p.tenant) if x["partner_id"] == partner_id]
    return CONSOLE.page(
        request, "endpoint.html", status, principal=p, e=report, done=done, error=error,
        partner=found[0] if found else {"partner_id": partner_id, "name": partner_id},
        dead_letters_url=f"{DEAD_LETTERS}?{urlencode({'endpoint': endpoint_id})}",
    )  # fmt: skip


@router.get("/partners/{partner_id}/endpoints/{endpoint_id}")
async def endpoint(
    request: Request, partner_id: str, endpoint_id: str, p: Staff, desk: ReferralDesk,
    done: Done = None,
) -> HTMLResponse:  # fmt: skip
    return await endpoint_page(request, p, desk, partner_id, endpoint_id, done=done)


Act = Callable[[Desk, Principal], Awaitable[Any]]


async def _act(request: Request, p: Principal, desk: Desk, act: Act) -> tuple[str | None, int]:
    """Run an admin's form: (None, 200) when done, else (the reason it was refused, status)."""
    await CONSOLE.form(request)
    admin = authorise(p, Action.partner_directory_manage)
    try:
        await act(desk, admin)
    except Refused as exc:
        return exc.detail, exc.status
    except ConcurrencyError:
        return "someone changed the directory at the same time; try again", 409
    return None, 200


@router.post("/partners/{partner_id}/endpoints/{endpoint_id}/enable")
async def enable(
    request: Request, partner_id: str, endpoint_id: str, p: Staff, desk: ReferralDesk
) -> Response:
    async def act(d: Desk, admin: Principal) -> Any:
        return await dh.enable(d, admin, partner_id, endpoint_id)

    error, status = await _act(request, p, desk, act)
    if error is None:
        return RedirectResponse(f"{endpoint_url(partner_id, endpoint_id)}?done=enabled", 303)
    return await endpoint_page(request, p, desk, partner_id, endpoint_id, error=error,
                               status=status)  # fmt: skip


async def dead_letters_page(
    request: Request, p: Principal, desk: Desk, *, endpoint_id: str | None = None,
    cursor: int | None = None, done: str | None = None, error: str | None = None,
    status: int = 200,
) -> HTMLResponse:  # fmt: skip
    letters = await dh.dead_letters(desk, p, endpoint_id=endpoint_id, after=cursor)
    async with desk.pool.acquire() as conn:
        names = {x["partner_id"]: x["name"] for x in await q.partners(conn, p.tenant)}
    kept = {"endpoint": endpoint_id} if endpoint_id else {}
    next_url = (
        f"{DEAD_LETTERS}?{urlencode({**kept, 'cursor': letters.next})}" if letters.next else None
    )
    here = f"{DEAD_LETTERS}?{urlencode(kept)}" if kept else DEAD_LETTERS
    return CONSOLE.page(
        request, "dead_letters.html", status, principal=p, letters=letters.items, names=names,
        endpoint_id=endpoint_id, next_url=next_url, first_url=here if cursor else None,
        done=done, error=error, back=here, endpoint_url=endpoint_url,
    )  # fmt: skip


@router.get("/dead-letters")
async def dead_letters(
    request: Request, p: Staff, desk: ReferralDesk, endpoint: EndpointQuery = None,
    cursor: Cursor = None, done: Done = None,
) -> HTMLResponse:  # fmt: skip
    return await dead_letters_page(request, p, desk, endpoint_id=endpoint, cursor=cursor,
                                   done=done)  # fmt: skip


async def _on_letter(request: Request, p: Principal, desk: Desk, act: Act, done: str) -> Response:
    error, status = await _act(request, p, desk, act)
    back = (await request.form()).get("back")
    target = back if isinstance(back, str) and back.startswith(DEAD_LETTERS) else DEAD_LETTERS
    if error is None:
        joiner = "&" if "?" in target else "?"
        return RedirectResponse(f"{target}{joiner}done={done}", 303)
    return await dead_letters_page(request, p, desk, error=error, status=status)


@router.post("/dead-letters/{delivery_id}/redeliver")
async def redeliver(
    request: Request, delivery_id: DeliveryId, p: Staff, desk: ReferralDesk
) -> Response:
    async def act(d: Desk, admin: Principal) -> Any:
        return await dh.redeliver(d, admin, delivery_id)

    return await _on_letter(request, p, desk, act, "redelivered")


@router.post("/dead-letters/{delivery_id}/skip")
async def skip(request: Request, delivery_id: DeliveryId, p: Staff, desk: ReferralDesk) -> Response:
    async def act(d: Desk, admin: Principal) -> Any:
        return await dh.skip(d, admin, delivery_id)

    return await _on_letter(request, p, desk, act, "skipped")
