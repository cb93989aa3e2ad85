"""With no disclosure control, every figure equals the truth the generator recorded.

For every month, quarter and year of the two generated years, each count of each table
(cells and margins), each duration's median, 90th percentile and share within the time
frame, each satisfaction mean and share asked, and each callback figure is computed from
the generator's own records (tests/metrics/truth.py) and compared with what
`redress.metrics.figures` makes of the rows the metrics projections wrote from events.
"""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest

from redress.metrics import figures, ledger, programme
from redress.metrics.public import to_csv
from redress.metrics.tables import TOTAL, Figures, period_of
from redress.metrics.timeline import stories
from tests.metrics.conftest import START, TENANT, TIMEOUT
from tests.metrics.truth import DIMS, Truth, complaints, counts, nearest_rank, reports, values

CODED = {"rejected": True, "in_progress": True, "closed": True, "remedy": True,
         "overdue": True, "indicators": True, "referrals": True, "satisfaction": True}  # fmt: skip

pytestmark = pytest.mark.timeout(TIMEOUT)


def periods() -> list:
    firsts = [(START.year + (START.month - 1 + i) // 12, (START.month - 1 + i) % 12 + 1)
              for i in range(24)]  # fmt: skip
    months = [period_of("month", date(year, month, 1)) for year, month in firsts]
    return [
        *months,
        *{period_of("quarter", p.start) for p in months},
        *{period_of("year", p.start) for p in months},
    ]


def published(found: Figures, name: str) -> dict[tuple[str, ...], int]:
    table = found.table(name)
    return {c.key: c.count for c in (*table.cells, *table.margins) if c.count}


async def test_every_figure_of_every_period_equals_the_truth_recorded_by_the_generator(
    generated,
):
    async with generated.pool.acquire() as conn:
        rows = await ledger.read(conn, TENANT)
    told = stories(rows)
    grievances = {g.grievance_id: g for g in complaints(generated.recorded)}
    assert len(rows.grievances) == len(grievances)
    checked = 0
    nonzero = 0
    for period in sorted(periods(), key=lambda p: (p.kind, p.start)):
        found = figures.compute(rows, period, told)
        truth = Truth(generated.recorded, period.start, period.end)
        measures = truth.measures()
        for measure in figures.MEASURES:
            for dim in DIMS:
                name = f"{measure}.{dim}"
                expected = counts(measures.get(measure, {}), grievances, dim, measure in CODED)
                assert published(found, name) == expected, (period.label, name)
                checked += 1
                nonzero += bool(expected)
        for kind, taken in truth.durations().items():
            for dim in DIMS:
                stats = found.stats(f"time_to_{kind}.{dim}")
                for key, cases in by_value(taken, grievances, dim).items():
                    days = [taken[g][0] for g in cases]
                    row = stats.row(*key)
                    assert row is not None and row.n == len(cases), (period.label, kind, key)
                    assert row.values == {
                        "median_days": nearest_rank(days, 0.5),
                        "p90_days": nearest_rank(days, 0.9),
                        "within_share": sum(taken[g][1] for g in cases) / len(cases),
                    }, (period.label, kind, dim, key)
                    checked += 1
        scores = {g: int(next(iter(c))) for g, c in measures.get("satisfaction", {}).items()}
        asked = truth.asked()
        for dim in DIMS:
            for key, cases in by_value(scores, grievances, dim).items():
                row = found.stats(f"satisfaction.{dim}").row(*key)
                mean = sum(scores[g] for g in cases) / len(cases)
                assert row is not None and (row.n, row.values) == (len(cases), {"mean": mean})
            for key, cases in by_value(asked, grievances, dim).items():
                row = found.stats(f"satisfaction_asked.{dim}").row(*key)
                share = sum(asked[g] for g in cases) / len(cases)
                assert row is not None and (row.n, row.values) == (len(cases), {"share": share})
        for name, per_country in truth.callbacks().items():
            expected = {(k,): v for k, v in per_country.items() if v}
            if expected:
                expected[(TOTAL,)] = sum(per_country.values())
            assert published(found, f"{name}.country") == expected, (period.label, name)
    assert checked > 5000 and nonzero > 1500, (checked, nonzero)


def by_value(per: dict, grievances: dict, dim: str) -> dict[tuple[str, ...], list[str]]:
    rows: dict[tuple[str, ...], list[str]] = {}
    for gid in sorted(per):
        for value in values(grievances[gid], dim):
            rows.setdefault((value,), []).append(gid)
    if per:
        rows[(TOTAL,)] = sorted(per)
    return rows


async def test_the_generated_history_has_every_kind_of_figure(generated):
    """The generator makes a tenant where each figure occurs, so the check above bites."""
    async with generated.pool.acquire() as conn:
        rows = await ledger.read(conn, TENANT)
    year = figures.compute(rows, period_of("year", date(2025, 1, 1)))
    for measure in figures.MEASURES:
        assert year.table(f"{measure}.country").total > 0, measure
    for name in programme.CALLBACK_FIGURES:
        assert year.table(f"{name}.country").total > 0, name
    # Grievances an officer corrected: the check above counts them under their corrected type.
    corrected = [g for g in generated.recorded.grievances if g.filed_category]
    assert len(corrected) >= 20 and all(g.filed_category != g.category for g in corrected)
    for kind in figures.DURATIONS:
        assert year.stats(f"time_to_{kind}.country").row(TOTAL).n > 0, kind


async def test_a_case_opened_from_a_retaliation_report_counts_as_a_grievance_does(generated):
    """Retaliation told on a call opens a case at once: received then, under category
    retaliation and the callback channel, and open in admissibility since (the generator
    takes no step on it), like a grievance's case."""
    told = reports(generated.recorded)
    assert len(told) >= 5, "the generator must record reports to test anything"
    async with generated.pool.acquire() as conn:
        rows = await ledger.read(conn, TENANT)
    found = {g.id: g for g in rows.grievances}
    now = datetime.now(UTC)
    stories_ = stories(rows)
    for report in told:
        row = found[report.grievance_id]
        shown = (row.category, row.channel, row.received_at)
        assert shown == ("retaliation", "callback", report.received)
        assert row.members == tuple(sorted(report.members))
        assert stories_[report.grievance_id].stage_at(now) == "admissibility"
    first = told[0]
    month = figures.compute(rows, period_of("month", first.received.date()))
    received = month.table("received.category")
    expected = sum(period_of("month", r.received.date()).label == month.period.label
                   for r in complaints(generated.recorded)
                   if r.category == "retaliation")  # fmt: skip
    assert received.count("retaliation") == expected >= 1


def test_the_csv_lists_a_withheld_statistic_under_the_figures_the_others_have():
    """A row withheld (fewer than k cases) is listed as a withheld count is: one line per
    figure, the value empty, not one line with no figure named."""
    document = {"tables": [], "statistics": [{
        "name": "time_to_acknowledge.country", "dimensions": ["country"],
        "rows": [{"key": ["BD"], "figures": {"median_days": 2.5, "p90_days": 6.0}},
                 {"key": ["KH"], "figures": None}],
    }]}  # fmt: skip
    lines = to_csv(document).splitlines()
    assert lines[1:] == [
        "time_to_acknowledge.country,statistic,country,BD,median_days,2.5,",
        "time_to_acknowledge.country,statistic,country,BD,p90_days,6.0,",
        "time_to_acknowledge.country,statistic,country,KH,median_days,,",
        "time_to_acknowledge.country,statistic,country,KH,p90_days,,",
    ]


@pytest.mark.parametrize(
    ("guarded", "total", "parts"),
    [(True, "1", "0"), (False, "1", "1"), (None, "0", "0")],
    ids=["guarded", "not-guarded", "not-said"],
)
def test_the_csv_says_what_a_withheld_count_is_at_least(guarded, total, parts):
    """A reader of the CSV knows what a reader of the JSON does (ADR 42): a withheld count
    is at least 1, but within a withheld count of a guarded table, whose zeros are withheld
    too, and in a table of a release that does not say, it may be 0."""
    table = {"name": "indicators.country", "measure": "indicators", "additive": True,
             "dimensions": ["country"], "values": {"country": ["BD", "KH", "VN"]},
             "cells": [{"key": ["BD"], "count": None}, {"key": ["KH"], "count": None},
                       {"key": ["VN"], "count": 9}],
             "margins": [{"dimensions": [], "cells": [{"key": [], "count": None}]}]}  # fmt: skip
    if guarded is not None:
        table["guarded"] = guarded
    lines = to_csv({"tables": [table], "statistics": []}).splitlines()
    assert lines == [
        "name,kind,dimensions,key,figure,value,withheld_at_least",
        f"indicators.country,count,country,BD,count,,{parts}",
        f"indicators.country,count,country,KH,count,,{parts}",
        "indicators.country,count,country,VN,count,9,",
        f"indicators.country,count,,,count,,{total}",
    ]
