"""The action plan of an assessment: what to plan first, the actions, their progress."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter

from redress.assessment import handlers as h
from redress.assessment import plan
from redress.assessment import queries as q
from redress.assessment import read_answers as a
from redress.assessment import requests as r
from redress.assessment.api import AssessmentId, CriterionId, Member, Reader, found
from redress.assessment.context import AssessmentDesk
from redress.assessment.domain import aggregate
from redress.kit.deps import Pool
from redress.kit.idempotency import Retryable
from redress.kit.openapi import documented

router = APIRouter(prefix="/v1/assessments", tags=["action plans"])


@router.get(
    "/{assessment_id}/plan",
    responses=documented(a.ActionPlan, "The criteria to plan first and the actions planned"),
)
async def action_plan(assessment_id: AssessmentId, p: Reader, pool: Pool,
                      desk: AssessmentDesk) -> dict[str, Any]:  # fmt: skip
    """The criteria to plan first (per step, those between it and its next level, in order
    of priority) and the actions planned, with their owners, due dates and reminders."""
    await found(pool, p, assessment_id)
    events = await h.events_of(desk, assessment_id)
    state = aggregate(desk.frameworks).fold(assessment_id, events)
    assert state.framework is not None
    criteria = state.framework.criteria()
    async with pool.acquire() as conn:
        actions = await q.actions(conn, assessment_id)
    planned = {a["criterion"] for a in actions}
    first = [{"criterion": c, "text": criteria[c].text, "group": criteria[c].group,
              "planned": c in planned} for c in plan.proposal(state)]  # fmt: skip
    return {"status": state.status.value, "to_plan_first": first, "actions": actions}


@router.put("/{assessment_id}/actions/{criterion}", response_model=r.Written)
async def plan_action(
    assessment_id: AssessmentId,
    criterion: CriterionId,
    body: r.ActionBody,
    p: Member,
    desk: AssessmentDesk,
    retry: Retryable = None,
) -> r.Written:
    """Plan an action on an unmet criterion (once a rating is agreed), with its owner and due
    date; planned again, it is changed. A reminder comes a week before and once overdue."""
    return await h.plan_action(desk, p, assessment_id, criterion, body, retry)


@router.post("/{assessment_id}/actions/{criterion}/progress", response_model=r.Written)
async def progress(
    assessment_id: AssessmentId,
    criterion: CriterionId,
    body: r.ProgressBody,
    p: Member,
    desk: AssessmentDesk,
    retry: Retryable = None,
) -> r.Written:
    """Report progress on an action; `done` ends it (and its reminders)."""
    return await h.report_progress(desk, p, assessment_id, criterion, body, retry)
