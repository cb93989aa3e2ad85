"""Erasing an audit's phone numbers once its callbacks are over, after the tenant's retention.

The auditor's list of interviewed workers (each number and when it is safe to call) is
sealed under one data key per audit. It serves the callbacks and the check-ins after a
retaliation reported on one; once every callback has ended and no check-in waits, the
tenant's retention period counts from the last call, as it counts for a grievance from its
closure, and the key is deleted (`AuditPersonalDataErased`). Copies of the key on disk become
unreadable at the next rotation of the KEK. A tenant without a retention period keeps them,
as it keeps grievances.
"""

from __future__ import annotations

from datetime import datetime, timedelta

import asyncpg
import structlog

from redress.events.application import Within, execute
from redress.events.catalogue.audit import CallbackCompleted
from redress.events.catalogue.grievance import ErasureReason
from redress.events.envelope import Actor, Event, EventData, Metadata
from redress.events.store import EventStore
from redress.intake.callbacks_domain import (
    AuditRefused,
    EraseAuditData,
    audit_key_id,
    audit_stream,
    decide,
    fold,
)
from redress.kit.crypto import Keyring
from redress.tenancy.handlers import read_tenant

log = structlog.get_logger("redress.intake")

# Candidates from the read models: every callback ended long enough ago, no check-in of the
# audit waiting, the key still there. The audit's own stream and the tenant's decide.
_DUE = """
SELECT a.audit_id, a.tenant
FROM intake.audits a
JOIN intake.tenants t USING (tenant)
JOIN intake.callbacks c USING (audit_id)
WHERE t.retention_days IS NOT NULL
  AND EXISTS (SELECT FROM keyring.data_keys k WHERE k.key_id = 'audit-' || a.audit_id)
  AND NOT EXISTS (SELECT FROM intake.check_ins i
                  WHERE i.audit_id = a.audit_id AND i.done_at IS NULL)
GROUP BY a.audit_id, a.tenant, t.retention_days
HAVING bool_and(c.completed_at IS NOT NULL)
   AND max(c.completed_at) + make_interval(days => t.retention_days) <= $1
ORDER BY max(c.completed_at)
LIMIT $2
"""


async def erase_ended_audits(
    pool: asyncpg.Pool, keyring: Keyring, store: EventStore, actor: Actor, now: datetime,
    batch: int,
) -> int:  # fmt: skip
    """Erase the audits due now; how many were erased."""
    async with pool.acquire() as conn:
        rows = await conn.fetch(_DUE, now, batch)
    erased = 0
    periods: dict[str, int | None] = {}
    for row in rows:
        tenant = row["tenant"]
        if tenant not in periods:
            async with pool.acquire() as conn:
                periods[tenant] = (await read_tenant(conn, tenant)).retention_days
        if (days := periods[tenant]) is not None:
            erased += await _erase(store, keyring, actor, row["audit_id"], tenant, now, days)
    return erased


async def _erase(
    store: EventStore, keyring: Keyring, actor: Actor, audit_id: str, tenant: str, now: datetime,
    days: int,
) -> int:  # fmt: skip
    within = Within()

    async def decide_(history: list[Event]) -> list[EventData]:
        ended = [e.time for e in history if isinstance(e.data, CallbackCompleted)]
        if within.conn is None or not ended or max(ended) + timedelta(days=days) > now:
            return []
        try:  # the domain's rules: not erased yet, every callback over
            events = decide(EraseAuditData(audit_id, ErasureReason.retention),
                            fold([e.data for e in history]))  # fmt: skip
        except AuditRefused:
            return []
        await keyring.erase(within.conn, audit_key_id(audit_id))
        return events

    meta = Metadata(tenant=tenant, actor=actor)
    done = await execute(store, audit_stream(audit_id), decide_, meta, transaction=within)
    if not done.events:
        return 0
    log.info("audit's personal data erased after retention", audit_id=audit_id)
    return 1
