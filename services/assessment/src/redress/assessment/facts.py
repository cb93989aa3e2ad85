"""The platform's own evidence on each member's mechanism, and on the initiative's, kept from
events only.

Cases name the member organisation they concern (`CaseOpened.member_org`, resolved by cases
from the site); intake's filing says by which channel a grievance came; the tenant's stream
gives its time zone, the languages its form offers, its time frames, its minimum count k
(shared with metrics, ADR 23) and its members; the
partner directory, the referral partners by country. Nothing identifying a worker is kept:
ids, codes and moments.

A batch is written set-based: the channels and members, rows only added and read by
nothing else of the batch, at once; the rest in rounds of one kind of event, at most one per
case, tenant or partner (`redress.events.projection.rounds`), a statement per round.
"""

from __future__ import annotations

import json
from collections.abc import Awaitable, Callable, Hashable

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
from redress.events.catalogue.release import ReleasePublished
from redress.events.catalogue.tenant import (
    MemberOrganisationJoined,
    MinimumCountSet,
    TenantRegistered,
    TenantSettingsChanged,
    TimeFramesSet,
)
from redress.events.envelope import Event
from redress.events.projection import Projection, of_kind, rounds, text_array, write_rows
from redress.events.store import Conn

_ACKNOWLEDGED = "acknowledged_at = coalesce(f.acknowledged_at, v.t)"
# Per case event: what it sets on the case's row (`v.t` is the event's time).
_SETS: dict[type, str] = {
    CaseRejected: _ACKNOWLEDGED,
    PlanActionAdded: "plan_actions = f.plan_actions + 1",
    CaseClosed: "closed_at = v.t",
    CaseReopened: "closed_at = NULL",
    SatisfactionRecorded: "satisfaction_at = v.t",
    LessonsLearned: "lessons_at = v.t",
}


class MemberFacts(Projection):
    name = "facts"
    schema = "assessment"
    stream_types = ("case", "grievance", "tenant", "partner", "release")
    handles = (CaseOpened, StageEntered, *_SETS, GrievanceSubmitted, TenantRegistered,
               TenantSettingsChanged, TimeFramesSet, MinimumCountSet, MemberOrganisationJoined,
               PartnerRegistered, PartnerRetired, ReleasePublished)  # fmt: skip
    tables = ("facts_cases", "facts_channels", "facts_tenants", "facts_members",
              "facts_partners", "facts_releases")  # fmt: skip

    async def apply(self, conn: Conn, event: Event) -> None:
        await self.apply_batch(conn, [event])

    async def apply_batch(self, conn: Conn, events: list[Event]) -> None:
        await _added(conn, events)
        ordered = [e for e in events if type(e.data) in _WRITERS]
        for taken in rounds(ordered, _key):
            await _WRITERS[type(taken[0].data)](conn, taken)


def _key(event: Event) -> Hashable:
    """Whose row the event writes: its tenant's, its partner's, or its case's."""
    match event.data:
        case PartnerRegistered(partner_id=partner) | PartnerRetired(partner_id=partner):
            return ("partner", event.tenant, partner)
    if event.stream_type == "tenant":
        return ("tenant", event.tenant)
    return event.stream


async def _added(conn: Conn, events: list[Event]) -> None:
    """The channels grievances came by, the tenants' members and their releases of figures:
    only ever added (a correction is a release of its own)."""
    await write_rows(
        conn,
        "INSERT INTO facts_channels SELECT * FROM unnest($1::text[], $2::text[], $3::text[]) "
        "ON CONFLICT DO NOTHING",
        [(g.grievance_id, e.tenant, g.channel.value)
         for e, g in of_kind(events, GrievanceSubmitted)],
    )  # fmt: skip
    await write_rows(
        conn,
        "INSERT INTO facts_members SELECT * FROM unnest($1::text[], $2::text[]) "
        "ON CONFLICT DO NOTHING",
        [(e.tenant, m.org) for e, m in of_kind(events, MemberOrganisationJoined)],
    )
    await write_rows(
        conn,
        "INSERT INTO facts_releases SELECT * FROM unnest($1::text[], $2::text[], $3::int[], "
        "$4::text[], $5::text[], $6::timestamptz[]) ON CONFLICT DO NOTHING",
        [(e.tenant, r.release_id, r.number, r.period, r.corrects, e.time)
         for e, r in of_kind(events, ReleasePublished)],
    )  # fmt: skip


