"""The officer console's pages of suppliers and systemic issues: what several cases show
together, and what the initiative did about it (QIMA's "violations acted on, suppliers
exited").

An issue and a supplier are read from the log, as the API reads them, so a page shows a
write at once; the lists read the projection. Their forms are in
`supply_chain_console_forms`, each running the API's own handler.
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Path, Query, Request
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator
from starlette.responses import HTMLResponse

from redress.cases import supply_chain as sc
from redress.cases import supply_chain_handlers as h
from redress.cases import supply_chain_queries as q
from redress.cases.console import Staff
from redress.cases.console_render import PATH, ConsoleRoute, page
from redress.cases.context import CaseDesk, Desk
from redress.cases.domain import Owner
from redress.events.catalogue.grievance import Category
from redress.events.catalogue.supply_chain import Consequence
from redress.kit.auth import Principal
from redress.kit.authz import Action, allowed
from redress.kit.console import fields_of
from redress.kit.console.refusals import NO_FAILURE, Failure
from redress.kit.errors import Problem
from redress.kit.text import Line

router = APIRouter(prefix=PATH, include_in_schema=False, route_class=ConsoleRoute)
SiteId = Annotated[str, Path(min_length=1, max_length=100, pattern=r"^[a-z0-9][a-z0-9-]*$")]
Done = Annotated[str | None, Query(max_length=40)]
SITE_PATTERN = r"^[a-z0-9][a-z0-9-]*$"


def _common(p: Principal, done: str | None, refused: Failure | None) -> dict[str, Any]:
    return {
        "principal": p,
        "done": done,
        "can_manage": allowed(p.roles, Action.case_manage),
        **(refused.context() if refused else NO_FAILURE),
    }


# -- systemic issues --------------------------------------------------------------------------


@router.get("/systemic-issues")
async def issues(request: Request, p: Staff, desk: CaseDesk) -> HTMLResponse:
    async with desk.pool.acquire() as conn:
        rows = await q.issues(conn, p.tenant)
    return page(request, desk.cases, "issues.html", issues=rows, **_common(p, None, None))


class Finding(BaseModel):
    """The new issue page's GET form: the cases to choose from, by site and category."""

    model_config = ConfigDict(extra="ignore", str_strip_whitespace=True)

    site_id: Line | None = Field(None, max_length=100, pattern=SITE_PATTERN)
    category: Category | None = None

    @field_validator("site_id", "category", mode="before")
    @classmethod
    def _blank_is_none(cls, value: Any) -> Any:
        return None if value == "" else value


@router.get("/systemic-issues/new")
async def new_issue(request: Request, p: Staff, desk: CaseDesk) -> HTMLResponse:
    return await new_issue_page(request, p, desk, dict(request.query_params))


async def new_issue_page(
    request: Request,
    p: Principal,
    desk: Desk,
    wanted: dict[str, str],
    refused: Failure | None = None,
) -> HTMLResponse:
    """The form that opens an issue, with the cases at a site or of a category to tick."""
    status, finding = 200, Finding()
    context = _common(p, None, refused)
    try:
        finding = Finding.model_validate(wanted)
    except ValidationError as exc:
        status = 422
        context |= {"failed": "find", "fields": fields_of(exc, ("site_id", "category")),
                    "typed": wanted, "error": "the cases could not be looked for"}  # fmt: skip
    candidates: list[dict[str, Any]] = []
    if finding.site_id or finding.category:
        async with desk.pool.acquire() as conn:
            candidates = await q.cases_at(
                conn, p.tenant, site_id=finding.site_id,
                category=finding.category.value if finding.category else None,
            )  # fmt: skip
    return page(
        request, desk.cases, "issue_new.html", refused.status if refused else status,
        finding=finding, candidates=candidates, categories=list(Category), **context,
    )  # fmt: skip


@router.get("/systemic-issues/{issue_id}")
async def issue(
    request: Request, issue_id: Annotated[str, Path(max_length=80)], p: Staff, desk: CaseDesk,
    done: Done = None,
) -> HTMLResponse:  # fmt: skip
    return await issue_page(request, p, desk, issue_id, done)


async def issue_page(
    request: Request,
    p: Principal,
    desk: Desk,
    issue_id: str,
    done: str | None = None,
    refused: Failure | None = None,
) -> HTMLResponse:
    """The issue, the grievances it links and its plan; cases like them to link."""
    found = await h.issue_of(desk, p, issue_id)
    async with desk.pool.acquire() as conn:
        today = await desk.cases.today_in(conn, p.tenant)
        linked = await q.case_rows(conn, p.tenant, found["cases"])
        candidates = []
        if found.get("site_id") or found.get("category"):
            candidates = await q.cases_at(
                conn, p.tenant, site_id=found.get("site_id"), category=found.get("category"),
                leaving_out=found["cases"],
            )  # fmt: skip
    return page(
        request, desk.cases, "issue.html", refused.status if refused else 200,
        issue=found, linked=linked, candidates=candidates, owners=list(Owner),
        today=today, **_common(p, done, refused),
    )  # fmt: skip


# -- suppliers --------------------------------------------------------------------------------


@router.get("/suppliers")
async def suppliers(request: Request, p: Staff, desk: CaseDesk) -> HTMLResponse:
    async with desk.pool.acquire() as conn:
        sites = await q.sites(conn, p.tenant)
    counts = q.by_consequence(sites)
    return page(
        request, desk.cases, "suppliers.html", sites=sites, counts=counts,
        consequences=list(Consequence), **_common(p, None, None),
    )  # fmt: skip


@router.get("/suppliers/{site_id}")
async def supplier(
    request: Request, site_id: SiteId, p: Staff, desk: CaseDesk, done: Done = None
) -> HTMLResponse:
    return await supplier_page(request, p, desk, site_id, done)


async def supplier_page(
    request: Request,
    p: Principal,
    desk: Desk,
    site_id: str,
    done: str | None = None,
    refused: Failure | None = None,
) -> HTMLResponse:
    """Where the supplier stands, the consequences that led there, and its cases."""
    decided = await h.consequences_of(desk, p, site_id)
    async with desk.pool.acquire() as conn:
        cases = await q.cases_at(conn, p.tenant, site_id=site_id)
        at_site = await q.issues(conn, p.tenant, site_id)
    if not (decided or cases or at_site):
        raise Problem(404, "not-found", "the initiative has no case and no consequence there")
    standing = sc.standing(list(decided))
    return page(
        request, desk.cases, "supplier.html", refused.status if refused else 200,
        site_id=site_id, standing=standing, decided=decided, site_cases=cases, issues=at_site,
        next_steps=sc.may_follow(standing), needs_steps=sc.needs_steps,
        **_common(p, done, refused),
    )  # fmt: skip
