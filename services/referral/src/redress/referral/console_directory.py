"""The partner directory's pages: officers read it; admins add and edit partners, retire them,
add webhook endpoints (the `whsec_` secret shown once, on the page that answers the form,
never in a URL and never again), rotate a secret with an overlap, remove an endpoint, and set
the acknowledgement time frame. Every form runs `redress.referral.directory_handlers`, as
the directory's API does.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Mapping
from typing import Annotated, Any
from urllib.parse import quote, urlencode

from fastapi import APIRouter, Query, Request
from pydantic import Field, ValidationError
from starlette.datastructures import FormData
from starlette.responses import HTMLResponse, RedirectResponse, Response

from redress.events.application import Refused
from redress.events.catalogue.grievance import Category
from redress.events.catalogue.indicators import BY_CODE
from redress.events.catalogue.partner import PartnerKind, Service
from redress.events.errors import ConcurrencyError
from redress.events.projection import wait_for_version
from redress.kit import console as kc
from redress.kit.auth import Principal
from redress.kit.authz import Action, allowed
from redress.kit.deps import authorise
from redress.kit.errors import Problem
from redress.kit.i18n import LANGUAGES
from redress.referral import directory_handlers as dh
from redress.referral import queries as q
from redress.referral import requests as r
from redress.referral.console import CONSOLE, PATH, READ_BACK_SECONDS, VIEWS, Staff, notices_for
from redress.referral.context import Desk, ReferralDesk
from redress.referral.policies import directory, directory_stream

router = APIRouter(prefix=PATH, include_in_schema=False, route_class=CONSOLE.route)

PARTNERS = f"{PATH}/partners"


def _choices() -> dict[str, Any]:
    return {
        "kinds": list(PartnerKind),
        "services": list(Service),
        "indicators": sorted(BY_CODE),
        "categories": [c.value for c in Category],
        "languages": sorted(LANGUAGES),
    }


async def _read_back(desk: Desk, p: Principal, version: int | None) -> None:
    """Until the directory's view shows the admin's own change (or a few seconds passed)."""
    if version:
        stream = directory_stream(p.tenant)
        await wait_for_version(desk.pool, VIEWS, stream, version, timeout=READ_BACK_SECONDS)


async def partners_page(
    request: Request, p: Principal, desk: Desk, *, done: str | None = None,
    error: str | None = None, typed: Mapping[str, Any] | None = None, status: int = 200,
    min_version: int | None = None,
) -> HTMLResponse:  # fmt: skip
    p = authorise(p, Action.partner_directory_read)
    await _read_back(desk, p, min_version)
    async with desk.pool.acquire() as conn:
        rows = await q.partners(conn, p.tenant)
    hours = (await directory(desk.store, p.tenant)).acknowledge_hours
    typed = typed or {}
    manage = allowed(p.roles, Action.partner_directory_manage)
    return CONSOLE.page(
        request, "partners.html", status, principal=p, partners=rows, hours=hours, done=done,
        error=error, typed=typed, can_manage=manage, can_fix_deliveries=manage,
        delivery_notices=await notices_for(desk, p),
        value=lambda name, default: typed.get(name, default), **_choices(),
    )  # fmt: skip


async def partner_page(
    request: Request, p: Principal, desk: Desk, partner_id: str, *, done: str | None = None,
    error: str | None = None, failed: str | None = None, typed: Mapping[str, Any] | None = None,
    status: int = 200, secret: r.Secret | None = None, min_version: int | None = None,
) -> HTMLResponse:  # fmt: skip
    p = authorise(p, Action.partner_directory_read)
    await _read_back(desk, p, secret.version if secret else min_version)
    manage = allowed(p.roles, Action.partner_directory_manage)
    async with desk.pool.acquire() as conn:
        found = [x for x in await q.partners(conn, p.tenant) if x["partner_id"] == partner_id]
        if not found:
            raise Problem(404, "not-found", "there is no such partner")
        endpoints = await q.endpoints(conn, p.tenant, partner_id) if manage else []
        hooks = desk.referrals.hooks
        mirrored = await hooks.endpoints(conn, p.tenant, owner=partner_id) if manage else []
    now = desk.referrals.hooks.clock.now()
    health = {e.id: e.health(now) for e in mirrored}
    notices = [n for n in await notices_for(desk, p) if n["partner_id"] == partner_id]
    # The edit form shows what the admin typed when it was refused, else the partner as it is.
    shown = dict(typed or {}) if failed == "saved" else {
        **found[0], "countries": ", ".join(found[0]["countries"])}  # fmt: skip
    return CONSOLE.page(
        request, "partner.html", status, principal=p, partner=found[0], endpoints=endpoints,
        done=done, error=error, failed=failed, secret=secret, can_manage=manage, health=health,
        delivery_notices=notices, can_fix_deliveries=manage,
        value=lambda name, default: shown.get(name, default), **_choices(),
    )  # fmt: skip


Done = Annotated[str | None, Query(max_length=20)]
Version = Annotated[int | None, Query(ge=1)]


@router.get("/partners")
async def partners(
    request: Request, p: Staff, desk: ReferralDesk, done: Done = None, min_version: Version = None
) -> HTMLResponse:
    return await partners_page(request, p, desk, done=done, min_version=min_version)


@router.get("/partners/{partner_id}")
async def partner(
    request: Request, partner_id: str, p: Staff, desk: ReferralDesk, done: Done = None,
    min_version: Version = None,
) -> HTMLResponse:  # fmt: skip
    return await partner_page(request, p, desk, partner_id, done=done, min_version=min_version)


# -- the admin's forms ------------------------------------------------------------------------


def _partner_body(f: FormData) -> r.PartnerBody:
    countries = [c.strip().upper() for c in (kc.field(f, "countries") or "").split(",")]
    return r.PartnerBody.model_validate({
        "name": kc.field(f, "name") or "", "kind": kc.field(f, "kind"),
        "countries": [c for c in countries if c], "indicators": kc.values(f, "indicators"),
        "categories": kc.values(f, "categories"), "languages": kc.values(f, "languages"),
        "services": kc.values(f, "services"), "contact": kc.field(f, "contact") or "",
    })  # fmt: skip


Change = Callable[[Desk, Principal, FormData], Awaitable[Any]]


async def _change(
    request: Request, p: Principal, desk: Desk, change: Change
) -> tuple[Any, str | None, int, dict[str, Any]]:
    """Run an admin's change: (its answer, or the reason it was refused, the status, typed)."""
    fields = await CONSOLE.form(request)
    admin = authorise(p, Action.partner_directory_manage)
    typed = {k: fields.getlist(k) if k in _LISTS else v for k, v in fields.items() if k != "csrf"}
    try:
        return await change(desk, admin, fields), None, 200, typed
    except ValidationError as exc:
        return None, kc.describe(exc), 422, typed
    except Refused as exc:
        return None, exc.detail, exc.status, typed
    except ConcurrencyError:
        return None, "someone changed the directory at the same time; try again", 409, typed


