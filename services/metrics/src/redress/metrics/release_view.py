"""A signed release document as the public page shows it: sections of grids and bars.

Pure: it reads only the document (the page shows exactly what was signed) and breaks every
measure down by one dimension the reader chose. A count is an int, or None where disclosure
control withheld it; a code's table absent from the document counts nothing (None too, never
an invented 0). Words come from `labels`, translated by the caller's `_`.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from redress.metrics import labels

Count = int | float | None
Translate = Callable[[str], str]
TOTAL = "*"


@dataclass(frozen=True)
class Column:
    label: str
    cells: dict[str, Count]  # by the dimension's value, and TOTAL
    unit: str = "count"  # count, days, mean


@dataclass(frozen=True)
class Grid:
    caption: str
    columns: list[Column]
    rows: list[tuple[str, str]]  # (value, label), TOTAL last


@dataclass
class Section:
    key: str
    title: str
    grids: list[Grid]
    bars: list[tuple[str, Count]] = field(default_factory=list)  # the chart, if any
    chart: str = ""  # the bars drawn, as SVG
    # Bars of the dimension's values (value, label, count), before a part is chosen.
    by_value: list[tuple[str, str, Count]] = field(default_factory=list)
    says: str = ""  # what the section counts, in a sentence: which grievances, and when
    drawn: str = ""  # what the chart draws, where it is not all that the tables show


@dataclass(frozen=True)
class Tables:
    """A document's tables by name, each as `{dimensions kept: {key: count}}`."""

    by_name: dict[str, dict[tuple[str, ...], dict[tuple[str, ...], Count]]]
    values: dict[str, dict[str, list[str]]]

    @classmethod
    def of(cls, document: dict[str, Any]) -> Tables:
        by_name, values = {}, {}
        for t in document["tables"]:
            layers = {tuple(t["dimensions"]): t["cells"]}
            layers |= {tuple(m["dimensions"]): m["cells"] for m in t["margins"]}
            by_name[t["name"]] = {
                dims: {tuple(c["key"]): c["count"] for c in cells} for dims, cells in layers.items()
            }
            values[t["name"]] = t["values"]
        return cls(by_name, values)

    def column(self, name: str, dim: str, code: tuple[str, str] | None = None) -> dict[str, Count]:
        """One code's counts (or the table's, without a code) by `dim`'s values and TOTAL."""
        layers = self.by_name.get(name)
        if layers is None:
            return {}
        if code is None:
            cells = layers.get((dim,), {})
            out = {key[0]: count for key, count in cells.items()}
            out[TOTAL] = layers.get((), {}).get((), None)
            return out
        code_dim, value = code
        cells = layers.get((code_dim, dim), {})
        out = {key[1]: count for key, count in cells.items() if key[0] == value}
        out[TOTAL] = layers.get((code_dim,), {}).get((value,), None)
        return out

    def codes(self, name: str, code_dim: str) -> list[str]:
        return list(self.values.get(name, {}).get(code_dim, []))

    def per_code(self, measure: str, dim: str) -> list[str]:
        """The codes of a measure published as one table per code (`remedy.apology.country`)."""
        prefix, suffix = f"{measure}.", f".{dim}"
        return [
            n[len(prefix) : -len(suffix)]
            for n in self.by_name
            if n.startswith(prefix) and n.endswith(suffix) and n.count(".") == 2
        ]


def statistic(document: dict[str, Any], name: str, figure: str) -> dict[str, Count]:
    for s in document["statistics"]:
        if s["name"] == name:
            return {
                row["key"][0]: None if row["figures"] is None else row["figures"].get(figure)
                for row in s["rows"]
            }
    return {}


# A page shows this many of a dimension's values at most, in parts: its size grows with
# them (every table of a section has a row for each), and must stay under 150 KB
# whatever the number of countries an initiative covers.
PART = 10


@dataclass(frozen=True)
class Part:
    """One part of a breakdown's values: its number, and the first and last it shows."""

    number: int
    first: str
    last: str


class PartBeyond(ValueError):
    """A part past the breakdown's last."""


def sections(
    document: dict[str, Any],
    dim: str,
    _: Translate,
    name_of: Callable[[str, str], str],
    part: int | None = None,
) -> tuple[list[Section], list[Part]]:
    """Every measure of the release, broken down by `dim`, in the order a reader asks; with
    `part`, only that part's values of `dim` (in the order the rows are read, PART at a
    time), and the parts there are."""
    found = _measures(document, dim, _, name_of)
    every = _rows([c for s in found for g in s.grids for c in g.columns], dim, name_of, _)[:-1]
    parts = [every[i : i + PART] for i in range(0, len(every), PART)] if part else [every]
    if part and part > max(len(parts), 1):
        raise PartBeyond(f"the figures by {dim} have {len(parts)} parts")
    chosen = {value for value, _label in (parts[part - 1] if part and parts else every)}
    for s in found:
        for g in s.grids:
            g.rows[:] = [r for r in g.rows if r[0] in chosen or r[0] == TOTAL]
        if s.by_value:  # a chart of the dimension's own values shows the part's
            s.bars[:] = [(label, n) for value, label, n in s.by_value if value in chosen]
    return found, [Part(n, p[0][1], p[-1][1]) for n, p in enumerate(parts, 1) if p]


