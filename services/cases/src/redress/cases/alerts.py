"""Alerts before the officers: what needs a person now, shown above the console's queue.

A retaliation report raises one (`RetaliationAlertRaised`, on the case opened for it). It
stands until an officer is assigned to the case, or the case ends: someone has taken it.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from redress.events.catalogue.case import (
    CaseClosed,
    CaseRejected,
    OfficerAssigned,
    RetaliationAlertRaised,
)
from redress.events.envelope import Event
from redress.events.projection import Projection
from redress.events.store import Conn


class Alerts(Projection):
    name = "alerts"
    schema = "cases"
    stream_types = ("case",)
    handles = (RetaliationAlertRaised, OfficerAssigned, CaseClosed, CaseRejected)
    tables = ("alerts",)

    async def apply(self, conn: Conn, event: Event) -> None:
        match event.data:
            case RetaliationAlertRaised() as a:
                await conn.execute(
                    """INSERT INTO alerts VALUES ($1, $2, 'retaliation', $3, $4, $5, $6, NULL)
                       ON CONFLICT (case_id) DO NOTHING""",
                    a.case_id, event.tenant, a.report_id, a.channel, a.linked_case_id,
                    event.time,
                )  # fmt: skip
            case (
                OfficerAssigned(case_id=case_id)
                | CaseClosed(case_id=case_id)
                | CaseRejected(case_id=case_id)
            ):
                await conn.execute(
                    """UPDATE alerts SET cleared_at = $2
                       WHERE case_id = $1 AND cleared_at IS NULL""",
                    case_id, event.time,
                )  # fmt: skip


@dataclass(frozen=True)
class Alert:
    case_id: str
    kind: str
    channel: str
    linked_case_id: str | None
    raised_at: datetime


async def standing(conn: Conn, tenant: str, limit: int = 50) -> list[Alert]:
    """The tenant's standing alerts, oldest first: the longest waiting is the most urgent."""
    rows = await conn.fetch(
        """SELECT case_id, kind, channel, linked_case_id, raised_at FROM cases.alerts
           WHERE tenant = $1 AND cleared_at IS NULL ORDER BY raised_at, case_id LIMIT $2""",
        tenant, limit,
    )  # fmt: skip
    return [Alert(**dict(r)) for r in rows]


async def of_case(conn: Conn, case_id: str) -> Alert | None:
    row = await conn.fetchrow(
        """SELECT case_id, kind, channel, linked_case_id, raised_at FROM cases.alerts
           WHERE case_id = $1""",
        case_id,
    )
    return Alert(**dict(row)) if row else None
