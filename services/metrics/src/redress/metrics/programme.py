"""The callback programme's figures (QIMA's shape), by country, for one period: computed
from the audits, callbacks and calls the `metrics.callbacks` projection wrote, and the
consequences decided for suppliers. Pure, like `redress.metrics.figures`, which adds these
tables to a period's figures.
"""

from __future__ import annotations

from collections import defaultdict
from datetime import datetime

from redress.metrics.ledger import Ledger
from redress.metrics.tables import TOTAL, UNKNOWN, Cell, Period, Table
from redress.metrics.timeline import Story

CALLBACK_FIGURES = (
    "audits", "interviewed", "callbacks_due", "callbacks_made", "callbacks_reached",
    "retaliation_reported", "callback_grievances", "callback_violations_acted_on",
    *(f"suppliers_{c}" for c in ("corrective_action", "suspended", "exited")),
)  # fmt: skip
# A consequence decided for a supplier, by the figure that counts the suppliers it befell.
CONSEQUENCES = {"corrective_action": "suppliers_corrective_action",
                "suspension": "suppliers_suspended", "exit": "suppliers_exited"}  # fmt: skip
ACTED_ON = frozenset({"resolved", "partly_resolved"})


def callback_tables(
    ledger: Ledger, told: dict[str, Story], period: Period, start: datetime, end: datetime
) -> list[Table]:
    """The callback programme by the audit's country (counts, or workers for `interviewed`)."""
    country = {a.id: a.country for a in ledger.audits}
    counted: dict[str, list[tuple[str, str, int]]] = defaultdict(list)  # (id, country, n)
    for a in ledger.audits:
        if period.start <= a.audit_date < period.end:
            counted["audits"].append((a.id, a.country, 1))
            counted["interviewed"].append((a.id, a.country, a.workers))
    for c in ledger.callbacks:
        if period.start <= c.due_on < period.end:
            counted["callbacks_due"].append((c.id, country.get(c.audit, UNKNOWN), 1))
    for call in ledger.calls:
        if not start <= call.at < end:
            continue
        where = country.get(call.audit, UNKNOWN)
        counted["callbacks_made"].append((call.callback, where, 1))
        if call.reached:
            counted["callbacks_reached"].append((call.callback, where, 1))
        if call.retaliation:
            counted["retaliation_reported"].append((call.callback, where, 1))
        if call.grievance:
            counted["callback_grievances"].append((call.callback, where, 1))
    for call in ledger.calls:
        story = told.get(call.grievance or "")
        closures = [h for h in story.happenings if h.measure == "closed"] if story else []
        latest = [h for h in closures if start <= h.at < end][-1:]
        if latest and latest[0].code in ACTED_ON:
            counted["callback_violations_acted_on"].append(
                (call.callback, country.get(call.audit, UNKNOWN), 1)
            )
    # Suppliers (sites), each once per figure, with a consequence decided in the period.
    befell = {(CONSEQUENCES[c.consequence], c.site, c.country or UNKNOWN)
              for c in ledger.consequences if c.consequence in CONSEQUENCES
              and period.start <= c.decided_on < period.end}  # fmt: skip
    for name, site, where in sorted(befell):
        counted[name].append((site, where, 1))
    return [weighted(f"{name}.country", counted[name]) for name in CALLBACK_FIGURES]


def weighted(name: str, rows: list[tuple[str, str, int]]) -> Table:
    per: dict[str, int] = defaultdict(int)
    for _, where, n in rows:
        per[where] += n
    cells = tuple(Cell((k,), v) for k, v in sorted(per.items()))
    return Table(name, ("country",), cells, (Cell((TOTAL,), sum(per.values())),))
