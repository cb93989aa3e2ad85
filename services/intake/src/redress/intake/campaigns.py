"""Read model of callback campaigns: audits and their callbacks, in the `intake` schema.

The operators' queue and the campaign figures (per site, per country) are both read from
`callbacks`; the figures are counted when asked, so they always add up.
"""

from __future__ import annotations

from redress.events.catalogue.audit import (
    AuditRegistered,
    CallbackAttemptMissed,
    CallbackCompleted,
    CallbackScheduled,
)
from redress.events.envelope import Event
from redress.events.projection import Projection
from redress.events.store import Conn


class Campaigns(Projection):
    name = "campaigns"
    schema = "intake"
    stream_types = ("audit",)
    handles = (AuditRegistered, CallbackScheduled, CallbackAttemptMissed, CallbackCompleted)
    tables = ("audits", "callbacks")

    async def apply(self, conn: Conn, event: Event) -> None:
        match event.data:
            case AuditRegistered() as audit:
                await conn.execute(
                    """INSERT INTO audits VALUES ($1, $2, $3, $4, $5, $6, $7, $8)
                       ON CONFLICT (audit_id) DO NOTHING""",
                    audit.audit_id,
                    event.tenant,
                    audit.site_id,
                    audit.country,
                    audit.audit_date,
                    audit.auditor_org,
                    audit.workers,
                    event.time,
                )
            case CallbackScheduled() as callback:
                await conn.execute(
                    """INSERT INTO callbacks (callback_id, audit_id, tenant, site_id,
                           country, due_on, language, contact, version)
                       SELECT $1, a.audit_id, a.tenant, a.site_id, a.country, $3, $4,
                              $5::jsonb, $6
                       FROM audits a WHERE a.audit_id = $2
                       ON CONFLICT (callback_id) DO NOTHING""",
                    callback.callback_id,
                    callback.audit_id,
                    callback.due_on,
                    callback.language,
                    callback.contact.model_dump_json(),
                    event.version,
                )
            case CallbackAttemptMissed() as missed:
                # Back in the queue on the day of the next call.
                await conn.execute(
                    """UPDATE callbacks SET due_on = $2, attempts = $3, version = $4
                       WHERE callback_id = $1""",
                    missed.callback_id, missed.next_due_on, missed.attempt, event.version,
                )  # fmt: skip
            case CallbackCompleted() as outcome:
                await conn.execute(
                    """UPDATE callbacks SET completed_at = $2, reached = $3,
                           retaliation_reported = $4, grievance_id = $5, version = $6,
                           attempts = $7
                       WHERE callback_id = $1""",
                    outcome.callback_id,
                    event.time,
                    outcome.reached,
                    outcome.retaliation_reported,
                    outcome.grievance_id,
                    event.version,
                    outcome.attempts,
                )
