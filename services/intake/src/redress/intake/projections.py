"""Read models of intake, in the `intake` schema."""

from __future__ import annotations

from redress.events.catalogue.case import (
    CaseClosed,
    CaseOpened,
    CaseRejected,
    CaseReopened,
    MessageSentToWorker,
    PlanActionAdded,
    PlanActionUpdated,
    StageEntered,
)
from redress.events.catalogue.case_oversight import (
    LegalHoldPlaced,
    LegalHoldReleased,
    ReviewDecided,
)
from redress.events.catalogue.grievance import (
    AttachmentAdded,
    GrievanceSubmitted,
    PersonalDataErased,
    WithdrawalRequested,
    WorkerMessagePosted,
)
from redress.events.catalogue.grievance_answers import (
    ContactConsentChanged,
    PlanAnswered,
    RemedyConfirmed,
    ReviewRequested,
    WorkerSatisfactionGiven,
)
from redress.events.catalogue.partner import PartnerRegistered, PartnerRetired
from redress.events.catalogue.remedy import PlanActionWaived
from redress.events.catalogue.tenant import RetentionPeriodSet, SiteRegistered, TenantRegistered
from redress.events.envelope import Event
from redress.events.projection import Projection, rounds
from redress.events.store import Conn
from redress.intake import grievance_rounds


class Grievances(Projection):
    """Grievances as workers follow them: status, stage and due date, the thread, the grounds
    of a rejection, and the tenant's partners a worker not taken up may turn to."""

    name = "grievances"
    schema = "intake"
    stream_types = ("grievance", "case", "tenant", "partner")
    handles = (
        TenantRegistered, SiteRegistered, RetentionPeriodSet, GrievanceSubmitted,
        AttachmentAdded, WorkerMessagePosted, WithdrawalRequested, PersonalDataErased,
        WorkerSatisfactionGiven, CaseOpened, StageEntered, CaseClosed, CaseRejected, CaseReopened,
        LegalHoldPlaced, LegalHoldReleased, MessageSentToWorker, ContactConsentChanged,
        PartnerRegistered, PartnerRetired, ReviewRequested, ReviewDecided, PlanActionAdded,
        PlanActionUpdated, PlanActionWaived, PlanAnswered, RemedyConfirmed,
    )  # fmt: skip
    tables = ("grievances", "thread", "tenants", "sites", "partners", "plan_actions")

    async def apply(self, conn: Conn, event: Event) -> None:
        await self.apply_batch(conn, [event])

    async def apply_batch(self, conn: Conn, events: list[Event]) -> None:
        """In rounds of one type, one event per grievance (or tenant, site, partner): a round
        of a kind the hot path writes (a filing, its case opened, a stage) in a statement per
        table (`grievance_rounds`), a round of any other kind one event at a time."""
        for taken in rounds(events, grievance_rounds.key):
            writer = grievance_rounds.WRITERS.get(type(taken[0].data))
            if writer is not None:
                await writer(conn, taken)
            else:
                for event in taken:
                    await self._one(conn, event)

    async def _one(self, conn: Conn, event: Event) -> None:
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
                           country, site_id, category, member_org, version,
                           submitted_at, contact_me)
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
                    event.version,
                    event.time,
                    g.consent.contact_me,
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
                    """UPDATE grievances SET outcome = $2, closed_at = $3, review = NULL,
                       review_reasons = NULL WHERE grievance_id = $1""",
                    gid,
                    outcome,
                    event.time,
                )
            case CaseRejected(grievance_id=gid, grounds=grounds, explanation=explanation):
                await conn.execute(
                    """UPDATE grievances SET closed_at = $2, grounds = $3, explanation = $4,
                       review = NULL, review_reasons = NULL WHERE grievance_id = $1""",
                    gid,
                    event.time,
                    grounds,
                    explanation or None,
                )
            case CaseReopened(grievance_id=gid):
                await conn.execute(
                    """UPDATE grievances SET outcome = NULL, closed_at = NULL, grounds = NULL,
                       explanation = NULL, review = NULLIF(review, 'requested')
                       WHERE grievance_id = $1""",
                    gid,
                )
            case ReviewRequested(grievance_id=gid):
                await self._touch(conn, gid, event, "review = 'requested'")
            case ReviewDecided(grievance_id=gid, result=result, reasons=reasons):
                await conn.execute(
                    """UPDATE grievances SET review = $2, review_reasons = $3
                       WHERE grievance_id = $1""",
                    gid, result.value, reasons,
                )  # fmt: skip
            case PlanActionAdded() as a:
                await conn.execute(
                    """INSERT INTO plan_actions (grievance_id, action_id, owner, due_on,
                       description) SELECT grievance_id, $2, $3, $4, $5 FROM grievances
                       WHERE case_id = $1 ON CONFLICT DO NOTHING""",
                    a.case_id, a.action_id, a.owner, a.due_on, a.description,
                )  # fmt: skip
            case PlanActionUpdated() as u:
                await conn.execute(
                    """UPDATE plan_actions SET progress = $3, done = $4 WHERE action_id = $2
                       AND grievance_id = (SELECT grievance_id FROM grievances
                                           WHERE case_id = $1)""",
                    u.case_id, u.action_id, u.progress, u.done,
                )  # fmt: skip
            case PlanActionWaived() as w:
                await conn.execute(
                    """UPDATE plan_actions SET waived = true WHERE action_id = $2
                       AND grievance_id = (SELECT grievance_id FROM grievances
                                           WHERE case_id = $1)""",
                    w.case_id, w.action_id,
                )  # fmt: skip
            case PlanAnswered(grievance_id=gid, answer=answer):
                await self._touch(conn, gid, event, f"plan_answer = '{answer.value}'")
            case RemedyConfirmed(grievance_id=gid, action_id=action_id, delivered=delivered):
                await self._touch(conn, gid, event, "plan_answer = plan_answer")
                await conn.execute(
                    """UPDATE plan_actions SET delivered = $3
                       WHERE grievance_id = $1 AND action_id = $2""",
                    gid, action_id, delivered,
                )  # fmt: skip
            case ContactConsentChanged(grievance_id=gid, contact_me=contact_me):
                await self._touch(conn, gid, event, f"contact_me = {bool(contact_me)}")
            case PartnerRegistered() as p:
                await conn.execute(
                    """INSERT INTO partners VALUES ($1, $2, $3, $4, $5, $6)
                       ON CONFLICT (tenant, partner_id) DO UPDATE SET name = excluded.name,
                       kind = excluded.kind, countries = excluded.countries,
                       contact = excluded.contact""",
                    event.tenant, p.partner_id, p.name, p.kind.value, list(p.countries),
                    p.contact,
                )  # fmt: skip
            case PartnerRetired(partner_id=partner_id):
                await conn.execute(
                    "UPDATE partners SET retired = true WHERE tenant = $1 AND partner_id = $2",
                    event.tenant,
                    partner_id,
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
