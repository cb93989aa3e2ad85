"""Read models of suppliers and systemic issues: who stands where, and what groups what."""

from __future__ import annotations

from redress.events.catalogue.supply_chain import (
    CasesLinked,
    SupplierConsequenceDecided,
    SystemicActionAdded,
    SystemicIssueOpened,
)
from redress.events.envelope import Event
from redress.events.projection import Projection
from redress.events.store import Conn


class SupplyChainViews(Projection):
    name = "supply_chain"
    schema = "cases"
    stream_types = ("supplier", "systemic")
    tables = ("suppliers", "supplier_consequences", "systemic_issues", "systemic_cases",
              "systemic_actions")  # fmt: skip

    async def apply(self, conn: Conn, event: Event) -> None:
        match event.data:
            case SupplierConsequenceDecided() as d:
                await conn.execute(
                    "INSERT INTO supplier_consequences VALUES ($1, $2, $3, $4, $5, $6, $7, $8)"
                    " ON CONFLICT DO NOTHING",
                    event.tenant, d.site_id, event.position, d.consequence.value, d.reasons,
                    list(d.case_ids), list(d.steps), d.decided_on,
                )  # fmt: skip
                await conn.execute(
                    "INSERT INTO suppliers VALUES ($1, $2, $3, $4) ON CONFLICT (tenant, site_id)"
                    " DO UPDATE SET consequence = $3, decided_on = $4",
                    event.tenant, d.site_id, d.consequence.value, d.decided_on,
                )  # fmt: skip
            case SystemicIssueOpened() as o:
                await conn.execute(
                    "INSERT INTO systemic_issues VALUES ($1, $2, $3, $4, $5, $6)"
                    " ON CONFLICT DO NOTHING",
                    o.issue_id, event.tenant, o.title, o.site_id, o.category, event.time,
                )  # fmt: skip
            case CasesLinked() as linked:
                await conn.executemany(
                    "INSERT INTO systemic_cases VALUES ($1, $2) ON CONFLICT DO NOTHING",
                    [(linked.issue_id, case_id) for case_id in linked.case_ids],
                )
            case SystemicActionAdded() as a:
                await conn.execute(
                    "INSERT INTO systemic_actions VALUES ($1, $2, $3, $4, $5)"
                    " ON CONFLICT DO NOTHING",
                    a.issue_id, a.action_id, a.description, a.owner, a.due_on,
                )  # fmt: skip
