"""The directory as the views keep it (partners, their endpoints, the tenant's settings) and
the grievances' sealed data, written a round at a time: a round holds events of one type, at
most one per row they write (`redress.events.projection.rounds`)."""

from __future__ import annotations

import json

from redress.events.catalogue.grievance import GrievanceSubmitted, PersonalDataErased
from redress.events.catalogue.partner import (
    PartnerRegistered,
    PartnerRetired,
    ReferralTimeFrameSet,
    WebhookEndpointAdded,
    WebhookEndpointRemoved,
    WebhookSecretRotated,
)
from redress.events.envelope import Event
from redress.events.projection import of_kind, text_array, write_rows
from redress.events.store import Conn
from redress.referral.referral_rounds import Writer


async def _registered(conn: Conn, events: list[Event]) -> None:
    await write_rows(
        conn,
        f"""INSERT INTO partners (tenant, partner_id, name, kind, countries, indicators,
                categories, languages, services, contact)
            SELECT v.tenant, v.p, v.name, v.kind, {text_array("v.countries")},
                {text_array("v.indicators")}, {text_array("v.categories")},
                {text_array("v.languages")},
                {text_array("v.services")}, v.contact
            FROM unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::jsonb[],
                        $6::jsonb[], $7::jsonb[], $8::jsonb[], $9::jsonb[], $10::text[])
                 AS v(tenant, p, name, kind, countries, indicators, categories, languages,
                      services, contact)
            ON CONFLICT (tenant, partner_id) DO UPDATE SET name = excluded.name,
                kind = excluded.kind, countries = excluded.countries,
                indicators = excluded.indicators, categories = excluded.categories,
                languages = excluded.languages, services = excluded.services,
                contact = excluded.contact""",
        [(e.tenant, p.partner_id, p.name, p.kind, json.dumps(list(p.countries)),
          json.dumps(list(p.indicators)), json.dumps(list(p.categories)),
          json.dumps(list(p.languages)), json.dumps(list(p.services)), p.contact)
         for e, p in of_kind(events, PartnerRegistered)],
    )  # fmt: skip


async def _retired(conn: Conn, events: list[Event]) -> None:
    await write_rows(
        conn,
        """UPDATE partners p SET retired = true FROM unnest($1::text[], $2::text[]) AS v(t, id)
           WHERE p.tenant = v.t AND p.partner_id = v.id""",
        [(e.tenant, r.partner_id) for e, r in of_kind(events, PartnerRetired)],
    )


async def _endpoint_added(conn: Conn, events: list[Event]) -> None:
    await write_rows(
        conn,
        """INSERT INTO endpoints SELECT * FROM unnest($1::text[], $2::text[], $3::text[],
                                                      $4::text[], $5::jsonb[])
           ON CONFLICT DO NOTHING""",
        [(e.tenant, a.partner_id, a.endpoint_id, a.url,
          json.dumps([{"secret_id": a.secret_id, "until": None}]))
         for e, a in of_kind(events, WebhookEndpointAdded)],
    )  # fmt: skip


async def _rotated(conn: Conn, events: list[Event]) -> None:
    # The previous secret ends when the event says; as the directory's domain keeps them, two
    # beside the new one.
    await write_rows(
        conn,
        """UPDATE endpoints e SET secrets = coalesce((
               SELECT jsonb_agg(CASE WHEN s ->> 'secret_id' = v.previous
                                     THEN s || jsonb_build_object('until', v.until)
                                     ELSE s END ORDER BY n)
               FROM jsonb_array_elements(e.secrets) WITH ORDINALITY AS a(s, n)
               WHERE n > jsonb_array_length(e.secrets) - 2), '[]'::jsonb)
               || jsonb_build_array(jsonb_build_object('secret_id', v.secret, 'until', NULL))
           FROM unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::text[], $6::text[])
                AS v(t, p, endpoint, previous, until, secret)
           WHERE e.tenant = v.t AND e.partner_id = v.p AND e.endpoint_id = v.endpoint""",
        [(e.tenant, r.partner_id, r.endpoint_id, r.previous_secret_id,
          r.previous_until.isoformat(), r.secret_id)
         for e, r in of_kind(events, WebhookSecretRotated)],
    )  # fmt: skip


async def _endpoint_removed(conn: Conn, events: list[Event]) -> None:
    await write_rows(
        conn,
        """DELETE FROM endpoints e USING unnest($1::text[], $2::text[], $3::text[])
               AS v(t, p, endpoint)
           WHERE e.tenant = v.t AND e.partner_id = v.p AND e.endpoint_id = v.endpoint""",
        [(e.tenant, r.partner_id, r.endpoint_id)
         for e, r in of_kind(events, WebhookEndpointRemoved)],
    )  # fmt: skip


async def _time_frame(conn: Conn, events: list[Event]) -> None:
    await write_rows(
        conn,
        """INSERT INTO settings SELECT * FROM unnest($1::text[], $2::int[])
           ON CONFLICT (tenant) DO UPDATE SET acknowledge_hours = excluded.acknowledge_hours""",
        [(e.tenant, s.acknowledge_hours) for e, s in of_kind(events, ReferralTimeFrameSet)],
    )


async def _submitted(conn: Conn, events: list[Event]) -> None:
    await write_rows(
        conn,
        """INSERT INTO grievance_data SELECT * FROM unnest($1::text[], $2::jsonb[])
           ON CONFLICT DO NOTHING""",
        [(g.grievance_id, g.personal.model_dump_json())
         for _, g in of_kind(events, GrievanceSubmitted)],
    )  # fmt: skip


async def _erased(conn: Conn, events: list[Event]) -> None:
    await conn.execute(
        "DELETE FROM grievance_data WHERE grievance_id = ANY($1::text[])",
        [erased.grievance_id for _, erased in of_kind(events, PersonalDataErased)],
    )


WRITERS: dict[type, Writer] = {
    PartnerRegistered: _registered,
    PartnerRetired: _retired,
    WebhookEndpointAdded: _endpoint_added,
    WebhookSecretRotated: _rotated,
    WebhookEndpointRemoved: _endpoint_removed,
    ReferralTimeFrameSet: _time_frame,
    GrievanceSubmitted: _submitted,
    PersonalDataErased: _erased,
}
