"""The plan actions a caller answers for, across its cases: `GET /v1/plan-actions`.

A supplier's or facilitator's to-do list (its own actions only), a member company's (its own
and its supplier's, in its supply chain), every action of the tenant for staff; soonest due
first, with where each case stands. Waived actions say so: nothing more is asked of them;
nor of an action of a case that ended, which is never overdue.
"""

from __future__ import annotations

from datetime import date
from typing import Annotated, Any

from fastapi import APIRouter, Query

from redress.cases import read_answers as answers
from redress.cases.access import may_read, plan_party
from redress.cases.context import CasesContext
from redress.cases.handlers import is_member
from redress.cases.parties import Party
from redress.cases.queries import hidden_from_suppliers
from redress.events.store import Conn
from redress.kit import cursor as kit_cursor
from redress.kit.auth import Principal
from redress.kit.deps import CurrentPrincipal, Pool
from redress.kit.openapi import documented

router = APIRouter(prefix="/v1/plan-actions", tags=["cases"])
# A page ends after the action `<day>~<case id>/<action id>`.
ACTION_KEY = rf"case-{kit_cursor.UUID}/{kit_cursor.UUID}"

_COLUMNS = ("case_id", "action_id", "remedy", "owner", "due_on", "description", "progress",
            "evidence", "done", "waived", "overdue", "stage", "status", "category", "country",
            "site_id")  # fmt: skip

_LIST = """
SELECT a.*, c.stage, c.status, c.category, c.country, c.site_id,
       w.action_id IS NOT NULL AS waived,
       (c.status = 'open' AND NOT a.done AND w.action_id IS NULL AND a.due_on < $2) AS overdue
FROM cases.actions a
JOIN cases.cases c ON c.case_id = a.case_id
LEFT JOIN cases.waivers w ON w.case_id = a.case_id AND w.action_id = a.action_id
WHERE c.tenant = $1 AND {scope}
  AND ($3::boolean IS NULL
       OR $3 = (c.status = 'open' AND NOT a.done AND w.action_id IS NULL AND a.due_on < $2))
  AND ($4::date IS NULL OR (a.due_on, a.case_id || '/' || a.action_id) > ($4, $5))
ORDER BY a.due_on, a.case_id || '/' || a.action_id
LIMIT $6
"""


def _scope(p: Principal, party: Party | None) -> tuple[str, list[Any]]:
    """SQL narrowing the actions to those the caller answers for, and its values ($7 on)."""
    if party is not None:  # a supplier or facilitator: its own, in the cases it may see
        return (
            f"a.owner = $7 AND a.owner_org = $8 AND NOT {hidden_from_suppliers('$7', 'c')}",
            [party.kind.value, party.org],
        )
    if is_member(p):  # its own, and its supplier's in its supply chain
        return (
            "c.member_org = $7 AND (a.owner = 'supplier' "
            "OR (a.owner = 'member_company' AND a.owner_org = $7))",
            [p.org],
        )
    return "true", []


async def _page(
    conn: Conn, p: Principal, today: date, overdue: bool | None, after: str | None, limit: int
) -> kit_cursor.Page:
    scope, values = _scope(p, plan_party(p))
    day, key = kit_cursor.day_of(after, ACTION_KEY) if after else (None, "")
    rows = await conn.fetch(
        _LIST.format(scope=scope), p.tenant, today, overdue, day, key, limit + 1, *values
    )
    staff = not (is_member(p) or plan_party(p))
    columns = (*_COLUMNS, "owner_org") if staff else _COLUMNS

    def following(a: Any) -> str:
        return kit_cursor.after_day(a["due_on"], f"{a['case_id']}/{a['action_id']}")

    return kit_cursor.Page.of(
        rows, limit, following, lambda a: kit_cursor.jsonable({k: a[k] for k in columns})
    )


@router.get(
    "",
    responses=documented(answers.PlanActions, "A page of the plan actions you answer for"),
)
async def plan_actions(
    p: CurrentPrincipal,
    pool: Pool,
    cases: CasesContext,
    overdue: bool | None = None,
    cursor: Annotated[str | None, kit_cursor.query(ACTION_KEY)] = None,
    limit: Annotated[int, Query(ge=1, le=200)] = 50,
) -> dict[str, Any]:
    """The plan actions you answer for, soonest due first; `overdue` narrows to those past
    their due date and neither done nor waived (or to the others); `next` pages on."""
    p = may_read(p)
    async with pool.acquire() as conn:
        page = await _page(conn, p, await cases.today_in(conn, p.tenant), overdue, cursor, limit)
    return {"items": page.items, "next": page.next}
