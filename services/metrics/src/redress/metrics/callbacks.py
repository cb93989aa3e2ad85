"""The callback programme as the figures count it: audits, callbacks scheduled, calls made.

The shape of the QIMA figures (audits, workers interviewed, callbacks due, made and
reached, retaliation reported, grievances raised), from the `audit` streams, and the
consequences for suppliers (corrective action, suspension, exit) from the `supplier` streams
the case work writes. The phone numbers stay sealed in the log; no row here holds one, nor a
consequence's reasons or steps.
"""

from __future__ import annotations

from typing import Any

from redress.events.catalogue.audit import AuditRegistered, CallbackCompleted, CallbackScheduled
from redress.events.catalogue.supply_chain import SupplierConsequenceDecided
from redress.events.envelope import Event
from redress.events.projection import Projection
from redress.events.store import Conn

_AUDITS = """
INSERT INTO audits SELECT * FROM unnest($1::text[], $2::text[], $3::text[], $4::text[],
                                        $5::date[], $6::int[], $7::timestamptz[])
ON CONFLICT DO NOTHING
"""
_CALLBACKS = """
INSERT INTO callbacks SELECT * FROM unnest($1::text[], $2::text[], $3::text[], $4::date[],
                                           $5::text[])
ON CONFLICT DO NOTHING
"""
_CONSEQUENCES = """
INSERT INTO consequences SELECT * FROM unnest($1::text[], $2::bigint[], $3::text[], $4::text[],
                                              $5::date[])
ON CONFLICT DO NOTHING
"""
_CALLS = """
INSERT INTO calls SELECT * FROM unnest($1::text[], $2::text[], $3::text[], $4::timestamptz[],
                                       $5::bool[], $6::bool[], $7::text[])
ON CONFLICT DO NOTHING
"""


class Callbacks(Projection):
    name = "callbacks"
    schema = "metrics"
    stream_types = ("audit", "supplier")
    handles = (AuditRegistered, CallbackScheduled, CallbackCompleted, SupplierConsequenceDecided)
    tables = ("audits", "callbacks", "calls", "consequences")

    async def apply(self, conn: Conn, event: Event) -> None:
        await self.apply_batch(conn, [event])

    async def apply_batch(self, conn: Conn, events: list[Event]) -> None:
        audits: list[tuple[Any, ...]] = []
        callbacks: list[tuple[Any, ...]] = []
        calls: list[tuple[Any, ...]] = []
        consequences: list[tuple[Any, ...]] = []
        for event in events:
            match event.data:
                case AuditRegistered() as a:
                    audits.append((event.tenant, a.audit_id, a.site_id, a.country,
                                   a.audit_date, a.workers, event.time))  # fmt: skip
                case CallbackScheduled() as c:
                    callbacks.append((event.tenant, c.callback_id, c.audit_id, c.due_on,
                                      c.language))  # fmt: skip
                case CallbackCompleted() as c:
                    calls.append((event.tenant, c.callback_id, c.audit_id, event.time,
                                  c.reached, c.retaliation_reported, c.grievance_id))  # fmt: skip
                case SupplierConsequenceDecided() as d:
                    consequences.append((event.tenant, event.position, d.site_id,
                                         d.consequence.value, d.decided_on))  # fmt: skip
        for sql, rows in ((_AUDITS, audits), (_CALLBACKS, callbacks), (_CALLS, calls),
                          (_CONSEQUENCES, consequences)):  # fmt: skip
            if rows:
                await conn.execute(sql, *(list(column) for column in zip(*rows, strict=True)))