def _measures(
    document: dict[str, Any], dim: str, _: Translate, name_of: Callable[[str, str], str]
) -> list[Section]:
    t = Tables.of(document)

    def word(code_dim: str, value: str) -> str:
        return _(labels.VALUES.get(code_dim, {}).get(value, "")) or value.replace("_", " ")

    def coded(measure: str, code_dim: str, title: str) -> Section:
        name = f"{measure}.{dim}"
        codes = t.codes(name, code_dim)
        columns = [Column(word(code_dim, c), t.column(name, dim, (code_dim, c))) for c in codes]
        columns.append(Column(_(labels.TOTAL), t.column(name, dim)))
        return Section(measure, title, [Grid(title, columns, [])], _bars(columns[:-1]))

    def split(measure: str, code_dim: str, title: str) -> Section:
        codes = t.per_code(measure, dim)
        columns = [Column(word(code_dim, c), t.column(f"{measure}.{c}.{dim}", dim)) for c in codes]
        return Section(measure, title, [Grid(title, columns, [])], _bars(columns))

    def single(measures: dict[str, str], key: str, title: str, chart: bool = True) -> Section:
        columns = [Column(label, t.column(f"{m}.{dim}", dim)) for m, label in measures.items()]
        return Section(key, title, [Grid(title, columns, [])], _bars(columns) if chart else [])

    received = single(
        {"received": _("Received"), "admissible": _("Taken up")},
        "received",
        _("Grievances received and taken up"),
        chart=False,
    )
    received.by_value = _by_value(received.grids[0].columns[0], name_of, dim)
    found: list[Section] = [
        received,
        coded("rejected", "grounds", _("Not taken up, by reason")),
        coded("in_progress", "stage", _("Open at the end of the period, by stage")),
        coded("closed", "outcome", _("Closed, by outcome")),
        split("remedy", "remedy", _("Remedies in closed grievances")),
        single(
            {"reopened": _("Reopened"), "withdrawn": _("Withdrawn by the worker")},
            "reopened",
            _("Reopened and withdrawn"),
        ),
        _time(document, t, dim, _),
        split("overdue", "stage", _("Stages not finished in time")),
        _satisfaction(document, t, dim, _, word),
        split("indicators", "group", _("Signs of forced labour, trafficking or child labour")),
        split("referrals", "step", _("Referrals to support services")),
    ]
    received.drawn = _(labels.DRAWN)
    for s in found:
        s.says = _(labels.SAYS[s.key]) if s.key in labels.SAYS else ""
        for g in s.grids:
            g.rows.extend(_rows(g.columns, dim, name_of, _))
    if dim == "country":
        callbacks = single(
            {m: _(w) for m, w in labels.CALLBACKS.items()},
            "callbacks",
            _("Callback programme, by the audit's country"),
            chart=False,
        )
        callbacks.grids[0].rows.extend(_rows(callbacks.grids[0].columns, dim, name_of, _))
        callbacks.says = _(labels.SAYS[callbacks.key])
        found.append(callbacks)
    for s in found:
        s.grids[:] = [g for g in s.grids if any(c.cells for c in g.columns)]
        for g in s.grids:
            g.columns[:] = [c for c in g.columns if c.cells]
    return [s for s in found if s.grids]


def _time(document: dict[str, Any], t: Tables, dim: str, _: Translate) -> Section:
    grids = []
    bars: list[tuple[str, Count]] = []
    for step, word in labels.STEPS.items():
        median = statistic(document, f"time_to_{step}.{dim}", "median_days")
        p90 = statistic(document, f"time_to_{step}.{dim}", "p90_days")
        name = f"within_{step}.{dim}"
        columns = [
            Column(_("Median days"), median, "days"),
            Column(_("Days for 9 in 10"), p90, "days"),
            Column(_("In time"), t.column(name, dim, ("within", "yes"))),
            Column(_("Late"), t.column(name, dim, ("within", "no"))),
        ]
        grids.append(Grid(_(word), columns, []))
        bars.append((_(word), median.get(TOTAL)))
    return Section("time", _("Days taken"), grids, bars if any(v for _, v in bars) else [])


def _satisfaction(
    document: dict[str, Any], t: Tables, dim: str, _: Translate, word: Callable[[str, str], str]
) -> Section:
    name = f"satisfaction.{dim}"
    scores = [
        Column(word("score", s), t.column(name, dim, ("score", s)))
        for s in sorted(t.codes(name, "score"), reverse=True)
    ]
    asked = f"asked.{dim}"
    other = [
        Column(
            _("Mean score, 1 to 5"), statistic(document, f"satisfaction_mean.{dim}", "mean"), "mean"
        ),
        Column(_("Asked after closing"), t.column(asked, dim, ("asked", "yes"))),
        Column(_("Not asked"), t.column(asked, dim, ("asked", "no"))),
    ]
    title = _("Workers' satisfaction")
    return Section(
        "satisfaction",
        title,
        [Grid(title, scores, []), Grid(_("Asked how satisfied they were"), other, [])],
        _bars(scores),
    )


def _bars(columns: list[Column]) -> list[tuple[str, Count]]:
    return [(c.label, c.cells.get(TOTAL)) for c in columns]


def _by_value(
    column: Column, name_of: Callable[[str, str], str], dim: str
) -> list[tuple[str, str, Count]]:
    """The chart's bars, each value's count, largest first (its value kept, for parts)."""
    return sorted(
        ((v, name_of(dim, v), n) for v, n in column.cells.items() if v != TOTAL),
        key=lambda bar: -(bar[2] or 0),
    )


def _rows(
    columns: list[Column], dim: str, name_of: Callable[[str, str], str], _: Translate
) -> list[tuple[str, str]]:
    values = {v for c in columns for v in c.cells if v != TOTAL}
    known = sorted((name_of(dim, v), v) for v in values if v != "unknown")
    rows = [(v, label) for label, v in known]
    if "unknown" in values:
        rows.append(("unknown", _(labels.UNKNOWN)))
    return [*rows, (TOTAL, _(labels.TOTAL))]
