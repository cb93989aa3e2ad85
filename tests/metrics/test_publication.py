"""The generated tenant's figures, published: every figure goes through disclosure control,
the release passes a reader's attack, and every count shown is the generator's truth.

One closed month and its quarter of the shared generated tenant are turned into releases
(`redress.metrics.publication.to_release`), protected with k = 5, checked by the integer
program attack of `attack.py`, and compared count by count with what the generator
recorded (`truth.py`), not with the projection. The quarter is then published through the
real release handler, with the month already in force, and verifies with the tenant's key.
"""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest

from redress.events.envelope import Actor, Metadata
from redress.metrics import figures, ledger
from redress.metrics.publication import ADDITIVE, to_release
from redress.metrics.releases.document import verify_release
from redress.metrics.releases.handlers import (
    Publishing,
    publish,
    published,
    signed_release,
    tenant_keys,
)
from redress.metrics.suppression import protect
from redress.metrics.tables import TOTAL, Cell, Figures, Table, period_of
from redress.metrics.timeline import stories
from tests.metrics.attack import recover_by_measure, zeros_beside_withheld
from tests.metrics.conftest import START, TENANT, TIMEOUT
from tests.metrics.truth import Truth, complaints, counts

pytestmark = pytest.mark.timeout(TIMEOUT)
K = 5
ROOT = bytes(range(32))
CODED = {"rejected", "in_progress", "closed", "remedy", "overdue", "indicators", "referrals",
         "satisfaction"}  # fmt: skip
MONTH = period_of("month", date(START.year, 5, 1))
QUARTER = period_of("quarter", MONTH.start)


def expected_counts(truth, grievances, measure: str, dim: str) -> dict:
    if measure.startswith("within_"):
        taken = truth.durations().get(measure.removeprefix("within_"), {})
        yes_no = {g: {"yes" if within else "no"} for g, (_, within) in taken.items()}
        return counts(yes_no, grievances, dim, True)
    if measure == "asked":
        yes_no = {g: {"yes" if a else "no"} for g, a in truth.asked().items()}
        return counts(yes_no, grievances, dim, True)
    if measure in figures.MEASURES:
        found = truth.measures().get(measure, {})
        return counts(found, grievances, dim, measure in CODED)
    return {(k,): v for k, v in truth.callbacks()[measure].items()} | {
        (TOTAL,): sum(truth.callbacks()[measure].values())
    }


def shown(table) -> dict:
    """Every count a published table shows, keyed as the truth keys them (TOTAL summed)."""
    out = {}
    for dims, cells in (*table.margins.items(), (table.dimensions, table.cells)):
        for key, count in cells.items():
            whole = dict(zip(dims, key, strict=True))
            out[tuple(whole.get(d, TOTAL) for d in table.dimensions)] = count
    return out


def check_against_truth(release_shown, truth, grievances) -> int:
    checked = 0
    for table in release_shown.tables:
        measure, *rest = table.name.split(".")
        dim = rest[-1]
        expected = expected_counts(truth, grievances, measure, dim)
        for key, count in shown(table).items():
            if count is None:
                continue
            # A per-code table (`indicators.trafficking.country`) is one code's row.
            full = (rest[0], *key) if len(rest) == 2 else key
            assert count == expected.get(full, 0), (table.name, key)
            checked += 1
    return checked


async def test_the_generated_figures_published_keep_every_count_safe_and_true(generated):
    async with generated.pool.acquire() as conn:
        rows = await ledger.read(conn, TENANT)
    told = stories(rows)
    grievances = {g.grievance_id: g for g in complaints(generated.recorded)}
    for period in (MONTH, QUARTER):
        release = to_release(figures.compute(rows, period, told))
        names = {t.name for t in release.tables}
        assert {"received.country", "indicators.trafficking.country", "within_close.country",
                "asked.country"} <= names  # fmt: skip
        assert not any("member" in name for name in names)
        protected = protect(release, K, period.label)
        assert all(c == 0 or c >= K for c in protected.counts())
        assert protected.primary > 0, "the period must have small cells to test anything"
        pinned = {f: r for f, r in recover_by_measure(protected).items() if r[1] - r[0] <= K}
        assert not pinned, (period.label, list(pinned)[:5])
        assert not (told_where := zeros_beside_withheld(protected)), told_where[:5]
        truth = Truth(generated.recorded, period.start, period.end)
        assert check_against_truth(protected, truth, grievances) > 200
        for stat in protected.statistics:
            assert all(row is None or "within_share" not in row for row in stat.rows.values()), (
                stat.name
            )


