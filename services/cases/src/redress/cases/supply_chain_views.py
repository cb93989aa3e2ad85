"""Read models of suppliers and systemic issues: who stands where, and what groups what."""

from __future__ import annotations

import json
from typing import Any

from redress.events.catalogue.supply_chain import (
    CasesLinked,
    SupplierConsequenceDecided,
    SystemicActionAdded,
    SystemicIssueOpened,
)
from redress.events.envelope import Event
from redress.events.projection import Projection, write_rows
from redress.events.store import Conn

_CONSEQUENCES = """
INSERT INTO supplier_consequences
SELECT v.tenant, v.site_id, v.position, v.consequence, v.reasons,
    ARRAY(SELECT x FROM jsonb_array_elements_text(v.case_ids) WITH ORDINALITY AS a(x, n)
          ORDER BY n),
    ARRAY(SELECT x FROM jsonb_array_elements_text(v.steps) WITH ORDINALITY AS a(x, n)
          ORDER BY n),
    v.decided_on
FROM unnest($1::text[], $2::text[], $3::bigint[], $4::text[], $5::text[], $6::jsonb[],
            $7::jsonb[], $8::date[])
     AS v(tenant, site_id, position, consequence, reasons, case_ids, steps, decided_on)
ON CONFLICT DO NOTHING
"""
# Where each supplier stands: its latest consequence.
_SUPPLIERS = """
INSERT INTO suppliers SELECT * FROM unnest($1::text[], $2::text[], $3::text[], $4::date[])
ON CONFLICT (tenant, site_id) DO UPDATE SET consequence = excluded.consequence,
    decided_on = excluded.decided_on
"""
_ISSUES = """
INSERT INTO systemic_issues SELECT * FROM unnest($1::text[], $2::text[], $3::text[],
                                                 $4::text[], $5::text[], $6::timestamptz[])
ON CONFLICT DO NOTHING
"""
_LINKED = """
INSERT INTO systemic_cases SELECT * FROM unnest($1::text[], $2::text[]) ON CONFLICT DO NOTHING
"""
_ACTIONS = """
INSERT INTO systemic_actions SELECT * FROM unnest($1::text[], $2::text[], $3::text[],
                                                  $4::text[], $5::date[])
ON CONFLICT DO NOTHING
"""


class SupplyChainViews(Projection):
    name = "supply_chain"
    schema = "cases"
    stream_types = ("supplier", "systemic")
    tables = ("suppliers", "supplier_consequences", "systemic_issues", "systemic_cases",
              "systemic_actions")  # fmt: skip

    async def apply(self, conn: Conn, event: Event) -> None:
        await self.apply_batch(conn, [event])

    async def apply_batch(self, conn: Conn, events: list[Event]) -> None:
        consequences: list[tuple[Any, ...]] = []
        suppliers: dict[tuple[str, str], tuple[Any, ...]] = {}  # the batch's latest, each
        issues: list[tuple[Any, ...]] = []
        linked: list[tuple[Any, ...]] = []
        actions: list[tuple[Any, ...]] = []
        for event in events:
            match event.data:
                case SupplierConsequenceDecided() as d:
                    consequences.append((event.tenant, d.site_id, event.position,
                                         d.consequence.value, d.reasons,
                                         json.dumps(list(d.case_ids)), json.dumps(list(d.steps)),
                                         d.decided_on))  # fmt: skip
                    key = (event.tenant, d.site_id)
                    suppliers[key] = (*key, d.consequence.value, d.decided_on)
                case SystemicIssueOpened() as o:
                    issues.append((o.issue_id, event.tenant, o.title, o.site_id, o.category,
                                   event.time))  # fmt: skip
                case CasesLinked() as cases:
                    linked += [(cases.issue_id, case_id) for case_id in cases.case_ids]
                case SystemicActionAdded() as a:
                    actions.append((a.issue_id, a.action_id, a.description, a.owner, a.due_on))
        for sql, rows in ((_CONSEQUENCES, consequences), (_SUPPLIERS, list(suppliers.values())),
                          (_ISSUES, issues), (_LINKED, linked), (_ACTIONS, actions)):  # fmt: skip
            await write_rows(conn, sql, rows)
