"""Suppliers' consequences and systemic issues over HTTP: `/v1/suppliers`, `/v1/systemic-issues`.

Officers decide and link; staff read. Members, partners and the public see none of it here.
"""

from __future__ import annotations

from typing import Annotated, Any, Literal

from fastapi import APIRouter, Path
from pydantic import Field

from redress.cases import read_answers as a
from redress.cases import supply_chain as sc
from redress.cases import supply_chain_handlers as h
from redress.cases import supply_chain_queries as q
from redress.cases.api import Officer, Reader
from redress.cases.commands import Body
from redress.cases.context import CaseDesk
from redress.cases.domain import Owner
from redress.events.catalogue.supply_chain import Consequence
from redress.kit.dates import PlausibleDate
from redress.kit.errors import Problem
from redress.kit.idempotency import Retryable
from redress.kit.openapi import answers, documented
from redress.kit.text import FilledLine, FilledProse, Line

router = APIRouter(tags=["suppliers and systemic issues"])
SiteId = Annotated[str, Path(min_length=1, max_length=100, pattern=r"^[a-z0-9][a-z0-9-]*$")]
CaseIds = Annotated[list[Annotated[str, Field(max_length=80)]], Field(max_length=500)]
Steps = Annotated[list[FilledProse], Field(max_length=50)]


class Escalation(Body):
    """A corrective action plan, a suspension or an exit: the cases behind it, and its plan."""

    consequence: Literal[Consequence.corrective_action, Consequence.suspension, Consequence.exit]
    reasons: FilledProse = Field(min_length=1, max_length=4000)
    case_ids: CaseIds = Field(min_length=1)
    steps: Steps = Field(min_length=1)


class Reinstatement(Body):
    """A suspension lifted: the plan was carried out."""

    consequence: Literal[Consequence.reinstatement]
    reasons: FilledProse = Field(min_length=1, max_length=4000)
    case_ids: CaseIds = Field(default_factory=list)


ConsequenceBody = Annotated[Escalation | Reinstatement, Field(discriminator="consequence")]


class IssueBody(Body):
    title: FilledLine = Field(min_length=1, max_length=200)
    site_id: Line | None = Field(None, max_length=100)
    category: Line | None = Field(None, max_length=100)
    case_ids: CaseIds = Field(min_length=1)


class LinkBody(Body):
    case_ids: CaseIds = Field(min_length=1)


class IssueActionBody(Body):
    description: FilledProse = Field(min_length=1, max_length=2000)
    owner: Owner
    due_on: PlausibleDate | None = None


@router.post(
    "/v1/suppliers/{site_id}/consequences",
    response_model=h.Recorded,
    status_code=201,
    responses=answers(404, 409, 422),
)
async def decide_consequence(
    site_id: SiteId, body: ConsequenceBody, p: Officer, desk: CaseDesk, retry: Retryable = None
) -> h.Recorded:
    """A corrective action plan, a suspension with the steps that protect workers meanwhile,
    a responsible exit, or a suspension lifted; with its reasons and the cases behind it.

    409 `supplier-exited` after an exit, `wrong-consequence` out of order (a suspension lifted
    that was never placed); 404 for a case that is not reachable.
    """
    steps = body.steps if isinstance(body, Escalation) else []
    return await h.decide_consequence(
        desk, p, site_id, body.consequence, body.reasons, body.case_ids, steps, retry
    )


@router.get(
    "/v1/suppliers",
    responses=answers() | documented(a.Suppliers, "The suppliers with a consequence"),
)
async def suppliers(p: Reader, desk: CaseDesk) -> dict[str, Any]:
    """Every supplier with a consequence, where it stands now, and how many stand where."""
    async with desk.pool.acquire() as conn:
        items = await q.suppliers(conn, p.tenant)
    return {"items": items, "by_consequence": q.by_consequence(items)}


@router.get(
    "/v1/suppliers/{site_id}",
    responses=answers(404)
    | documented(a.SupplierHistory, "The supplier's consequences in the order decided"),
)
async def supplier(site_id: SiteId, p: Reader, desk: CaseDesk) -> dict[str, Any]:
    """The supplier's consequences in the order decided, from the log."""
    decided = await h.consequences_of(desk, p, site_id)
    if not decided:
        raise Problem(404, "not-found", "no consequence has been decided for this supplier")
    return {
        "site_id": site_id,
        "standing": sc.standing(list(decided)),
        "consequences": [d.model_dump(mode="json") for d in decided],
    }


@router.post(
    "/v1/systemic-issues", response_model=h.Recorded, status_code=201, responses=answers(404, 422)
)
async def open_issue(
    body: IssueBody, p: Officer, desk: CaseDesk, retry: Retryable = None
) -> h.Recorded:
    """Group related cases (same site, same issue) into a systemic issue with its own plan.

    404 for a case that is not this initiative's.
    """
    return await h.open_issue(
        desk, p, body.title, body.site_id, body.category, body.case_ids, retry
    )


@router.get(
    "/v1/systemic-issues",
    responses=answers() | documented(a.Issues, "The systemic issues, newest first"),
)
async def issues(p: Reader, desk: CaseDesk) -> dict[str, Any]:
    """The initiative's systemic issues, newest first, with how many cases each groups."""
    async with desk.pool.acquire() as conn:
        return {"items": await q.issues(conn, p.tenant)}


@router.get(
    "/v1/systemic-issues/{issue_id}",
    responses=answers(404) | documented(a.Issue, "The issue, its cases and its plan"),
)
async def issue(issue_id: str, p: Reader, desk: CaseDesk) -> dict[str, Any]:
    """The issue, its cases and its plan, from the log."""
    return await h.issue_of(desk, p, issue_id)


@router.post(
    "/v1/systemic-issues/{issue_id}/cases",
    response_model=h.Recorded,
    responses=answers(404, 409, 422),
)
async def link(
    issue_id: str, body: LinkBody, p: Officer, desk: CaseDesk, retry: Retryable = None
) -> h.Recorded:
    """Link more cases to the issue. 409 `already-linked` when every one of them is."""
    return await h.link_cases(desk, p, issue_id, body.case_ids, retry)


@router.post(
    "/v1/systemic-issues/{issue_id}/actions",
    response_model=h.IssueActionAdded,
    responses=answers(404, 422),
)
async def add_action(
    issue_id: str, body: IssueActionBody, p: Officer, desk: CaseDesk, retry: Retryable = None
) -> h.IssueActionAdded:
    """An action of the issue's own plan, owned by a kind of party (not a person). The
    answer names it (`action_id`), the same on a retry."""
    return await h.add_issue_action(
        desk, p, issue_id, body.description, body.owner, body.due_on, retry
    )
