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
from redress.events.projection import Projection, columns, of_kind, rounds
from redress.events.store import Conn


class Alerts(Projection):
    name = "alerts"
    schema = "cases"
    stream_types = ("case",)
    handles = (RetaliationAlertRaised, OfficerAssigned, CaseClosed, CaseRejected)
    tables = ("alerts",)

    async def apply(self, conn: Conn, event: Event) -> None:
        await self.apply_batch(conn, [event])

    async def apply_batch(self, conn: Conn, events: list[Event]) -> None:
        """In rounds, each case's events in their order: an alert is cleared by the first
        event after it that takes the case."""
        for taken in rounds(events, _case_of, _raised):
            if _raised(taken[0]):
                await conn.execute(
                    """INSERT INTO alerts
                       SELECT v.case_id, v.tenant, 'retaliation', v.report_id, v.channel,
                           v.linked, v.raised_at, NULL
                       FROM unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::text[],
                                   $6::timestamptz[])
                            AS v(case_id, tenant, report_id, channel, linked, raised_at)
                       ON CONFLICT (case_id) DO NOTHING""",
                    *columns([(a.case_id, e.tenant, a.report_id, a.channel, a.linked_case_id,
                                e.time) for e, a in of_kind(taken, RetaliationAlertRaised)]),
                )  # fmt: skip
            else:
                await conn.execute(
                    """UPDATE alerts a SET cleared_at = v.t
                       FROM unnest($1::text[], $2::timestamptz[]) AS v(case_id, t)
                       WHERE a.case_id = v.case_id AND a.cleared_at IS NULL""",
                    *columns([(_case_of(e), e.time) for e in taken]),
                )


def _raised(event: Event) -> bool:
    return isinstance(event.data, RetaliationAlertRaised)


def _case_of(event: Event) -> str:
    case_id: str = getattr(event.data, "case_id")  # noqa: B009 - every type it reads has one
    return case_id


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
