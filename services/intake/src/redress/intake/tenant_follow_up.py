"""The tenant admin API for following up by phone: `/v1/tenant/follow-up`.

How many times an unreached worker is called, how many days apart, and how long after a
retaliation case ends the worker is called to ask whether anything happened since. The
tenancy domain decides; callbacks and check-ins read the numbers on the tenant's stream.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter
from pydantic import BaseModel, ConfigDict, Field

from redress.intake.tenant_api import TENANT_ANSWERS, Admin, run
from redress.kit.deps import Store
from redress.kit.errors import Problem
from redress.kit.numbers import JSON_INTEGER
from redress.tenancy.follow_up import MAX_ATTEMPTS, MAX_CHECK_IN_DAYS, MAX_RETRY_DAYS, SetFollowUp
from redress.tenancy.handlers import load, tenant_stream

router = APIRouter(prefix="/v1", tags=["tenant"])


class FollowUpInput(BaseModel):
    """Whole numbers as the schema says: `true` or "3" are not a number of calls."""

    model_config = ConfigDict(extra="forbid")

    callback_attempts: Annotated[int, Field(ge=1, le=MAX_ATTEMPTS), JSON_INTEGER] = Field(
        3, description="calls to a worker, in all, before the callback is given up unreached"
    )
    callback_retry_days: Annotated[int, Field(ge=1, le=MAX_RETRY_DAYS), JSON_INTEGER] = Field(
        1, description="days after an unanswered call that the worker is called again"
    )
    check_in_days: Annotated[int, Field(ge=1, le=MAX_CHECK_IN_DAYS), JSON_INTEGER] = Field(
        30, description="days after a retaliation case ends that the worker is called back"
    )


class FollowUpAnswer(FollowUpInput):
    stream: str
    version: int


@router.put("/tenant/follow-up", response_model=FollowUpAnswer, responses=TENANT_ANSWERS)
async def set_follow_up(body: FollowUpInput, principal: Admin, store: Store) -> FollowUpAnswer:
    """Set how callbacks are tried again and when a worker who reported retaliation is called
    back; calls recorded from now on follow it. The same numbers again record nothing."""
    done = await run(store, principal, SetFollowUp(**body.model_dump()))
    numbers = done.state.follow_up.model_dump()
    return FollowUpAnswer(**numbers, stream=done.stream, version=done.version)


@router.get("/tenant/follow-up", response_model=FollowUpAnswer, responses=TENANT_ANSWERS)
async def get_follow_up(principal: Admin, store: Store) -> FollowUpAnswer:
    state, version = await load(store, principal.tenant)
    if not state.registered:
        raise Problem(404, "unknown-tenant", f"there is no initiative {principal.tenant!r}")
    numbers = state.follow_up.model_dump()
    return FollowUpAnswer(**numbers, stream=tenant_stream(principal.tenant), version=version)
