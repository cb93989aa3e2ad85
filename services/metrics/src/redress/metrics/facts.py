"""The facts the figures are computed from: grievances, their cases and referrals.

Each batch is written with one statement per table (`unnest` of arrays): a grievance's row
with the codes it is counted under, and a row per fact of its handling. A retaliation report
is received as a grievance is: cases opens it a case of its own at once, whose grievance id
is the report's, so its row is the report's (category retaliation, the report's channel,
country, language and site), and its case's facts join it as a grievance's do. Rows are only
inserted, keyed by the event's position, so their order within a batch does not matter,
except that a grievance is filed under its site as the tenant had registered it: a tenant
event writes the rows gathered before it first. An officer's correction rewrites the
grievance's row (its category, country, language, site and the site's sector, tier and
members), so that every figure counts the corrected values; it too writes the rows gathered
before it first.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from typing import Any

from redress.events.catalogue.case import (
    CaseClosed,
    CaseOpened,
    CaseRejected,
    CaseReopened,
    CaseTriaged,
    GrievanceCorrected,
    PlanActionAdded,
    SatisfactionRecorded,
    StageDeadlineMissed,
    StageEntered,
)
from redress.events.catalogue.grievance import Category, GrievanceSubmitted, WithdrawalRequested
from redress.events.catalogue.referral import (
    ConsentDeclined,
    ConsentGiven,
    PartnerSelected,
    ReferralAccepted,
    ReferralClosed,
    ReferralDeclined,
    ReferralOpened,
    ReferralSent,
)
from redress.events.catalogue.retaliation import RetaliationReported
from redress.events.catalogue.tenant import (
    SiteRegistered,
    TenantRegistered,
    TenantSettingsChanged,
)
from redress.events.envelope import Event
from redress.events.projection import Projection
from redress.events.store import Conn

_GRIEVANCES = """
INSERT INTO grievances
SELECT g.tenant, g.grievance, g.at, g.channel, g.country, g.language, g.category, g.site,
       s.sector, s.tier, g.audit
FROM unnest($1::text[], $2::text[], $3::timestamptz[], $4::text[], $5::text[], $6::text[],
            $7::text[], $8::text[], $9::text[])
     AS g(tenant, grievance, at, channel, country, language, category, site, audit)
LEFT JOIN sites s ON s.tenant = g.tenant AND s.site = g.site
ON CONFLICT DO NOTHING
"""

_MEMBERS = """
INSERT INTO grievance_members
SELECT DISTINCT g.tenant, g.grievance, m.member_org
FROM unnest($1::text[], $2::text[], $3::text[], $4::text[]) AS g(tenant, grievance, site, member)
LEFT JOIN sites s ON s.tenant = g.tenant AND s.site = g.site
CROSS JOIN LATERAL unnest(
    CASE WHEN g.member IS NOT NULL THEN ARRAY[g.member] ELSE coalesce(s.members, '{}') END
) AS m(member_org)
ON CONFLICT DO NOTHING
"""

# An officer's correction: the fields it sets replace what the grievance was filed as; a
# corrected site brings its sector and tier as the site is registered now.
_CORRECT = """
UPDATE grievances g SET
    category = coalesce($3, g.category), country = coalesce($4, g.country),
    language = coalesce($5, g.language), site = coalesce($6, g.site),
    sector = CASE WHEN $6::text IS NULL THEN g.sector ELSE s.sector END,
    tier = CASE WHEN $6::text IS NULL THEN g.tier ELSE s.tier END
FROM (SELECT 1) AS one
LEFT JOIN sites s ON s.tenant = $1 AND s.site = $6
WHERE g.tenant = $1 AND g.grievance = $2
"""
_UNSHARE = "DELETE FROM grievance_members WHERE tenant = $1 AND grievance = $2"

_CASES = """
INSERT INTO cases SELECT * FROM unnest($1::text[], $2::text[]) ON CONFLICT DO NOTHING
"""

_REFERRALS = """
INSERT INTO referrals SELECT * FROM unnest($1::text[], $2::text[]) ON CONFLICT DO NOTHING
"""

# A fact names its grievance, or the case or referral stream it was written on: looked up
# by key for the facts that need it (a join would hash every case of the tenant each batch).
_FACTS = """
INSERT INTO facts
SELECT f.position, f.seq, f.tenant,
       coalesce(f.grievance,
                (SELECT c.grievance FROM cases c WHERE c.case_id = f.stream),
                (SELECT r.grievance FROM referrals r WHERE r.referral = f.stream)),
       f.at, f.kind, f.code, f.due
FROM unnest($1::bigint[], $2::smallint[], $3::text[], $4::text[], $5::text[],
            $6::timestamptz[], $7::text[], $8::text[], $9::date[])
     AS f(position, seq, tenant, stream, grievance, at, kind, code, due)
