"""The figures of a period as disclosure control takes them: one table model for publication.

`figures.compute` counts distinct cases per cell and gives margins; disclosure control
(`redress.metrics.disclosure`) takes cells in which every case counts once and recomputes
the margins itself. `to_release` turns the one into the other, so that every figure that
leaves the service goes through `suppression.protect`:

- a measure a case counts under once (received, rejected by grounds, closed by outcome, in
  progress by stage, ...) becomes one table per dimension, its cells as counted, its
  margins dropped (they are the cells' sums);
- a measure a case may count under several codes of (remedy types of one plan, indicator
  groups found, referral steps taken, stages overdue) becomes one table per code and
  dimension (`indicators.trafficking.country`), each with its own total: within it a case
  counts once. The codes' tables are not tied by any equation (a case found with both
  trafficking and forced-labour indicators counts in both), so none is recomputed from
  another;
- the member dimension is left out of publication: a grievance at a site several members
  share counts under each of them, so its cells do not add up to anything the audit can
  write as an equation. Members see their own figures on the member dashboard instead;
- shares (within the time frame, satisfaction asked) are not published as shares: a share
  of n cases times n is a count, possibly below k, that no audit sees. They go as count
  tables by yes/no (`within_close.country`, `asked.country`), protected like any other;
- `additive` (the quarter is the sum of its months, so releases of one year are audited
  together) is set only where a case or an event counts in one period at most: received,
  and the callback programme's events. A case closed in January, reopened and closed again
  in February counts in both months and once in their quarter: closures are not additive.
"""

from __future__ import annotations

from types import MappingProxyType

from redress.metrics import disclosure
from redress.metrics.figures import MEASURES
from redress.metrics.tables import Figures, Statistics, Table

UNPUBLISHED_DIMENSIONS = frozenset({"member"})
UNPUBLISHED_FIGURES = frozenset({"within_share"})
UNPUBLISHED_STATISTICS = frozenset({"satisfaction_asked"})
ADDITIVE = frozenset({
    "received", "audits", "interviewed", "callbacks_due", "callbacks_made",
    "callbacks_reached", "retaliation_reported", "callback_grievances",
})  # fmt: skip


def to_release(figures: Figures) -> disclosure.Release:
    """Every table and statistic of `figures` that may be published, as a `Release`."""
    tables: list[disclosure.Table] = []
    for table in figures.tables:
        if UNPUBLISHED_DIMENSIONS & set(table.dimensions):
            continue
        tables.extend(_tables(table))
    statistics = [
        s
        for s in (_statistic(s) for s in figures.statistics)
        if s.name.split(".")[0] not in UNPUBLISHED_STATISTICS
        and s.dimensions[0] not in UNPUBLISHED_DIMENSIONS
    ]
    return disclosure.Release(tuple(tables), tuple(statistics))


def _values(table: Table) -> dict[str, tuple[str, ...]]:
    return {
        dim: tuple(sorted({c.key[i] for c in table.cells}))
        for i, dim in enumerate(table.dimensions)
    }


def _tables(table: Table) -> list[disclosure.Table]:
    measure = table.name.split(".")[0]
    values = _values(table)
    single = MEASURES.get(measure, (None, True))[1]
    if single:
        return [
            disclosure.Table(
                name=table.name,
                measure=measure,
                dimensions=table.dimensions,
                cells=MappingProxyType({c.key: c.count for c in table.cells}),
                values=MappingProxyType(values),
                additive=measure in ADDITIVE,
            )
        ]
    # One table per code: `table.dimensions` is (code, dimension).
    code, dim = table.dimensions
    return [
        disclosure.Table(
            name=f"{measure}.{value}.{dim}",
            measure=f"{measure}.{value}",
            dimensions=(dim,),
            cells=MappingProxyType({c.key[1:]: c.count for c in table.cells if c.key[0] == value}),
            values=MappingProxyType({dim: values[dim]}),
        )
        for value in values[code]
    ]


def _statistic(stats: Statistics) -> disclosure.Statistic:
    rows = {
        row.key: disclosure.Summary(
            row.n,
            MappingProxyType(
                {
                    name: value
                    for name, value in row.values.items()
                    if name not in UNPUBLISHED_FIGURES and value is not None
                }
            ),
        )
        for row in stats.rows
    }
    # `satisfaction.country` names the count table by score; the mean is named apart.
    name = stats.name.replace("satisfaction.", "satisfaction_mean.")
    return disclosure.Statistic(name, stats.dimensions, MappingProxyType(rows))
