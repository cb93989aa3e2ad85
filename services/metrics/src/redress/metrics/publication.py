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
  in February counts in both months and once in their quarter: closures are not additive;
- every table of a release lists the same values of a dimension (`domains`): a code of a
  closed list (grounds, stages, scores, indicator groups, ...) always, in the list's order,
  and any other value that any table of the release holds. A table listed only the values
  it counted, so which rows it showed told which were not zero, noise or none: whether any
  retaliation was reported in a country, whether a case was withdrawn there;
- the measures whose mere place can endanger the workers they count (`GUARDED`: signs of
  trafficking, forced or child labour, referrals, retaliation reported) are `guarded`:
  zeros within their withheld counts are withheld too.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping
from types import MappingProxyType

from redress.metrics import disclosure
from redress.metrics.figures import MEASURES
from redress.metrics.labels import VALUES
from redress.metrics.tables import Figures, Statistics, Table

UNPUBLISHED_DIMENSIONS = frozenset({"member"})
UNPUBLISHED_FIGURES = frozenset({"within_share"})
UNPUBLISHED_STATISTICS = frozenset({"satisfaction_asked"})
ADDITIVE = frozenset({
    "received", "audits", "interviewed", "callbacks_due", "callbacks_made",
    "callbacks_reached", "retaliation_reported", "callback_grievances",
})  # fmt: skip
# Measures whose mere place can endanger the workers they count: within their withheld
# counts, zeros are withheld too (`disclosure.Table.guarded`, ADR 42).
GUARDED = frozenset({"indicators", "referrals", "retaliation_reported"})
YES_NO = ("yes", "no")
# The dimensions whose values are a closed list, each in the order it is shown.
CLOSED: dict[str, tuple[str, ...]] = {
    **{dim: tuple(words) for dim, words in VALUES.items()}, "within": YES_NO, "asked": YES_NO,
}  # fmt: skip


def to_release(figures: Figures) -> disclosure.Release:
    """Every table and statistic of `figures` that may be published, as a `Release`."""
    published = [t for t in figures.tables if not UNPUBLISHED_DIMENSIONS & set(t.dimensions)]
    values = domains(published)
    tables = [split for table in published for split in _tables(table, values)]
    statistics = [
        s
        for s in (_statistic(s) for s in figures.statistics)
        if s.name.split(".")[0] not in UNPUBLISHED_STATISTICS
        and s.dimensions[0] not in UNPUBLISHED_DIMENSIONS
    ]
    return disclosure.Release(tuple(tables), tuple(statistics))


def domains(tables: Iterable[Table]) -> dict[str, tuple[str, ...]]:
    """Per dimension, the values every table of a release lists: a closed list's codes, in
    its order, then whatever else any of the tables holds, sorted."""
    seen: dict[str, set[str]] = defaultdict(set)
    for table in tables:
        for i, dim in enumerate(table.dimensions):
            seen[dim].update(c.key[i] for c in table.cells)
    return {
        dim: (*CLOSED.get(dim, ()), *sorted(seen[dim].difference(CLOSED.get(dim, ()))))
        for dim in seen
    }


def _tables(table: Table, domain: Mapping[str, tuple[str, ...]]) -> list[disclosure.Table]:
    measure = table.name.split(".")[0]
    values = {dim: domain[dim] for dim in table.dimensions}
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
                guarded=measure in GUARDED,
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
            guarded=measure in GUARDED,
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
