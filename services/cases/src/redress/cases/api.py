"""The JSON API of cases: commands on a case, the queue, case details and timelines.

Each resource has its router (`case_commands_api`, `case_views_api`, `indicators_api`);
this module gathers the case's two, in the order their routes are documented.
"""

from __future__ import annotations

from fastapi import APIRouter

from redress.cases import case_commands_api, case_views_api, indicators_api
from redress.cases.access import Officer, PlanEditor, Reader, may_read

__all__ = ["Officer", "PlanEditor", "Reader", "indicators_router", "may_read", "router"]

router = APIRouter()
router.include_router(case_commands_api.router)
router.include_router(case_views_api.router)
indicators_router = indicators_api.router