_LISTS = ("indicators", "categories", "languages", "services")


def _back(partner_id: str, done: str, version: int) -> RedirectResponse:
    query = urlencode({"done": done, "min_version": version})
    return RedirectResponse(f"{PARTNERS}/{quote(partner_id)}?{query}", 303)


@router.post("/partners")
async def add_partner(request: Request, p: Staff, desk: ReferralDesk) -> Response:
    """A new partner: its id chosen by the admin, then what it is."""

    async def register(d: Desk, admin: Principal, f: FormData) -> Any:
        partner_id = kc.field(f, "partner_id") or ""
        _Id.model_validate({"partner_id": partner_id})
        return partner_id, await dh.register(d, admin, partner_id, _partner_body(f))

    done, error, status, typed = await _change(request, p, desk, register)
    if error is None:
        return _back(done[0], "saved", done[1].version)
    return await partners_page(request, p, desk, error=error, typed=typed, status=status)


class _Id(r.Body):
    partner_id: str = Field(pattern=r.PARTNER_ID, max_length=100)


@router.post("/partners/{partner_id}")
async def edit_partner(request: Request, partner_id: str, p: Staff, desk: ReferralDesk) -> Response:
    async def register(d: Desk, admin: Principal, f: FormData) -> Any:
        _Id.model_validate({"partner_id": partner_id})
        return await dh.register(d, admin, partner_id, _partner_body(f))

    return await _on_partner(request, partner_id, p, desk, "saved", register)


async def _on_partner(
    request: Request, partner_id: str, p: Staff, desk: Desk, name: str, change: Change
) -> Response:
    done, error, status, typed = await _change(request, p, desk, change)
    if error is None:
        if isinstance(done, r.Secret):  # shown on this answer alone: never in a URL
            return await partner_page(request, p, desk, partner_id, done=name, secret=done)
        return _back(partner_id, name, done.version)
    return await partner_page(request, p, desk, partner_id, error=error, failed=name,
                              typed=typed, status=status)  # fmt: skip


@router.post("/partners/{partner_id}/retire")
async def retire(request: Request, partner_id: str, p: Staff, desk: ReferralDesk) -> Response:
    async def change(d: Desk, admin: Principal, f: FormData) -> Any:
        return await dh.retire(d, admin, partner_id)

    return await _on_partner(request, partner_id, p, desk, "retired", change)


@router.post("/partners/{partner_id}/endpoints")
async def add_endpoint(request: Request, partner_id: str, p: Staff, desk: ReferralDesk) -> Response:
    async def change(d: Desk, admin: Principal, f: FormData) -> Any:
        body = r.EndpointBody.model_validate({"url": kc.field(f, "url") or ""})
        return await dh.add_endpoint(d, admin, partner_id, body)

    return await _on_partner(request, partner_id, p, desk, "endpoint", change)


@router.post("/partners/{partner_id}/endpoints/{endpoint_id}/rotate")
async def rotate(
    request: Request, partner_id: str, endpoint_id: str, p: Staff, desk: ReferralDesk
) -> Response:
    async def change(d: Desk, admin: Principal, f: FormData) -> Any:
        body = r.RotationBody.model_validate({"overlap_hours": kc.number(f, "overlap_hours")})
        return await dh.rotate(d, admin, partner_id, endpoint_id, body)

    return await _on_partner(request, partner_id, p, desk, "rotated", change)


@router.post("/partners/{partner_id}/endpoints/{endpoint_id}/remove")
async def remove_endpoint(
    request: Request, partner_id: str, endpoint_id: str, p: Staff, desk: ReferralDesk
) -> Response:
    async def change(d: Desk, admin: Principal, f: FormData) -> Any:
        return await dh.remove_endpoint(d, admin, partner_id, endpoint_id)

    return await _on_partner(request, partner_id, p, desk, "removed", change)


@router.post("/settings")
async def settings(request: Request, p: Staff, desk: ReferralDesk) -> Response:
    async def change(d: Desk, admin: Principal, f: FormData) -> Any:
        body = r.SettingsBody.model_validate({"acknowledge_hours": kc.number(f, "hours")})
        return await dh.set_hours(d, admin, body)

    done, error, status, typed = await _change(request, p, desk, change)
    if error is None:
        return RedirectResponse(f"{PARTNERS}?done=settings&min_version={done.version}", 303)
    return await partners_page(request, p, desk, error=error, typed=typed, status=status)
