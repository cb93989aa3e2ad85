"""The platform's own evidence on each member's mechanism, and on the initiative's, kept from
events only.

Cases name the member organisation they concern (`CaseOpened.member_org`, resolved by cases
from the site); intake's filing says by which channel a grievance came; the tenant's stream
gives its time zone, the languages its form offers, its time frames, its minimum count k
(shared with metrics, ADR 23) and its members; the
partner directory, the referral partners by country. Nothing identifying a worker is kept:
ids, codes and moments.
"""

from __future__ import annotations

from redress.events.catalogue.case import (
    CaseClosed,
    CaseOpened,
    CaseRejected,
    CaseReopened,
    LessonsLearned,
    PlanActionAdded,
    SatisfactionRecorded,
    StageEntered,
)
from redress.events.catalogue.grievance import GrievanceSubmitted
from redress.events.catalogue.partner import PartnerRegistered, PartnerRetired
from redress.events.catalogue.tenant import (
    MemberOrganisationJoined,
    MinimumCountSet,
    TenantRegistered,
    TenantSettingsChanged,
    TimeFramesSet,
)
from redress.events.envelope import Event
from redress.events.projection import Projection
from redress.events.store import Conn

_ACKNOWLEDGED = "acknowledged_at = coalesce(acknowledged_at, $2)"
# Per case event: what it sets on the case's row ($2 is the event's time).
_SETS: dict[type, str] = {
    CaseRejected: _ACKNOWLEDGED,
    PlanActionAdded: "plan_actions = plan_actions + 1",
    CaseClosed: "closed_at = $2",
    CaseReopened: "closed_at = NULL",
    SatisfactionRecorded: "satisfaction_at = $2",
    LessonsLearned: "lessons_at = $2",
}


class MemberFacts(Projection):
    name = "facts"
    schema = "assessment"
    stream_types = ("case", "grievance", "tenant", "partner")
    handles = (CaseOpened, StageEntered, *_SETS, GrievanceSubmitted, TenantRegistered,
               TenantSettingsChanged, TimeFramesSet, MinimumCountSet, MemberOrganisationJoined,
               PartnerRegistered, PartnerRetired)  # fmt: skip
    tables = ("facts_cases", "facts_channels", "facts_tenants", "facts_members",
              "facts_partners")  # fmt: skip

    async def apply(self, conn: Conn, event: Event) -> None:
        data = event.data
        match data:
            case TenantRegistered() | TenantSettingsChanged():
                await conn.execute(
                    "INSERT INTO facts_tenants (tenant, time_zone, languages) VALUES ($1, $2, $3) "
                    "ON CONFLICT (tenant) DO UPDATE SET time_zone = $2, languages = $3",
                    event.tenant, data.time_zone, list(data.languages),
                )  # fmt: skip
            case TimeFramesSet():
                frames = data.model_dump_json()
                await conn.execute(
                    "INSERT INTO facts_tenants (tenant, time_zone, time_frames) "
                    "VALUES ($1, 'UTC', $2::jsonb) "
                    "ON CONFLICT (tenant) DO UPDATE SET time_frames = $2::jsonb",
                    event.tenant, frames,
                )  # fmt: skip
            case MinimumCountSet(k=k):
                await conn.execute(
                    "INSERT INTO facts_tenants (tenant, time_zone, minimum_count) "
                    "VALUES ($1, 'UTC', $2) "
                    "ON CONFLICT (tenant) DO UPDATE SET minimum_count = $2",
                    event.tenant, k,
                )  # fmt: skip
            case MemberOrganisationJoined():
                await conn.execute("INSERT INTO facts_members VALUES ($1, $2) "
                                   "ON CONFLICT DO NOTHING", event.tenant, data.org)  # fmt: skip
            case PartnerRegistered():
                await conn.execute(
                    """INSERT INTO facts_partners VALUES ($1, $2, $3, $4, false)
                       ON CONFLICT (tenant, partner_id) DO UPDATE SET kind = $3,
                           countries = $4""",
                    event.tenant, data.partner_id, data.kind, list(data.countries),
                )  # fmt: skip
            case PartnerRetired():
                await conn.execute(
                    "UPDATE facts_partners SET retired = true WHERE tenant = $1 "
                    "AND partner_id = $2",
                    event.tenant, data.partner_id,
                )  # fmt: skip
            case GrievanceSubmitted():
                await conn.execute(
                    "INSERT INTO facts_channels VALUES ($1, $2, $3) ON CONFLICT DO NOTHING",
                    data.grievance_id, event.tenant, data.channel,
                )  # fmt: skip
            case CaseOpened(member_org=org) if org:
                await conn.execute(
                    """INSERT INTO facts_cases (case_id, tenant, org, grievance_id, language,
                           opened_at) VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT DO NOTHING""",
                    event.stream, event.tenant, org, data.grievance_id, data.language,
                    event.time,
                )  # fmt: skip
            case StageEntered(stage="admissibility"):
                await conn.execute(
                    "UPDATE facts_cases SET ack_due = $2 WHERE case_id = $1",
                    event.stream, data.due_on,
                )  # fmt: skip
            case StageEntered():
                # Leaving admissibility for any later stage is its first decision.
                await self._set(conn, event, _ACKNOWLEDGED)
            case _ if type(data) in _SETS:
                await self._set(conn, event, _SETS[type(data)])

    @staticmethod
    async def _set(conn: Conn, event: Event, sets: str) -> None:
        moment = (event.time,) if "$2" in sets else ()
        await conn.execute(f"UPDATE facts_cases SET {sets} WHERE case_id = $1", event.stream,
                           *moment)  # fmt: skip
