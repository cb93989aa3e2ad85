"""The referral console: the officers' referral queue and referral pages, and the admins'
partner directory, server-rendered over the same handlers and reads as the APIs.

The kit's `Console` does the rest as in the cases console: a bearer token pasted once, kept in
an HttpOnly, SameSite=Strict cookie scoped to /console; a CSRF token in every form; refusals
as pages. Officers and supervisors work on referrals and read the directory; admins keep the
directory and read no referral. Forms are in `console_forms` and `console_directory`.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import Annotated, Any
from urllib.parse import urlencode
from zoneinfo import ZoneInfo

from fastapi import Depends, Query, Request
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator
from starlette.responses import HTMLResponse, RedirectResponse, Response

from redress.events.catalogue.partner import Service
from redress.events.catalogue.referral import (
    ConsentChannel,
    ConsentGiver,
    EmergencyGrounds,
    Party,
    SharedField,
)
from redress.events.projection import wait_for_version
from redress.events.store import Conn
from redress.kit import console
from redress.kit.auth import Principal
from redress.kit.authz import Action, allowed
from redress.kit.deps import authorise
from redress.kit.errors import Problem
from redress.kit.openapi import MinVersion
from redress.kit.text import Line
from redress.referral import delivery_handlers as dh
from redress.referral import domain as d
from redress.referral import handlers as h
from redress.referral import queries as q
from redress.referral.context import Desk, ReferralDesk
from redress.referral.policies import referral_stream
from redress.referral.projections import ReferralViews
from redress.referral.state import ENDED, Status
from redress.tenancy.handlers import read_tenant

PATH = "/console"
PAGE_SIZE = 50
READ_BACK_SECONDS = 5.0
VIEWS = ReferralViews()


def admitted(p: Principal) -> bool:
    """Officers and supervisors (referrals, the directory read), admins (the directory)."""
    return allowed(p.roles, Action.referral_read) or allowed(p.roles, Action.partner_directory_read)


def nav(p: Principal) -> Sequence[tuple[str, str]]:
    links = [(PATH, "Referrals")] if allowed(p.roles, Action.referral_read) else []
    links.append((f"{PATH}/partners", "Partners"))
    if allowed(p.roles, Action.partner_directory_manage):
        links.append((f"{PATH}/dead-letters", "Dead letters"))
    return links


WHY = {
    "national_referral_mechanism": "the country's national referral mechanism",
    "serves_country": "serves the country",
    "speaks_language": "speaks the worker's language",
}


def why(code: str) -> str:
    """Why a partner is suggested, in an officer's words."""
    if code.startswith("handles:"):
        return f"handles {console.human(code.removeprefix('handles:')).lower()}"
    return WHY.get(code, code)


CONSOLE = console.Console(
    path=PATH,
    title="referral console",
    nav=nav,
    back="Back to the console",
    admits=admitted,
    refused="That token may not use the referral console: it is for the MSI's grievance"
    " officers and supervisors, and for its admins, who keep the partner directory.",
    forbidden="the referral console is for the grievance officers and admins of an MSI",
    csrf_key=console.csrf_key_in("referral"),
    templates=Path(__file__).parent / "templates",
    filters={"why": why},
)
router = CONSOLE.router()  # with the console's login and logout


Staff = Annotated[Principal, Depends(CONSOLE.signed_in())]


# -- the queue --------------------------------------------------------------------------------


class QueueQuery(BaseModel):
    """The queue's GET form: an empty select means "any"."""

    model_config = ConfigDict(extra="ignore", str_strip_whitespace=True)

    status: Status | None = None
    overdue: bool | None = None
    cursor: Line | None = Field(None, max_length=400)

    @field_validator("status", "overdue", "cursor", mode="before")
    @classmethod
    def _blank_is_none(cls, value: Any) -> Any:
        return None if value == "" else value


def _moment(value: Any) -> datetime | None:
    """A time as JSON carries it (the queue's partners) or as the database gives it."""
    if isinstance(value, str):
        return datetime.fromisoformat(value).astimezone(UTC)
    return value if isinstance(value, datetime) else None


