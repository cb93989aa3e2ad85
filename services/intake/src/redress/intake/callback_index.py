"""Which audit each callback belongs to, written with the audit's registration.

Recording a call's outcome starts from the callback id alone. It finds the audit here, in a
table written in the registration's transaction (as receipts are: ADR 4), not in the
campaigns read model, which a rebuild in place empties for a while (ADR 18). Each row holds
only what the audit's CallbackScheduled events say too.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from redress.events.store import Conn


@dataclass(frozen=True)
class CallbackOf:
    audit_id: str
    language: str


async def remember(
    conn: Conn, tenant: str, audit_id: str, callbacks: Sequence[tuple[str, str]]
) -> None:
    """Record `(callback_id, language)` of each callback of a newly registered audit."""
    await conn.execute(
        """INSERT INTO intake.callback_audits (callback_id, tenant, audit_id, language)
           SELECT c, $2, $3, l FROM unnest($1::text[], $4::text[]) AS t(c, l)""",
        [c for c, _ in callbacks], tenant, audit_id, [lang for _, lang in callbacks],
    )  # fmt: skip


async def audit_of(conn: Conn, tenant: str, callback_id: str) -> CallbackOf | None:
    row = await conn.fetchrow(
        "SELECT audit_id, language FROM intake.callback_audits "
        "WHERE callback_id = $1 AND tenant = $2",
        callback_id,
        tenant,
    )
    return CallbackOf(row["audit_id"], row["language"]) if row else None