async def _settings(conn: Conn, events: list[Event]) -> None:
    settings: list[tuple[Event, TenantRegistered | TenantSettingsChanged]] = [
        *of_kind(events, TenantRegistered),
        *of_kind(events, TenantSettingsChanged),
    ]
    await write_rows(
        conn,
        f"""INSERT INTO facts_tenants (tenant, time_zone, languages)
            SELECT v.tenant, v.zone, {text_array("v.languages")}
            FROM unnest($1::text[], $2::text[], $3::jsonb[]) AS v(tenant, zone, languages)
            ON CONFLICT (tenant) DO UPDATE SET time_zone = excluded.time_zone,
                languages = excluded.languages""",
        [(e.tenant, s.time_zone, json.dumps(list(s.languages))) for e, s in settings],
    )


async def _frames(conn: Conn, events: list[Event]) -> None:
    await write_rows(
        conn,
        """INSERT INTO facts_tenants (tenant, time_zone, time_frames)
           SELECT v.tenant, 'UTC', v.frames
           FROM unnest($1::text[], $2::jsonb[]) AS v(tenant, frames)
           ON CONFLICT (tenant) DO UPDATE SET time_frames = excluded.time_frames""",
        [(e.tenant, f.model_dump_json()) for e, f in of_kind(events, TimeFramesSet)],
    )


async def _minimum_count(conn: Conn, events: list[Event]) -> None:
    await write_rows(
        conn,
        """INSERT INTO facts_tenants (tenant, time_zone, minimum_count)
           SELECT v.tenant, 'UTC', v.k FROM unnest($1::text[], $2::int[]) AS v(tenant, k)
           ON CONFLICT (tenant) DO UPDATE SET minimum_count = excluded.minimum_count""",
        [(e.tenant, m.k) for e, m in of_kind(events, MinimumCountSet)],
    )


async def _partner(conn: Conn, events: list[Event]) -> None:
    await write_rows(
        conn,
        f"""INSERT INTO facts_partners
            SELECT v.tenant, v.partner, v.kind, {text_array("v.countries")}, false
            FROM unnest($1::text[], $2::text[], $3::text[], $4::jsonb[])
                 AS v(tenant, partner, kind, countries)
            ON CONFLICT (tenant, partner_id) DO UPDATE SET kind = excluded.kind,
                countries = excluded.countries""",
        [(e.tenant, p.partner_id, p.kind.value, json.dumps(list(p.countries)))
         for e, p in of_kind(events, PartnerRegistered)],
    )  # fmt: skip


async def _retired(conn: Conn, events: list[Event]) -> None:
    await write_rows(
        conn,
        """UPDATE facts_partners p SET retired = true
           FROM unnest($1::text[], $2::text[]) AS v(tenant, partner)
           WHERE p.tenant = v.tenant AND p.partner_id = v.partner""",
        [(e.tenant, r.partner_id) for e, r in of_kind(events, PartnerRetired)],
    )


async def _opened(conn: Conn, events: list[Event]) -> None:
    # Only a case that concerns a member is a fact about a member's mechanism.
    await write_rows(
        conn,
        """INSERT INTO facts_cases (case_id, tenant, org, grievance_id, language, opened_at)
           SELECT * FROM unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::text[],
                                $6::timestamptz[])
           ON CONFLICT DO NOTHING""",
        [(e.stream, e.tenant, c.member_org, c.grievance_id, c.language, e.time)
         for e, c in of_kind(events, CaseOpened) if c.member_org],
    )  # fmt: skip


async def _stage(conn: Conn, events: list[Event]) -> None:
    # Entering admissibility sets the day to acknowledge by; leaving it for any later stage
    # is the case's first decision.
    await write_rows(
        conn,
        """UPDATE facts_cases f SET
               ack_due = CASE WHEN v.stage = 'admissibility' THEN v.due ELSE f.ack_due END,
               acknowledged_at = CASE WHEN v.stage = 'admissibility' THEN f.acknowledged_at
                                      ELSE coalesce(f.acknowledged_at, v.t) END
           FROM unnest($1::text[], $2::text[], $3::date[], $4::timestamptz[])
                AS v(id, stage, due, t)
           WHERE f.case_id = v.id""",
        [(e.stream, s.stage, s.due_on, e.time) for e, s in of_kind(events, StageEntered)],
    )


async def _set(conn: Conn, events: list[Event]) -> None:
    await write_rows(
        conn,
        f"""UPDATE facts_cases f SET {_SETS[type(events[0].data)]}
            FROM unnest($1::text[], $2::timestamptz[]) AS v(id, t) WHERE f.case_id = v.id""",
        [(e.stream, e.time) for e in events],
    )


_WRITERS: dict[type, Callable[[Conn, list[Event]], Awaitable[None]]] = {
    **dict.fromkeys(_SETS, _set),
    TenantRegistered: _settings,
    TenantSettingsChanged: _settings,
    TimeFramesSet: _frames,
    MinimumCountSet: _minimum_count,
    PartnerRegistered: _partner,
    PartnerRetired: _retired,
    CaseOpened: _opened,
    StageEntered: _stage,
}