async def test_a_measure_published_as_additive_sums_over_the_months(generated):
    async with generated.pool.acquire() as conn:
        rows = await ledger.read(conn, TENANT)
    told = stories(rows)
    year = period_of("year", START)
    months = [period_of("month", date(START.year, m, 1)) for m in range(1, 13)]
    whole = {t.name: t for t in to_release(figures.compute(rows, year, told)).tables}
    parts = [{t.name: t for t in to_release(figures.compute(rows, p, told)).tables}
             for p in months]  # fmt: skip
    additive = [t for t in whole.values() if t.additive]
    assert {t.measure for t in additive} == ADDITIVE
    for table in additive:
        summed: dict = {}
        for month in parts:
            for key, count in month[table.name].cells.items():
                summed[key] = summed.get(key, 0) + count
        assert {k: v for k, v in summed.items() if v} == {
            k: v for k, v in table.cells.items() if v
        }, table.name


async def test_a_quarter_of_the_generated_tenant_is_published_signed_and_verifies(generated):
    async with generated.pool.acquire() as conn:
        rows = await ledger.read(conn, TENANT)
    told = stories(rows)
    meta = Metadata(tenant=TENANT, actor=Actor(id="admin-1", role="admin"))
    at = Publishing(ROOT, datetime(START.year + 2, 1, 10, tzinfo=UTC))
    for period in (MONTH, QUARTER):
        release = to_release(figures.compute(rows, period, told))
        recorded = await publish(generated.store, meta, period.label, release, at)
    signed = signed_release(published(recorded))
    assert verify_release(signed, tenant_keys(ROOT, TENANT))
    assert signed["document"]["period"] == QUARTER.label
    tables = {t["name"]: t for t in signed["document"]["tables"]}
    received = tables["received.country"]["margins"][0]["cells"][0]["count"]
    truth = Truth(generated.recorded, QUARTER.start, QUARTER.end)
    assert received == len(truth.measures()["received"])


def test_every_table_of_a_release_lists_the_same_values_whichever_occurred():
    """Which rows a table shows must not tell which were zero: a country with no withdrawal,
    an indicator group never found, a score nobody gave are listed all the same, at 0, and a
    closed list in its own order (the steps of the process, not the alphabet)."""

    def counted(name: str, dims: tuple[str, ...], cells: dict) -> Table:
        return Table(name, dims, tuple(Cell(k, n) for k, n in cells.items()), ())

    month = figures_of(
        counted("received.country", ("country",), {("MM",): 40, ("TH",): 30}),
        counted("withdrawn.country", ("country",), {("MM",): 6}),
        counted("in_progress.stage.country", ("stage", "country"),
                {("verification", "MM"): 7, ("admissibility", "TH"): 8}),
        counted("indicators.group.country", ("group", "country"), {("forced_labour", "TH"): 5}),
    )  # fmt: skip
    tables = {t.name: t for t in to_release(month).tables}
    assert tables["withdrawn.country"].values["country"] == ("MM", "TH")
    assert tables["in_progress.stage.country"].values["stage"] == (
        "admissibility", "verification", "response", "remediation_plan", "implementation"
    )  # fmt: skip
    assert {n for n in tables if n.startswith("indicators.")} == {
        "indicators.trafficking.country", "indicators.forced_labour.country",
        "indicators.child_labour.country",
    }  # fmt: skip
    assert tables["indicators.trafficking.country"].values["country"] == ("MM", "TH")
    assert sum(tables["indicators.trafficking.country"].cells.values()) == 0


def figures_of(*tables: Table) -> Figures:
    return Figures(TENANT, MONTH, tables, ())
