"""The actions of remediation plans as the member dashboard counts them: who owns each (a
member company, the supplier, a facilitator, the initiative), when it is due, and when it
was done. From the `case` streams only; an action's description and progress stay there.
"""

from __future__ import annotations

from typing import Any

from redress.events.catalogue.case import PlanActionAdded, PlanActionUpdated
from redress.events.envelope import Event
from redress.events.projection import Projection
from redress.events.store import Conn

_ADDED = """
INSERT INTO actions SELECT * FROM unnest($1::text[], $2::text[], $3::text[], $4::text[],
                                         $5::text[], $6::date[], $7::timestamptz[],
                                         $8::timestamptz[])
ON CONFLICT DO NOTHING
"""
# The first time an action is marked done is when it was done.
_DONE = """
UPDATE actions a SET done_at = d.at
FROM unnest($1::text[], $2::text[], $3::timestamptz[]) AS d(tenant, action, at)
WHERE a.tenant = d.tenant AND a.action = d.action AND a.done_at IS NULL
"""


class Actions(Projection):
    name = "actions"
    schema = "metrics"
    stream_types = ("case",)
    handles = (PlanActionAdded, PlanActionUpdated)
    tables = ("actions",)

    async def apply(self, conn: Conn, event: Event) -> None:
        await self.apply_batch(conn, [event])

    async def apply_batch(self, conn: Conn, events: list[Event]) -> None:
        added: list[tuple[Any, ...]] = []
        done: dict[tuple[str, str], Any] = {}
        for event in events:
            match event.data:
                case PlanActionAdded() as a:
                    added.append((event.tenant, a.action_id, a.case_id, a.remedy, a.owner,
                                  a.due_on, event.time, None))  # fmt: skip
                case PlanActionUpdated(action_id=action, done=True):
                    done.setdefault((event.tenant, action), event.time)
        # An action is added before it is updated, in the log and so in a batch.
        if added:
            await conn.execute(_ADDED, *(list(column) for column in zip(*added, strict=True)))
        if done:
            keys = list(done)
            await conn.execute(_DONE, [t for t, _ in keys], [a for _, a in keys],
                               [done[k] for k in keys])  # fmt: skip