def _part(a: Mapping[str, Any]) -> dict[str, Any]:
    return {**a, "acknowledge_by": _moment(a.get("acknowledge_by")),
            "ended": a["status"] in ENDED}  # fmt: skip


async def notices_for(desk: Desk, p: Principal) -> list[dict[str, Any]]:
    """Endpoints the delivery disabled, still disabled, with their partner's name: shown to
    officers (their referrals are not reaching that partner) and to admins (who act on it)."""
    async with desk.pool.acquire() as conn:
        found = await desk.referrals.hooks.current_notices(conn, p.tenant)
        partners = await q.partners(conn, p.tenant) if found else []
    names = {x["partner_id"]: x["name"] for x in partners}
    return [
        {"partner_id": n.owner, "partner": names.get(n.owner, n.owner),
         "endpoint_id": n.endpoint_id, "detail": n.detail, "at": n.at}
        for n in found
    ]  # fmt: skip


@router.get("")
async def queue(request: Request, p: Staff, desk: ReferralDesk) -> Response:
    if not allowed(p.roles, Action.referral_read):  # an admin: the directory is theirs
        return RedirectResponse(f"{PATH}/partners", status_code=303)
    p = authorise(p, Action.referral_read)
    context: dict[str, Any] = {"principal": p, "statuses": list(Status), "rows": [],
                               "next_url": None, "first_url": None,
                               "delivery_notices": await notices_for(desk, p)}  # fmt: skip
    try:
        f = QueueQuery.model_validate(dict(request.query_params))
        async with desk.pool.acquire() as conn:
            found = await q.queue(
                conn, p.tenant, q.QueueFilter(f.status, f.overdue), f.cursor, PAGE_SIZE
            )
            context["zone"] = await zone_of(conn, p.tenant)
    except ValidationError as exc:
        return CONSOLE.page(request, "queue.html", 422, error=console.describe(exc),
                            f=QueueQuery(), **context)  # fmt: skip
    except Problem as exc:
        return CONSOLE.page(request, "queue.html", exc.status, error=exc.detail,
                            f=QueueQuery(), **context)  # fmt: skip
    kept = {k: v for k, v in f.model_dump(mode="json", exclude={"cursor"}).items() if v is not None}
    if "overdue" in kept:
        kept["overdue"] = "yes" if f.overdue else "no"
    rows = [r | {"partners": [_part(a) for a in r["partners"]]} for r in found.items]
    context.update(f=f, rows=rows, overdue_value=kept.get("overdue", ""))
    if found.next:
        context["next_url"] = f"{PATH}?{urlencode({**kept, 'cursor': found.next})}"
    if f.cursor:
        context["first_url"] = f"{PATH}?{urlencode(kept)}" if kept else PATH
    return CONSOLE.page(request, "queue.html", **context)


@router.get("/cases/{case_id}")
async def case(case_id: str, p: Staff, desk: ReferralDesk) -> Response:
    """A case's referral, for the link on the case's page in the cases console."""
    p = authorise(p, Action.referral_read)
    referral_id = referral_stream(case_id) if case_id.startswith("case-") else ""
    async with desk.pool.acquire() as conn:
        if not referral_id or await q.referral(conn, p.tenant, referral_id) is None:
            raise Problem(404, "not-found", "this case has no referral (yet)")
    return RedirectResponse(f"{PATH}/referrals/{referral_id}", status_code=303)


# -- the referral page ------------------------------------------------------------------------


async def zone_of(conn: Conn, tenant: str) -> str:
    """The tenant's time zone as its stream tells it (ADR 18): the console says its moments in
    it, and reads in it a moment an officer types (an operator writes the hour they heard)."""
    settings = (await read_tenant(conn, tenant)).settings
    return settings.time_zone if settings else "UTC"


def _now_for_input(zone: str) -> str:
    return datetime.now(ZoneInfo(zone)).strftime("%Y-%m-%dT%H:%M")


