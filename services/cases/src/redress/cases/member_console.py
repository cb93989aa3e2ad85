"""The member console: a member company's people follow the cases of its own supply chain,
redacted, and act on the plan actions the company owns.

A console of the kit's of its own, at /member, beside the officers' (its own login, cookie
scope and templates), admitting the principals `handlers.is_member` names, with an `org`.
It reads what the API gives a member, and less: never what the worker wrote or who they
are (even where the worker consented to the company knowing, that stays with the API),
nor the severity, indicators, referral, officer, thread, verification or attachments. It
first tells what is new to this person and which of the company's actions fall due
(`member_notices`); figures are the metrics service's member dashboard, linked.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any
from urllib.parse import urlencode

from fastapi import Depends, Query, Request
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator
from starlette.responses import HTMLResponse

from redress.cases import domain as d
from redress.cases import handlers as h
from redress.cases import member_notices as notices
from redress.cases import queries as q
from redress.cases import remedies_views
from redress.cases.case_views_api import member_timeline
from redress.cases.console_render import actions_named, entry
from redress.cases.context import CaseDesk, Desk
from redress.cases.projections import CaseViews
from redress.events.projection import wait_for_version
from redress.kit import console
from redress.kit.auth import Principal
from redress.kit.authz import Action, allowed
from redress.kit.console.refusals import NO_FAILURE, Failure
from redress.kit.errors import Problem
from redress.kit.openapi import MinVersion
from redress.kit.text import Line

PATH = "/member"
PAGE_SIZE = 50
READ_BACK_SECONDS = 5.0
VIEWS = CaseViews()
# The owners a member may give an action it adds: itself, or its supplier (issue 14, item 5).
MEMBER_OWNERS = (d.Owner.member_company, d.Owner.supplier)
# Who does a plan action, in a member's words: its own company, then the others as they are
# to it (the initiative as the console calls it elsewhere, never the log's `msi`).
SAID_OWNERS = {d.Owner.member_company: "Your company", d.Owner.supplier: "The supplier",
               d.Owner.facilitator: "The facilitator", d.Owner.msi: "The initiative"}  # fmt: skip


def owner(value: Any) -> str:
    return SAID_OWNERS.get(value) or console.human(value)


def admits(p: Principal) -> bool:
    return h.is_member(p) and bool(p.org)


MEMBER = console.Console(
    path=PATH,
    title="member console",
    nav=[(PATH, "Your supply chain")],
    back="Back to your supply chain",
    admits=admits,
    refused="That token is not a member company's: this console is for the initiative's"
    " member companies, each with its own supply chain (the MSI's officers use /console).",
    forbidden="the member console is for the initiative's member companies",
    csrf_key=console.csrf_key_in("cases"),
    templates=Path(__file__).parent / "templates",
    filters={"entry": entry, "owner": owner},
)
router = MEMBER.router()  # with the console's login and logout


Member = Annotated[Principal, Depends(MEMBER.signed_in(Action.case_read_redacted))]


def dashboard_url(request: Request, p: Principal) -> str | None:
    """The member's own figures, in the metrics service's pages, linked by URL only."""
    base = console.peer_url(request, "metrics")
    return f"{base}/dashboard/{p.tenant}/member" if base else None


# -- the supply chain -------------------------------------------------------------------------


class Filters(BaseModel):
    """The list's GET form: a stage, overdue or not, the grievance a report the company filed
    was answered with. No severity nor officer (as the API)."""

    model_config = ConfigDict(extra="ignore", str_strip_whitespace=True)

    stage: d.Stage | None = None
    overdue: bool | None = None
    grievance_id: str | None = Field(None, pattern=q.GRIEVANCE_ID, max_length=36)
    cursor: Line | None = Field(None, max_length=400)

    @field_validator("stage", "overdue", "grievance_id", "cursor", mode="before")
    @classmethod
    def _blank_is_none(cls, value: Any) -> Any:
        return None if value == "" else value


Done = Annotated[str | None, Query(max_length=40)]


def org_of(p: Principal) -> str:
    """The member company the token acts for (the console admits none without one)."""
    if p.org is None:
        raise Problem(403, "forbidden", "a member company's token must name its organisation")
    return p.org


@router.get("")
async def home(request: Request, p: Member, desk: CaseDesk, done: Done = None) -> HTMLResponse:
    return await home_page(request, p, desk, done)


async def home_page(
    request: Request, p: Principal, desk: Desk, done: str | None = None,
    refused: Failure | None = None,
) -> HTMLResponse:  # fmt: skip
    """What is new, what falls due, then every case of the supply chain, oldest first."""
    org = org_of(p)
    context: dict[str, Any] = {
        "principal": p, "done": done, "rows": [], "next_url": None, "first_url": None,
        "stages": list(d.Stage), "dashboard_url": dashboard_url(request, p), "list_error": None,
        **(refused.context() if refused else NO_FAILURE),
    }  # fmt: skip
    async with desk.pool.acquire() as conn:
        today, frames = await desk.cases.calendar_in(conn, p.tenant, org)
        day, context["zone"] = frames.local_day, frames.time_zone
        new, context["new_count"], context["mark"] = await notices.new_cases(
            conn, p.tenant, org, p.sub
        )
        context["new"] = [q.in_days(c, day) for c in new]
        context["due"] = await notices.due_actions(conn, p.tenant, org, today)
        status = refused.status if refused else 200
        try:
            f = Filters.model_validate(dict(request.query_params))
            filters = q.QueueFilter(f.stage, None, None, f.overdue, org,
                                    grievance_id=f.grievance_id)  # fmt: skip
            found = await q.queue(conn, p.tenant, filters, today, f.cursor, PAGE_SIZE)
        except (ValidationError, Problem) as exc:
            context["f"], status = Filters(), 422
            context["list_error"] = (
                console.describe(exc) if isinstance(exc, ValidationError) else exc.detail
            )
            return MEMBER.page(request, "member_home.html", status, **context)
    kept = {k: v for k, v in f.model_dump(mode="json", exclude={"cursor"}).items() if v is not None}
    if "overdue" in kept:
        kept["overdue"] = "yes" if f.overdue else "no"
    context.update(f=f, overdue_value=kept.get("overdue", ""))
    context["rows"] = [q.in_days({k: r[k] for k in (*q.MEMBER_COLUMNS, "overdue")}, day)
                       for r in found.items]  # fmt: skip
    if found.next:
        context["next_url"] = f"{PATH}?{urlencode({**kept, 'cursor': found.next})}"
    if f.cursor:
        context["first_url"] = f"{PATH}?{urlencode(kept)}" if kept else PATH
    return MEMBER.page(request, "member_home.html", status, **context)


# -- a case -----------------------------------------------------------------------------------


async def case_page(
    request: Request,
    p: Principal,
    desk: Desk,
    case_id: str,
    *,
    done: str | None = None,
    min_version: int | None = None,
    refused: Failure | None = None,
) -> HTMLResponse:
    """A case of the supply chain, redacted, with its plan and what happened."""
    await h.case_events(desk.store, p, case_id)  # 404 outside the supply chain, at once
    stale = bool(
        min_version
        and not await wait_for_version(
            desk.pool, VIEWS, case_id, min_version, timeout=READ_BACK_SECONDS
        )
    )
    async with desk.pool.acquire() as conn:
        today, frames = await desk.cases.calendar_in(conn, p.tenant)
        row = await q.case_row(conn, p.tenant, case_id)
        if row is None or row["member_org"] != p.org:
            raise Problem(404, "not-found", h.NOT_FOUND)
        actions = await q.actions(conn, case_id, today)
        waived = {w["action_id"] for w in (await remedies_views.delivered(conn, case_id))["waived"]}
        timeline = member_timeline(await q.timeline(conn, case_id), frames.local_day)
    is_open = row["status"] == d.Status.open
    context = {
        "principal": p,
        "case": q.in_days({k: row[k] for k in q.MEMBER_COLUMNS}, frames.local_day),
        "actions": actions,
        "waived": waived,
        "timeline": actions_named(timeline, actions),
        "zone": frames.time_zone,
        "today": today,
        "is_open": is_open,
        "late": is_open and (row["deadline_missed"] or (
            row["stage_due"] is not None and row["stage_due"] < today)),
        "plan_stage": row["stage"] in (d.Stage.remediation_plan, d.Stage.implementation),
        "can_plan": allowed(p.roles, Action.plan_action_update),
        "own": d.Owner.member_company,
        "owners": MEMBER_OWNERS,
        "remedies": list(d.Remedy),
        "done": done,
        "stale": stale,
        **(refused.context() if refused else NO_FAILURE),
    }  # fmt: skip
    return MEMBER.page(request, "member_case.html", refused.status if refused else 200, **context)


@router.get("/cases/{case_id}")
async def case(
    request: Request,
    case_id: str,
    p: Member,
    desk: CaseDesk,
    min_version: MinVersion = None,
    done: Done = None,
) -> HTMLResponse:
    return await case_page(request, p, desk, case_id, done=done, min_version=min_version)
