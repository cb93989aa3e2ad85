"""The dashboards' figures: a member company's own supply chain, for a closed period
(`redress.metrics.member`), protected with the tenant's k; and the initiative's work as it
stands now, for its officers (`redress.metrics.officer`)."""

from __future__ import annotations

import asyncio
from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Annotated, Any
from zoneinfo import ZoneInfo

from fastapi import APIRouter, Depends, Query
from pydantic import BaseModel

from redress.kit.auth import Principal
from redress.kit.authz import Action
from redress.kit.deps import Pool, permitted
from redress.kit.errors import Problem
from redress.kit.openapi import answers
from redress.metrics import ledger, officer
from redress.metrics.api import PERIOD
from redress.metrics.member import dashboard
from redress.metrics.releases.periods import figures_period
from redress.metrics.tables import period_of
from redress.tenancy.handlers import read_tenant

router = APIRouter(prefix="/v1/figures", tags=["figures"])
Member = Annotated[Principal, Depends(permitted(Action.figures_member))]
Officer = Annotated[Principal, Depends(permitted(Action.figures_officer))]


class MemberFigures(BaseModel):
    period: str
    member: str
    k: int
    tables: list[dict[str, Any]]
    statistics: list[dict[str, Any]]
    initiative: dict[str, dict[str, Any] | None]
    as_of: str
    actions: list[dict[str, Any]]


def refuse_non_member(members: Mapping[str, str], org: str) -> None:
    """403 for an organisation the initiative has not admitted: its token is not a member's
    here, and empty figures would read as a supply chain with no grievances."""
    if org not in members:
        raise Problem(403, "not-a-member", f"{org!r} is not a member of this initiative")


@router.get("/member", response_model=MemberFigures, responses=answers(409))
async def member_figures(
    p: Member,
    pool: Pool,
    period: Annotated[str, Query(pattern=PERIOD, description="2025, 2025-Q1 or 2025-03; closed")],
) -> MemberFigures:
    """The member's own figures for a closed period: no count below k, no indicator or
    referral figure; the initiative's medians beside them; the plan actions it owns, open
    and overdue now, by remedy type."""
    if p.org is None:
        raise Problem(403, "no-organisation", "a member's token names its organisation")
    try:
        label = figures_period(period)
    except ValueError as exc:
        raise Problem(422, "bad-period", str(exc)) from None
    async with pool.acquire() as conn:
        tenant = await read_tenant(conn, p.tenant)
    settings, k = tenant.settings, tenant.minimum_count
    if settings is None:
        raise Problem(404, "not-found", f"there is no initiative {p.tenant!r}")
    refuse_non_member(tenant.members, p.org)
    today = datetime.now(UTC).astimezone(ZoneInfo(settings.time_zone)).date()
    if not label.closed_on(today):
        raise Problem(409, "period-open", f"{label.label} is not over yet")
    async with pool.acquire() as conn, conn.transaction(isolation="repeatable_read"):
        rows = await ledger.read(conn, p.tenant)
    # Disclosure control solves integer programs: seconds, in a thread.
    shown = await asyncio.to_thread(dashboard, rows, p.org, period_of(label.kind, label.start), k,
                                    datetime.now(UTC))  # fmt: skip
    return MemberFigures(**shown)


class OfficerFigures(BaseModel):
    as_of: str
    queues: dict[str, int]
    overdue: dict[str, int]
    referrals_open: dict[str, int]
    callbacks_due: dict[str, int]


@router.get("/officer", response_model=OfficerFigures)
async def officer_figures(p: Officer, pool: Pool) -> OfficerFigures:
    """Open grievances by stage now, those past their stage's due date, referrals open by
    their latest step, and callbacks due and not made, by the audit's country."""
    async with pool.acquire() as conn, conn.transaction(isolation="repeatable_read"):
        rows = await ledger.read(conn, p.tenant)
    return OfficerFigures(**officer.dashboard(rows, datetime.now(UTC)))
