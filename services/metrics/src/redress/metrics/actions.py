"""The actions of remediation plans as the member dashboard counts them: who owns each (a
member company, the supplier, a facilitator, the initiative), when it is due, and when it
was done; a waived one is left out, as cases leaves it out. From the `case` streams only;
an action's description and progress stay there.

A member company owns an action as the cases service decides it (`GET /v1/plan-actions`):
one of kind `member_company` whose organisation is the member's, on a case whose member
company the member is now. The organisation is the one the event names (version 1 named
none: then the case's member company as the case stood when it was added), and an action
given to the member company of a case that had none goes to the one a correction moving the
case to another site gives it (`case_state.adopt`). So each case's member company is kept
here too (`case_members`), from `CaseOpened` and such a `GrievanceCorrected`, in the log's
order: a batch writes the rows gathered before a correction first.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from redress.events.catalogue.case import (
    CaseOpened,
    GrievanceCorrected,
    PlanActionAdded,
    PlanActionUpdated,
)
from redress.events.catalogue.remedy import PlanActionWaived
from redress.events.envelope import Event
from redress.events.projection import Projection
from redress.events.store import Conn

_OPENED = """
INSERT INTO case_members SELECT * FROM unnest($1::text[], $2::text[], $3::text[])
ON CONFLICT DO NOTHING
"""
_ADDED = """
INSERT INTO actions (tenant, action, case_id, remedy, owner, due_on, added_at, done_at,
                     owner_org)
SELECT v.tenant, v.action, v.case_id, v.remedy, v.owner, v.due_on, v.added_at, NULL,
       coalesce(v.owner_org, CASE WHEN v.owner = 'member_company' THEN m.member_org END)
FROM unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::text[], $6::date[],
            $7::timestamptz[], $8::text[])
     AS v(tenant, action, case_id, remedy, owner, due_on, added_at, owner_org)
LEFT JOIN case_members m ON m.case_id = v.case_id
ON CONFLICT DO NOTHING
"""
# The first time an action is marked done is when it was done.
_DONE = """
UPDATE actions a SET done_at = d.at
FROM unnest($1::text[], $2::text[], $3::timestamptz[]) AS d(tenant, action, at)
WHERE a.tenant = d.tenant AND a.action = d.action AND a.done_at IS NULL
"""
# A waived action will not be carried out: it is no one's to do, as cases lists them.
_WAIVED = """
DELETE FROM actions a USING unnest($1::text[], $2::text[]) AS w(tenant, action)
WHERE a.tenant = w.tenant AND a.action = w.action
"""
_MOVED = "UPDATE case_members SET member_org = $2 WHERE case_id = $1"
_ADOPTED = """
UPDATE actions SET owner_org = $2
WHERE case_id = $1 AND owner = 'member_company' AND owner_org IS NULL
"""


@dataclass
class _Rows:
    opened: list[tuple[Any, ...]] = field(default_factory=list)
    added: list[tuple[Any, ...]] = field(default_factory=list)
    done: dict[tuple[str, str], Any] = field(default_factory=dict)
    waived: list[tuple[str, str]] = field(default_factory=list)

    async def flush(self, conn: Conn) -> None:
        # A case is opened before its actions are added, and an action added before it is
        # updated, in the log and so in a batch.
        for sql, rows in ((_OPENED, self.opened), (_ADDED, self.added)):
            if rows:
                await conn.execute(sql, *(list(column) for column in zip(*rows, strict=True)))
                rows.clear()
        if self.done:
            keys = list(self.done)
            await conn.execute(_DONE, [t for t, _ in keys], [a for _, a in keys],
                               [self.done[k] for k in keys])  # fmt: skip
            self.done.clear()
        if self.waived:  # after the adds: an action is added before it is waived
            await conn.execute(_WAIVED, [t for t, _ in self.waived], [a for _, a in self.waived])
            self.waived.clear()


class Actions(Projection):
    name = "actions"
    schema = "metrics"
    stream_types = ("case",)
    handles = (CaseOpened, GrievanceCorrected, PlanActionAdded, PlanActionUpdated,
               PlanActionWaived)  # fmt: skip
    tables = ("actions", "case_members")

    async def apply(self, conn: Conn, event: Event) -> None:
        await self.apply_batch(conn, [event])

    async def apply_batch(self, conn: Conn, events: list[Event]) -> None:
        rows = _Rows()
        for event in events:
            match event.data:
                case CaseOpened(case_id=case_id, member_org=member):
                    rows.opened.append((event.tenant, case_id, member))
                case PlanActionAdded() as a:
                    rows.added.append((event.tenant, a.action_id, a.case_id, a.remedy, a.owner,
                                       a.due_on, event.time, a.owner_org))  # fmt: skip
                case PlanActionUpdated(action_id=action, done=True):
                    rows.done.setdefault((event.tenant, action), event.time)
                case PlanActionWaived(action_id=action):
                    rows.waived.append((event.tenant, action))
                case GrievanceCorrected(case_id=case_id, site_id=site, member_org=member):
                    if site is None:
                        continue  # the case keeps its site, and so its member company
                    await rows.flush(conn)
                    await conn.execute(_MOVED, case_id, member)
                    await conn.execute(_ADOPTED, case_id, member)
        await rows.flush(conn)
