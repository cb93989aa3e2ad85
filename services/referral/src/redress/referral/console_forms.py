"""The referral page's forms: each parses its fields into the API's body and runs the same
handler (`redress.referral.handlers`), then redirects to the referral page, which waits for
the view to show the write. A refusal or invalid input shows the referral page again with
the reason, and the status the API would have answered.
"""

from __future__ import annotations

import contextlib
from collections.abc import Awaitable, Callable, Mapping
from datetime import datetime
from typing import Any
from urllib.parse import urlencode
from zoneinfo import ZoneInfo

from fastapi import APIRouter, Request
from pydantic import ValidationError
from starlette.datastructures import FormData
from starlette.responses import RedirectResponse, Response

from redress.events.application import Refused
from redress.events.errors import ConcurrencyError
from redress.kit import console as kc
from redress.kit.auth import Principal
from redress.kit.authz import Action
from redress.kit.deps import authorise
from redress.kit.errors import Problem
from redress.referral import handlers as h
from redress.referral import requests as r
from redress.referral.console import CONSOLE, PATH, Staff, referral_page, zone_of
from redress.referral.context import Desk, ReferralDesk
from redress.referral.explanation import read_explanation

router = APIRouter(prefix=PATH, include_in_schema=False, route_class=CONSOLE.route)

# The fields of the page's forms, as a refusal marks them.
FIELDS = ("imminent_danger", "must_not_learn", "partner_id", "services", "fields", "answer",
          "given_by", "channel", "given_at", "grounds", "explanation")  # fmt: skip

# Their labels on the page, where the code would not say it.
LABELS = {"given_at": "When the worker said so", "fields": "Personal data",
          "services": "Services the worker needs", "partner_id": "Partner",
          "answer": "The worker's answer", "given_by": "Given by", "channel": "How"}  # fmt: skip

# What a form does: the desk, who acts, the referral, the form's fields and the path's.
Call = Callable[[Desk, Principal, str, FormData, Mapping[str, str]], Awaitable[r.Written]]


def form(path: str, done: str, action: Action = Action.referral_manage) -> Callable[[Call], Call]:
    """Serve `call` as the form posted to `/console/referrals/{referral_id}<path>`."""

    def register(call: Call) -> Call:
        async def route(
            request: Request, referral_id: str, p: Staff, desk: ReferralDesk
        ) -> Response:
            return await _act(request, referral_id, p, desk, done, call, action)

        router.add_api_route(
            f"/referrals/{{referral_id}}{path}", route, methods=["POST"], name=f"referral-{done}"
        )
        return call

    return register


async def _act(
    request: Request, referral_id: str, p: Principal, desk: Desk, name: str, call: Call,
    action: Action,
) -> Response:  # fmt: skip
    """Check the CSRF token and the role, run the command, then show the referral again."""
    fields = await CONSOLE.form(request)
    wrong: dict[str, str] = {}
    try:
        written = await call(desk, authorise(p, action), referral_id, fields, request.path_params)
    except ValidationError as exc:
        wrong = kc.fields_of(exc, FIELDS, LABELS)
        error, status = "; ".join(wrong.values()) or kc.describe(exc), 422
    except Refused as exc:
        error, status = exc.detail, exc.status
    except Problem as exc:
        if exc.status not in (409, 410, 422):
            raise
        error, status = exc.detail, exc.status
    except ConcurrencyError:
        error, status = "someone changed this referral at the same time; try again", 409
    else:
        query = urlencode({"done": name, "min_version": written.version})
        return RedirectResponse(f"{PATH}/referrals/{written.referral_id}?{query}", 303)
    # Every value of a field, boxes ticked and the partner picked as well as what was typed.
    typed = {k: [v for v in fields.getlist(k) if isinstance(v, str)]
             for k in fields if k != "csrf"}  # fmt: skip
    # A form of one partner's among several: its key names the partner, so that only its
    # own form shows what was typed and what was wrong.
    partner = request.path_params.get("partner_id")
    return await referral_page(
        request, p, desk, referral_id, error=error, failed=f"{name}-{partner}" if partner else name,
        typed=typed, wrong=wrong, status=status,
    )  # fmt: skip


