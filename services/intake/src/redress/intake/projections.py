"""Read models of intake, in the `intake` schema."""

from __future__ import annotations

from redress.events.catalogue.case import (
    CaseClosed,
    CaseOpened,
    CaseRejected,
    CaseReopened,
    LegalHoldPlaced,
    LegalHoldReleased,
    MessageSentToWorker,
    StageEntered,
)
from redress.events.catalogue.grievance import (
    AttachmentAdded,
    GrievanceSubmitted,
    PersonalDataErased,
    WithdrawalRequested,
    WorkerMessagePosted,
    WorkerSatisfactionGiven,
)
from redress.events.catalogue.tenant import RetentionPeriodSet, SiteRegistered, TenantRegistered
from redress.events.envelope import Event
from redress.events.projection import Projection
from redress.events.store import Conn


class Grievances(Projection):
    """Grievances as workers follow them: status, stage and due date, and the thread."""

    name = "grievances"
    schema = "intake"
    stream_types = ("grievance", "case", "tenant")
    handles = (
        TenantRegistered, SiteRegistered, RetentionPeriodSet, GrievanceSubmitted,
        AttachmentAdded, WorkerMessagePosted, WithdrawalRequested, PersonalDataErased,
        WorkerSatisfactionGiven, CaseOpened, StageEntered, CaseClosed, CaseRejected, CaseReopened,
        LegalHoldPlaced, LegalHoldReleased, MessageSentToWorker,
    )  # fmt: skip
    tables = ("grievances", "thread", "tenants", "sites")

    async def apply(self, conn: Conn, event: Event) -> None:
        match event.data:
            case TenantRegistered(name=name):
                await conn.execute(
                    """INSERT INTO tenants VALUES ($1, $2)
                       ON CONFLICT (tenant) DO UPDATE SET name = excluded.name""",
                    event.tenant,
                    name,
                )
            case SiteRegistered() as site:
                await conn.execute(
                    """INSERT INTO sites VALUES ($1, $2, $3, $4, $5)
                       ON CONFLICT (tenant, site_id) DO UPDATE SET name = excluded.name,
                       country = excluded.country, member_org = excluded.member_org""",
                    event.tenant,
                    site.site_id,
                    site.name,
                    site.country,
                    site.sole_member,
                )
            case GrievanceSubmitted() as g:
                await conn.execute(
                    """INSERT INTO grievances (grievance_id, tenant, reference,
                           receipt_hash, filed_digest, key_id, status, language, channel,
                           country, site_id, category, member_org, thread_key, version,
                           submitted_at)
                       VALUES ($1, $2, $3, $4, $5, $6, 'open', $7, $8, $9, $10, $11, $12,
                               $13, $14, $15)""",
                    g.grievance_id,
                    event.tenant,
                    g.receipt_reference,
                    g.receipt_hash,
                    g.filed_digest,
                    g.personal.key_id,
                    g.language,
                    g.channel.value,
                    g.country,
                    g.site_id,
                    g.category.value,
                    g.member_org,
                    g.thread_key,
                    event.version,
                    event.time,
                )
            case AttachmentAdded(grievance_id=gid):
                await self._touch(conn, gid, event, "attachments = attachments + 1")
            case WorkerMessagePosted(grievance_id=gid, message=message):
                await self._post(conn, gid, event, "worker", message.model_dump_json())
            case WithdrawalRequested(grievance_id=gid):
                await self._touch(conn, gid, event, "status = 'withdrawn'")
            case PersonalDataErased(grievance_id=gid):
                await self._touch(conn, gid, event, "status = 'erased'")
                await conn.execute("DELETE FROM thread WHERE grievance_id = $1", gid)
            case CaseOpened(grievance_id=gid, case_id=case_id):
                await conn.execute(
                    "UPDATE grievances SET case_id = $2 WHERE grievance_id = $1",
                    gid,
                    case_id,
                )
            case StageEntered(grievance_id=gid, stage=stage, due_on=due_on):
                await conn.execute(
                    """UPDATE grievances SET stage = $2, stage_due = $3
                       WHERE grievance_id = $1""",
                    gid,
                    stage,
                    due_on,
                )
            case CaseClosed(grievance_id=gid, outcome=outcome):
                await conn.execute(
                    """UPDATE grievances SET outcome = $2, closed_at = $3
                       WHERE grievance_id = $1""",
                    gid,
                    outcome,
                    event.time,
                )
            case CaseRejected(grievance_id=gid):
                await conn.execute(
                    "UPDATE grievances SET closed_at = $2 WHERE grievance_id = $1",
                    gid,
                    event.time,
                )
            case CaseReopened(grievance_id=gid):
                await conn.execute(
                    """UPDATE grievances SET outcome = NULL, closed_at = NULL
                       WHERE grievance_id = $1""",
                    gid,
                )
            case LegalHoldPlaced(grievance_id=gid) | LegalHoldReleased(grievance_id=gid):
                await conn.execute(
                    "UPDATE grievances SET held = $2 WHERE grievance_id = $1",
                    gid,
                    isinstance(event.data, LegalHoldPlaced),
                )
            case RetentionPeriodSet(days=days):
                await conn.execute(
                    "UPDATE tenants SET retention_days = $2 WHERE tenant = $1",
                    event.tenant,
                    days,
                )
            case WorkerSatisfactionGiven(grievance_id=gid, score=score):
                await self._touch(conn, gid, event, f"satisfaction = {int(score)}")
            case MessageSentToWorker(grievance_id=gid, message=message):
                await self._post(conn, gid, event, "officer", message.model_dump_json())

    @staticmethod
    async def _touch(conn: Conn, grievance_id: str, event: Event, change: str) -> None:
        await conn.execute(
            f"UPDATE grievances SET {change}, version = $2 WHERE grievance_id = $1",
            grievance_id,
            event.version,
        )

    @staticmethod
    async def _post(conn: Conn, grievance_id: str, event: Event, author: str, sealed: str) -> None:
        await conn.execute(
            """INSERT INTO thread VALUES ($1, $2, $3, $4::jsonb, $5)
               ON CONFLICT DO NOTHING""",
            grievance_id,
            event.position,
            author,
            sealed,
            event.time,
        )
