"""Tenant admins set how long personal data is kept after a case is closed."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends
from pydantic import BaseModel, ConfigDict, Field

from redress.events.catalogue.tenant import RetentionPeriodSet
from redress.events.ids import derived_stream
from redress.intake.filing import tenant_name
from redress.kit.auth import Principal
from redress.kit.authz import Action
from redress.kit.deps import Pool, Store, metadata_for, permitted

router = APIRouter(prefix="/v1", tags=["tenant"])
Admin = Annotated[Principal, Depends(permitted(Action.tenant_configure))]

_PROBLEMS: dict[int | str, dict[str, Any]] = {
    code: {"description": text, "content": {"application/problem+json": {}}}
    for code, text in {401: "no or bad token", 403: "role not allowed", 404: "unknown tenant",
                       409: "conflict", 422: "invalid input"}.items()
}  # fmt: skip


class RetentionInput(BaseModel):
    model_config = ConfigDict(extra="forbid")

    days: int | None = Field(
        ge=1,
        le=3650,
        description="days after a case is closed or rejected before the grievance's personal "
        "data is erased (unless the case is under a legal hold); null keeps it until the "
        "worker erases it",
    )


class RetentionAnswer(BaseModel):
    days: int | None
    stream: str
    version: int


@router.put("/retention", response_model=RetentionAnswer, responses=_PROBLEMS)
async def set_retention(
    body: RetentionInput, principal: Admin, pool: Pool, store: Store
) -> RetentionAnswer:
    """Set the retention period after closure; the platform erases what is past it by itself."""
    stream = derived_stream("tenant", principal.tenant)
    async with pool.acquire() as conn:
        await tenant_name(conn, principal.tenant)
    events = await store.read_stream(stream)
    current = next((e.data.days for e in reversed(events)
                    if isinstance(e.data, RetentionPeriodSet)), None)  # fmt: skip
    if current == body.days:  # nothing changes: nothing is appended
        return RetentionAnswer(days=body.days, stream=stream, version=len(events))
    done = await store.append(stream, [RetentionPeriodSet(days=body.days)], len(events),
                              metadata_for(principal))  # fmt: skip
    return RetentionAnswer(days=body.days, stream=done.stream, version=done.version)


@router.get("/retention", response_model=RetentionAnswer, responses=_PROBLEMS)
async def get_retention(principal: Admin, pool: Pool, store: Store) -> RetentionAnswer:
    stream = derived_stream("tenant", principal.tenant)
    async with pool.acquire() as conn:
        await tenant_name(conn, principal.tenant)
    events = await store.read_stream(stream)
    days = next((e.data.days for e in reversed(events)
                 if isinstance(e.data, RetentionPeriodSet)), None)  # fmt: skip
    return RetentionAnswer(days=days, stream=stream, version=len(events))