ON CONFLICT DO NOTHING
"""


@dataclass
class _Rows:
    grievances: list[tuple[Any, ...]] = field(default_factory=list)
    members: list[tuple[Any, ...]] = field(default_factory=list)
    cases: list[tuple[str, str]] = field(default_factory=list)
    referrals: list[tuple[str, str]] = field(default_factory=list)
    facts: list[tuple[Any, ...]] = field(default_factory=list)

    def fact(
        self,
        event: Event,
        kind: str,
        code: str | None = None,
        due: date | None = None,
        *,
        grievance: str | None = None,
        seq: int = 0,
    ) -> None:
        self.facts.append((event.position, seq, event.tenant, event.stream, grievance,
                           event.time, kind, code, due))  # fmt: skip

    async def flush(self, conn: Conn) -> None:
        for sql, rows in ((_GRIEVANCES, self.grievances), (_MEMBERS, self.members),
                          (_CASES, self.cases), (_REFERRALS, self.referrals),
                          (_FACTS, self.facts)):  # fmt: skip
            if rows:
                await conn.execute(sql, *(list(column) for column in zip(*rows, strict=True)))
                rows.clear()


class Facts(Projection):
    name = "facts"
    schema = "metrics"
    stream_types = ("tenant", "grievance", "retaliation", "case", "referral")
    handles = (
        TenantRegistered, TenantSettingsChanged, SiteRegistered, GrievanceSubmitted,
        RetaliationReported, WithdrawalRequested, GrievanceCorrected, CaseOpened, StageEntered,
        CaseTriaged, CaseRejected, CaseReopened, PlanActionAdded, CaseClosed, SatisfactionRecorded,
        StageDeadlineMissed, ReferralOpened, PartnerSelected, ConsentGiven, ConsentDeclined,
        ReferralSent, ReferralAccepted, ReferralDeclined, ReferralClosed,
    )  # fmt: skip
    tables = ("tenants", "sites", "grievances", "grievance_members", "cases", "referrals", "facts")

    async def apply(self, conn: Conn, event: Event) -> None:
        await self.apply_batch(conn, [event])

    async def apply_batch(self, conn: Conn, events: list[Event]) -> None:
        rows = _Rows()
        for event in events:
            # The most frequent first: each case not taken costs an isinstance check.
            match event.data:
                case StageEntered(stage=stage, due_on=due):
                    rows.fact(event, "stage", stage, due)
                case PlanActionAdded(remedy=remedy):
                    rows.fact(event, "action", remedy)
                case GrievanceSubmitted() as g:
                    rows.grievances.append((event.tenant, g.grievance_id, event.time,
                                            g.channel.value, g.country, g.language,
                                            g.category.value, g.site_id, g.audit_id))  # fmt: skip
                    rows.members.append((event.tenant, g.grievance_id, g.site_id, g.member_org))
                case RetaliationReported() as r:
                    rows.grievances.append((event.tenant, r.report_id, event.time,
                                            r.channel.value, r.country, r.language,
                                            Category.retaliation.value, r.site_id,
                                            r.audit_id))  # fmt: skip
                    # No member files a report: it is about every member sharing the site.
                    rows.members.append((event.tenant, r.report_id, r.site_id, None))
                case CaseOpened(case_id=case_id, grievance_id=gid):
                    rows.cases.append((case_id, gid))
                    rows.fact(event, "opened", grievance=gid)
                case CaseTriaged(indicators=indicators, severity=severity):
                    rows.fact(event, "triaged", severity)
                    for seq, code in enumerate(indicators, 1):
                        rows.fact(event, "indicator", code, seq=seq)
                case CaseClosed(outcome=outcome):
                    rows.fact(event, "closed", outcome)
                case StageDeadlineMissed(stage=stage):
                    rows.fact(event, "missed", stage)
                case SatisfactionRecorded(score=score):
                    rows.fact(event, "satisfaction", str(score))
                case CaseRejected(grounds=grounds):
                    rows.fact(event, "rejected", grounds)
                case TenantRegistered(time_zone=zone) | TenantSettingsChanged(time_zone=zone):
                    await rows.flush(conn)
                    await conn.execute(
                        """INSERT INTO tenants VALUES ($1, $2)
                           ON CONFLICT (tenant) DO UPDATE SET time_zone = $2""",
                        event.tenant, zone,
                    )  # fmt: skip
                case SiteRegistered() as s:
                    await rows.flush(conn)  # grievances before it were filed as it was
                    await conn.execute(
                        """INSERT INTO sites VALUES ($1, $2, $3, $4, $5, $6)
                           ON CONFLICT (tenant, site) DO UPDATE SET country = $3, sector = $4,
                           tier = $5, members = $6""",
                        event.tenant, s.site_id, s.country, s.sector, s.tier, list(s.member_orgs),
                    )  # fmt: skip
                case GrievanceCorrected() as c:
                    await rows.flush(conn)  # the grievance's row and members first
                    await conn.execute(_CORRECT, event.tenant, c.grievance_id, c.category,
                                       c.country, c.language, c.site_id)  # fmt: skip
                    if c.site_id is not None:
                        # Its member follows the site: the one named, else every member
                        # sharing the site, as when a grievance is filed.
                        await conn.execute(_UNSHARE, event.tenant, c.grievance_id)
                        rows.members.append((event.tenant, c.grievance_id, c.site_id,
                                             c.member_org))  # fmt: skip
                case WithdrawalRequested(grievance_id=gid):
                    rows.fact(event, "withdrawn", grievance=gid)
                case CaseReopened():
                    rows.fact(event, "reopened")
                case ReferralOpened(grievance_id=gid):
                    rows.referrals.append((event.stream, gid))
                    rows.fact(event, "referral_opened", grievance=gid)
                case PartnerSelected(partner_id=partner):
                    rows.fact(event, "referral_proposed", partner)
                case ConsentGiven(partner_id=partner):
                    rows.fact(event, "referral_consented", partner)
                case ConsentDeclined(partner_id=partner):
                    rows.fact(event, "referral_declined", partner)
                case ReferralSent(partner_id=partner):
                    rows.fact(event, "referral_sent", partner)
                case ReferralAccepted(partner_id=partner):
                    rows.fact(event, "referral_accepted", partner)
                case ReferralDeclined(partner_id=partner):
                    # The partner's refusal, not the worker's (`referral_declined`).
                    rows.fact(event, "referral_partner_declined", partner)
                case ReferralClosed(partner_id=partner):
                    rows.fact(event, "referral_closed", partner)
        await rows.flush(conn)
