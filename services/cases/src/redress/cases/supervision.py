"""What the supervisor is told: the open cases whose stage deadline was missed.

The scheduler records each miss as `StageDeadlineMissed` on the case; the case views mark the
case `deadline_missed` until its stage moves on. Officers see their own late cases in the
queue (`overdue`); the supervisor, who answers for the officers, is the audience of this list
(`deadline.oversee`), oldest deadline first.
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query

from redress.cases.read_answers import MissedDeadlines
from redress.kit.auth import Principal
from redress.kit.authz import Action
from redress.kit.deps import Pool, permitted
from redress.kit.openapi import documented

router = APIRouter(prefix="/v1/supervision", tags=["supervision"])
Supervisor = Annotated[Principal, Depends(permitted(Action.deadline_oversee))]

_MISSED = """
SELECT case_id, stage, stage_due, officer, severity
FROM cases.cases
WHERE tenant = $1 AND status = 'open' AND deadline_missed
ORDER BY stage_due NULLS LAST, case_id
LIMIT $2
"""


@router.get(
    "/missed-deadlines",
    responses=documented(MissedDeadlines, "Open cases past a stage deadline, oldest first"),
)
async def missed_deadlines(
    p: Supervisor, pool: Pool, limit: Annotated[int, Query(ge=1, le=500)] = 200
) -> dict[str, Any]:
    """Open cases of the tenant past a stage deadline, with the officer who holds each."""
    async with pool.acquire() as conn:
        rows = await conn.fetch(_MISSED, p.tenant, limit)
    items = [
        {**dict(r), "stage_due": r["stage_due"].isoformat() if r["stage_due"] else None}
        for r in rows
    ]
    return {"items": items}
