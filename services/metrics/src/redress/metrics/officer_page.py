"""The officer dashboard as a page of the console: the initiative's work as it stands now
(`redress.metrics.officer`), each figure as a bar chart drawn on the server (SVG), a table
of the same counts and a text alternative listing the bars.

Officers read every case, so nothing here is withheld; the page is theirs alone (action
`figures.officer`), in the officer console's English.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from fastapi import APIRouter, Request
from starlette.responses import Response

from redress.kit import console
from redress.kit.authz import Action
from redress.metrics import charts, labels, ledger, officer
from redress.metrics.dashboards import CONSOLE, PATH, Tenant, signed_in
from redress.metrics.public_pages import country_names

router = APIRouter(prefix=PATH, include_in_schema=False, route_class=CONSOLE.route)


@dataclass(frozen=True)
class Chart:
    key: str
    title: str
    heading: str  # what the rows are
    rows: list[tuple[str, int]]  # (label, count), in the order shown
    svg: str
    means: str = ""  # what the figure counts, where a word of it means other things elsewhere

    @property
    def total(self) -> int:
        return sum(n for _, n in self.rows)


def _word(kind: str, code: str) -> str:
    """The console's words for a stage or a step (`remediation_plan` -> `Remediation plan`),
    a country by its English name (`BD` -> `Bangladesh`)."""
    if kind == "country":
        return country_names("en").get(code, console.human(code))
    return console.human(code)


# "Overdue" means more in the cases console (`?overdue=true`: also a case with a plan action
# past its due date), so the page says which it counts.
MEANS = {
    "overdue": "Counted here: open grievances whose current stage was due before today (the "
    "due date set when the case entered the stage). The cases console's overdue filter counts "
    "more: also a case whose remediation plan has an action past its due date.",
}


def charts_of(figures: dict[str, Any]) -> list[Chart]:
    shown = [
        ("queues", "Open grievances by stage", "Stage", "stage"),
        ("overdue", "Open grievances past their stage's due date", "Stage", "stage"),
        ("referrals_open", "Referrals open, by their latest step", "Step", "step"),
        (
            "callbacks_due",
            "Callbacks due and not made, by the audit's country",
            "Country",
            "country",
        ),
    ]
    found = []
    for key, title, heading, kind in shown:
        counts: dict[str, int] = figures[key]
        order = list(labels.VALUES.get(kind, {})) or sorted(counts)
        rows = [(_word(kind, code), counts[code]) for code in order if code in counts]
        rows += [(_word(kind, c), n) for c, n in sorted(counts.items()) if c not in order]
        svg = charts.svg(rows, "withheld") if rows else ""
        found.append(Chart(key, title, heading, rows, svg, MEANS.get(key, "")))
    return found


@router.get("/{tenant}/officer")
async def officer_page(tenant: Tenant, request: Request) -> Response:
    """Live queues, overdue stages, open referrals and callbacks due, with charts."""
    p = await signed_in(request, tenant, Action.figures_officer)
    async with (
        request.app.state.runtime.pool.acquire() as conn,
        conn.transaction(isolation="repeatable_read"),
    ):
        rows = await ledger.read(conn, tenant)
    now = datetime.now(UTC)
    figures = officer.dashboard(rows, now)
    found = await asyncio.to_thread(charts_of, figures)
    # In the initiative's time zone, named, as its officers read every other moment.
    return CONSOLE.page(request, "dashboard_officer.html", principal=p, charts=found,
                        as_of=console.when(now, rows.time_zone))  # fmt: skip