async def referral_page(
    request: Request,
    p: Principal,
    desk: Desk,
    referral_id: str,
    *,
    done: str | None = None,
    error: str | None = None,
    failed: str | None = None,
    typed: Mapping[str, list[str]] | None = None,
    wrong: Mapping[str, str] | None = None,
    status: int = 200,
    min_version: int | None = None,
    explanations: Mapping[str, str] | None = None,
) -> HTMLResponse:
    """The referral page; after a refused form, with the reason and what the officer typed;
    with the emergency's explanation an officer asked to read (`explanations`, by partner)."""
    p = authorise(p, Action.referral_read)
    if min_version:
        # Authorised on the log before waiting: another tenant's referral is 404 at once.
        h.opened_of(p, await h.events_of(desk, referral_id))
    stale = bool(
        min_version
        and not await wait_for_version(
            desk.pool, VIEWS, referral_id, min_version, timeout=READ_BACK_SECONDS
        )
    )
    async with desk.pool.acquire() as conn:
        found = await q.referral(conn, p.tenant, referral_id) if referral_id else None
        if found is None:
            raise Problem(404, "not-found", h.NOT_FOUND)
        timeline = await q.timeline(conn, referral_id)
        disclosures = await q.disclosures(conn, referral_id)
        retired = {x["partner_id"] for x in await q.partners(conn, p.tenant) if x["retired"]}
        zone = await zone_of(conn, p.tenant)
        messages = await dh.messages_of(desk, conn, p.tenant, referral_id)
    # The worker's last answer to each partner, as the log has it (a part chosen again keeps
    # it): no emergency is offered over a no.
    events = await h.events_of(desk, referral_id)
    state = d.REFERRAL.fold(referral_id, events) if events else None
    said_no = {pid for pid, a in state.addressees.items() if a.refused} if state else set()
    explained = {pid for pid, a in state.addressees.items()
                 if a.proposal and a.proposal.explanation} if state else set()  # fmt: skip
    parts = [_part(a) | {"retired": (pid := a["partner_id"]) in retired, "said_no": pid in said_no,
                         "explained": pid in explained}
             for a in found["partners"]]  # fmt: skip
    active = {a["partner_id"] for a in parts if not a["ended"]}
    ranking = [r | {"chosen": r["partner_id"] in active} for r in await h.ranking(desk, p, found)]
    context: dict[str, Any] = {
        "principal": p,
        "referral": found,
        "parts": parts,
        "ranking": ranking,
        "choosable": [r for r in ranking if not r["chosen"]],
        "timeline": timeline,
        "disclosures": disclosures,
        "case_url": _case_url(request, found["case_id"]),
        "can_manage": allowed(p.roles, Action.referral_manage),
        "parties": list(Party),
        "services": list(Service),
        "shared": list(SharedField),
        "grounds": list(EmergencyGrounds),
        "givers": list(ConsentGiver),
        "channels": [c for c in ConsentChannel if c is not ConsentChannel.status_page],
        "now": _now_for_input(zone),
        "messages": messages,
        "explanations": explanations or {},
        "zone": zone,
        "done": done,
        "error": error,
        "failed": failed,
        # What the form's model refused, field by field (`_form.html` marks them).
        "fields": wrong or {},
        "kept": lambda form, name: ((typed or {}).get(name) or [""])[0] if form == failed else "",
        # The values of a refused form's boxes and choices; None when it was not refused.
        "picked": lambda form, name: (typed or {}).get(name, []) if form == failed else None,
        "stale": stale,
    }
    return CONSOLE.page(request, "referral.html", status, **context)


def _case_url(request: Request, case_id: str) -> str | None:
    """The case in the cases console, linked by URL only."""
    base = console.peer_url(request, "cases")
    return f"{base}/console/cases/{case_id}" if base else None


@router.get("/referrals/{referral_id}")
async def referral(
    request: Request,
    referral_id: str,
    p: Staff,
    desk: ReferralDesk,
    min_version: MinVersion = None,
    done: Annotated[str | None, Query(max_length=40)] = None,
) -> HTMLResponse:
    return await referral_page(request, p, desk, referral_id, done=done, min_version=min_version)