def _body(model: type[r.Body], **values: Any) -> Any:
    return model.model_validate({k: v for k, v in values.items() if v is not None})


def _yes_no(value: str | None) -> bool | str | None:
    return {"yes": True, "no": False}.get(value or "", value)


def _moment(value: str | None, zone: str) -> str | None:
    """A `datetime-local` field, read in the tenant's time zone as its label tells; what is
    not such a field is left for the body's model to refuse."""
    if value and len(value) == 16:
        with contextlib.suppress(ValueError):
            return datetime.fromisoformat(value).replace(tzinfo=ZoneInfo(zone)).isoformat()
    return value


@form("/safety", "safety")
async def safety(desk: Desk, p: Principal, rid: str, f: FormData, _: Any) -> r.Written:
    body = _body(r.SafetyBody, imminent_danger=_yes_no(kc.field(f, "imminent_danger")),
                 must_not_learn=kc.values(f, "must_not_learn"))  # fmt: skip
    return await h.check_safety(desk, p, rid, body)


@form("/partners", "select")
async def select(desk: Desk, p: Principal, rid: str, f: FormData, _: Any) -> r.Written:
    body = _body(r.SelectBody, partner_id=kc.field(f, "partner_id"),
                 services=kc.values(f, "services"), fields=kc.values(f, "fields"))  # fmt: skip
    return await h.select(desk, p, rid, body)


async def _zone(desk: Desk, p: Principal) -> str:
    async with desk.pool.acquire() as conn:
        return await zone_of(conn, p.tenant)


@form("/partners/{partner_id}/consent", "consent", Action.referral_consent_record)
async def consent(
    desk: Desk, p: Principal, rid: str, f: FormData, path: Mapping[str, str]
) -> r.Written:
    body = _body(
        r.ConsentBody, answer=kc.field(f, "answer"), fields=kc.values(f, "fields"),
        given_by=kc.field(f, "given_by"), channel=kc.field(f, "channel"),
        given_at=_moment(kc.field(f, "given_at"), await _zone(desk, p)),
    )  # fmt: skip
    return await h.record_consent(desk, p, rid, path["partner_id"], body)


@form("/partners/{partner_id}/emergency", "propose")
async def propose(
    desk: Desk, p: Principal, rid: str, f: FormData, path: Mapping[str, str]
) -> r.Written:
    body = _body(r.EmergencyBody, grounds=kc.field(f, "grounds"),
                 explanation=kc.field(f, "explanation"))  # fmt: skip
    return await h.propose_emergency(desk, p, rid, path["partner_id"], body)


@form("/partners/{partner_id}/emergency/approve", "approve")
async def approve(
    desk: Desk, p: Principal, rid: str, f: FormData, path: Mapping[str, str]
) -> r.Written:
    return await h.approve_emergency(desk, p, rid, path["partner_id"])


@router.post("/referrals/{referral_id}/partners/{partner_id}/explanation")
async def explanation(request: Request, referral_id: str, partner_id: str, p: Staff,
                      desk: ReferralDesk) -> Response:  # fmt: skip
    """The emergency's explanation, shown on the page this answers, its reading recorded: a
    POST, as reading the worker's data is an act, and no address shows it again."""
    await CONSOLE.form(request, once=False)  # reading twice changes nothing
    try:
        text = await read_explanation(desk, p, referral_id, partner_id)
    except Problem as exc:
        if exc.status not in (409, 410):  # another tenant's, or none: the console's own page
            raise
        return await referral_page(request, p, desk, referral_id, error=exc.detail,
                                   status=exc.status)  # fmt: skip
    return await referral_page(request, p, desk, referral_id, explanations={partner_id: text})


@form("/partners/{partner_id}/withdraw", "withdraw")
async def withdraw(
    desk: Desk, p: Principal, rid: str, f: FormData, path: Mapping[str, str]
) -> r.Written:
    return await h.withdraw(desk, p, rid, path["partner_id"])
