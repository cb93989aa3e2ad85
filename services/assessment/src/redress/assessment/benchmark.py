"""The peer benchmark: a member's levels against the distribution of the initiative's members.

Each organisation counts once, with its latest agreed rating on the framework version. The
distribution is shown only when at least k organisations have one (the tenant's minimum
count, `evidence.minimum_count`, shared with metrics): below that, it would tell members each
other's ratings.
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Query

from redress.assessment import handlers as h
from redress.assessment import queries as q
from redress.assessment import read_answers as a
from redress.assessment import requests as r
from redress.assessment.api import Reader
from redress.assessment.context import AssessmentDesk
from redress.assessment.evidence import minimum_count
from redress.assessment.frameworks import Framework
from redress.kit.deps import Pool
from redress.kit.errors import Problem
from redress.kit.openapi import answers, documented

router = APIRouter(tags=["benchmark"])
NONE = "none"  # not even the first level


def distribution(f: Framework, ratings: list[dict[str, Any]]) -> dict[str, Any]:
    """Per step and overall, how many organisations stand at each level, pure."""
    cells = [NONE, *f.levels]

    def count(values: list[str | None]) -> dict[str, int]:
        return {c: sum(1 for v in values if (v or NONE) == c) for c in cells}

    steps = {s.id: count([x["levels"].get(s.id) for x in ratings]) for s in f.steps}
    return {"steps": steps, "overall": count([x["overall"] for x in ratings])}


@router.get(
    "/v1/benchmark",
    responses=answers(404)
    | documented(a.Benchmark, "The members' levels, and yours, once k members are rated"),
)
async def benchmark(
    p: Reader,
    pool: Pool,
    desk: AssessmentDesk,
    framework: Annotated[str, Query(pattern=r.ID, max_length=40)] = "gm-journey",
    version: Annotated[int | None, Query(ge=1, le=1000)] = None,
) -> dict[str, Any]:
    """The members' latest agreed levels per step, and yours (a member's), once at least k
    members have an agreed rating on this framework version."""
    f = desk.frameworks.get(framework, version) if version else desk.frameworks.latest(framework)
    if f is None or f.kind != "journey":
        raise Problem(404, "not-found", "there is no such journey framework or version")
    async with pool.acquire() as conn:
        rated = await q.latest_ratings(conn, p.tenant, f.id, f.version)
        k = await minimum_count(conn, p.tenant)
    mine = h.scope(p)
    answer: dict[str, Any] = {"framework": f.id, "version": f.version, "minimum_count": k,
                              "yours": rated.get(mine) if mine else None}  # fmt: skip
    if len(rated) < k:
        return answer | {"shown": False, "members": None, "distribution": None}
    return answer | {"shown": True, "members": len(rated),
                     "distribution": distribution(f, list(rated.values()))}  # fmt: skip
