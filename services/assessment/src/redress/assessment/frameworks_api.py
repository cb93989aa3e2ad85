"""The frameworks, and an organisation's ratings over time."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Path

from redress.assessment import handlers as h
from redress.assessment import queries as q
from redress.assessment import read_answers as a
from redress.assessment import requests as r
from redress.assessment.context import AssessmentDesk
from redress.assessment.reading import framework_json, summary
from redress.kit.auth import Principal
from redress.kit.authz import Action
from redress.kit.deps import Pool, permitted
from redress.kit.errors import Problem
from redress.kit.openapi import documented

router = APIRouter(tags=["frameworks"])
FrameworkReader = Annotated[Principal, Depends(permitted(Action.framework_read))]
Reader = Annotated[Principal, Depends(permitted(Action.assessment_read))]


@router.get(
    "/v1/frameworks",
    responses=documented(a.Frameworks, "Every version of every framework, the latest marked"),
)
async def frameworks(p: FrameworkReader, desk: AssessmentDesk) -> dict[str, Any]:
    """Every version of every framework this build ships, the latest of each marked."""
    f = desk.frameworks
    return {"items": [summary(x, latest=f.latest(x.id) == x) for x in f.all()]}


@router.get(
    "/v1/frameworks/{framework}/{version}",
    responses=documented(a.Framework, "The framework's version, whole"),
)
async def framework(
    framework: Annotated[str, Path(pattern=r.ID, max_length=40)],
    version: Annotated[int, Path(ge=1, le=1000)],
    p: FrameworkReader,
    desk: AssessmentDesk,
) -> dict[str, Any]:
    """One version of a framework, whole: each criterion with its source and UNGP criteria."""
    found = desk.frameworks.get(framework, version)
    if found is None:
        raise Problem(404, "not-found", "there is no such framework or version")
    return framework_json(found)


@router.get(
    "/v1/organisations/{org}/ratings",
    responses=documented(a.Ratings, "The organisation's agreed ratings, oldest first"),
)
async def ratings(
    org: Annotated[str, Path(max_length=200, pattern=r"^\S+$")], p: Reader, pool: Pool
) -> dict[str, Any]:
    """An organisation's agreed ratings, oldest first: its level per step over time. A
    member reads its own organisation's only."""
    if (mine := h.scope(p)) is not None and org != mine:
        raise Problem(404, "not-found", "there is no such organisation")
    async with pool.acquire() as conn:
        return {"items": await q.history(conn, p.tenant, org)}
