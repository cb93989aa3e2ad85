"""Read model of callback campaigns: audits and their callbacks, in the `intake` schema.

The operators' queue and the campaign figures (per site, per country) are both read from
`callbacks`; the figures are counted when asked, so they always add up.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable

from redress.events.catalogue.audit import (
    AuditRegistered,
    CallbackAttemptMissed,
    CallbackCompleted,
    CallbackScheduled,
)
from redress.events.envelope import Event
from redress.events.projection import Projection, columns, of_kind, rounds
from redress.events.store import Conn


class Campaigns(Projection):
    name = "campaigns"
    schema = "intake"
    stream_types = ("audit",)
    handles = (AuditRegistered, CallbackScheduled, CallbackAttemptMissed, CallbackCompleted)
    tables = ("audits", "callbacks")

    async def apply(self, conn: Conn, event: Event) -> None:
        await self.apply_batch(conn, [event])

    async def apply_batch(self, conn: Conn, events: list[Event]) -> None:
        """The audits first: an audit's callbacks follow its registration on its stream.
        Then the callbacks in rounds, one event per callback, a statement per round."""
        audits = [(a.audit_id, e.tenant, a.site_id, a.country, a.audit_date, a.auditor_org,
                   a.workers, e.time) for e, a in of_kind(events, AuditRegistered)]  # fmt: skip
        if audits:
            await conn.execute(
                """INSERT INTO audits SELECT * FROM unnest($1::text[], $2::text[], $3::text[],
                       $4::text[], $5::date[], $6::text[], $7::int[], $8::timestamptz[])
                   ON CONFLICT (audit_id) DO NOTHING""",
                *columns(audits),
            )
        calls = [e for e in events if not isinstance(e.data, AuditRegistered)]
        for taken in rounds(calls, _callback_of):
            await _WRITERS[type(taken[0].data)](conn, taken)


def _callback_of(event: Event) -> str:
    callback_id: str = getattr(event.data, "callback_id")  # noqa: B009 - all it reads have one
    return callback_id


async def _scheduled(conn: Conn, taken: list[Event]) -> None:
    await conn.execute(
        """INSERT INTO callbacks (callback_id, audit_id, tenant, site_id, country, due_on,
               language, contact, version)
           SELECT v.callback_id, a.audit_id, a.tenant, a.site_id, a.country, v.due_on,
               v.language, v.contact, v.version
           FROM unnest($1::text[], $2::text[], $3::date[], $4::text[], $5::jsonb[], $6::int[])
                AS v(callback_id, audit_id, due_on, language, contact, version)
           JOIN audits a ON a.audit_id = v.audit_id
           ON CONFLICT (callback_id) DO NOTHING""",
        *columns((c.callback_id, c.audit_id, c.due_on, c.language, c.contact.model_dump_json(),
                  e.version) for e, c in of_kind(taken, CallbackScheduled)),
    )  # fmt: skip


async def _missed(conn: Conn, taken: list[Event]) -> None:
    # Back in the queue on the day of the next call.
    await conn.execute(
        """UPDATE callbacks c SET due_on = v.due_on, attempts = v.attempts, version = v.version
           FROM unnest($1::text[], $2::date[], $3::int[], $4::int[])
                AS v(callback_id, due_on, attempts, version)
           WHERE c.callback_id = v.callback_id""",
        *columns((m.callback_id, m.next_due_on, m.attempt, e.version)
                 for e, m in of_kind(taken, CallbackAttemptMissed)),
    )  # fmt: skip


async def _completed(conn: Conn, taken: list[Event]) -> None:
    await conn.execute(
        """UPDATE callbacks c SET completed_at = v.completed_at, reached = v.reached,
               retaliation_reported = v.retaliation_reported, grievance_id = v.grievance_id,
               version = v.version, attempts = v.attempts
           FROM unnest($1::text[], $2::timestamptz[], $3::bool[], $4::bool[], $5::text[],
                       $6::int[], $7::int[])
                AS v(callback_id, completed_at, reached, retaliation_reported, grievance_id,
                     version, attempts)
           WHERE c.callback_id = v.callback_id""",
        *columns((o.callback_id, e.time, o.reached, o.retaliation_reported, o.grievance_id,
                  e.version, o.attempts) for e, o in of_kind(taken, CallbackCompleted)),
    )  # fmt: skip


_WRITERS: dict[type, Callable[[Conn, list[Event]], Awaitable[None]]] = {
    CallbackScheduled: _scheduled,
    CallbackAttemptMissed: _missed,
    CallbackCompleted: _completed,
}
