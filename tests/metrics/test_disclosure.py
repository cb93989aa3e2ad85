"""Disclosure control, pure: no count below k is shown, and no withheld count can be
recomputed from the published tables of the release (a reader's attack, `attack.py`)."""

from __future__ import annotations

import random

import numpy as np
import pytest

from redress.metrics import audit
from redress.metrics.audit import exposed, intervals
from redress.metrics.disclosure import Facts, Release, Statistic, Summary, Table, publish
from redress.metrics.suppression import protect
from tests.metrics.attack import recover, zeros_beside_withheld

COUNTRIES = ("BD", "KH", "MM", "TH", "VN", "IN")
CATEGORIES = ("wages", "hours", "safety", "harassment", "fees", "other")
CHANNELS = ("web", "sms", "hotline", "member")


def cases(seed: int, n: int) -> list[tuple[str, str, str]]:
    """Made-up cases with the skew real figures have: a few common values, a long tail."""
    rng = random.Random(seed)
    return [
        (rng.choices(COUNTRIES, weights=(40, 20, 10, 5, 3, 1))[0],
         rng.choices(CATEGORIES, weights=(30, 20, 10, 6, 3, 2))[0],
         rng.choices(CHANNELS, weights=(20, 8, 4, 1))[0])
        for _ in range(n)
    ]  # fmt: skip


def table(name, dims, rows, measure="received"):
    idx = {"country": 0, "category": 1, "channel": 2}
    cells: dict[tuple[str, ...], int] = {}
    for row in rows:
        key = tuple(row[idx[d]] for d in dims)
        cells[key] = cells.get(key, 0) + 1
    values = {"country": COUNTRIES, "category": CATEGORIES, "channel": CHANNELS}
    return Table(name, measure, dims, cells, {d: values[d] for d in dims})


def release_of(rows) -> Release:
    return Release((
        table("by-country-category", ("country", "category"), rows),
        table("by-country-channel", ("country", "channel"), rows),
        table("by-category", ("category",), rows),
    ))  # fmt: skip


@pytest.mark.parametrize(("seed", "n", "k"), [(1, 60, 5), (2, 150, 5), (3, 400, 10), (4, 90, 3)])
def test_no_count_below_k_is_shown_and_no_withheld_one_can_be_recovered(seed, n, k):
    published = protect(release_of(cases(seed, n)), k)
    assert all(c == 0 or c >= k for c in published.counts())
    assert published.primary > 0, "the data must have small cells for this to test anything"
    recovered = recover(published)
    assert recovered, "something must be withheld"
    pinned = {fig: (lo, hi) for fig, (lo, hi) in recovered.items() if hi - lo <= k}
    assert not pinned


def test_a_shared_margin_withheld_in_one_table_is_withheld_in_every_table_that_shows_it():
    published = protect(release_of(cases(5, 80)), 5)
    by_cat = {t.name: t for t in published.tables}
    country_a = by_cat["by-country-category"].margins[("country",)]
    country_b = by_cat["by-country-channel"].margins[("country",)]
    assert country_a == country_b
    category = by_cat["by-country-category"].margins[("category",)]
    assert dict(category) == dict(by_cat["by-category"].cells)


def test_a_small_cell_alone_in_its_row_takes_the_smallest_other_cell_with_it():
    t = Table("t", "received", ("site",), {("a",): 2, ("b",): 40, ("c",): 9, ("d",): 7})
    published = protect(Release((t,)), 5)
    assert dict(published.tables[0].cells) == {("a",): None, ("b",): 40, ("c",): 9, ("d",): None}
    assert published.tables[0].margins[()][()] == 58
    assert (published.primary, published.complementary) == (1, 1)
    lo, hi = recover(published)[("received", frozenset({("site", "a")}))]
    assert (lo, hi) == (1, 8)  # zeros are shown: each of the two withheld is at least 1


def test_the_audit_finds_a_withheld_cell_the_margins_give_away():
    t = Table("t", "received", ("site", "channel"),
              {("a", "web"): 2, ("a", "sms"): 30, ("b", "web"): 20, ("b", "sms"): 25})  # fmt: skip
    facts = Facts(Release((t,)))
    only_primary = {f for f, v in facts.values.items() if 0 < v < 5}
    assert [i.width for i in exposed(facts, only_primary, 5).values()] == [0]
    # Withholding the whole 2x2 block leaves each cell free over 20 values (each at least 1).
    block = {f for f in facts.values if len(f[1]) == 2}
    assert exposed(facts, block, 5) == {}
    assert {i.width for i in intervals(facts, block).values()} == {20}


def test_the_audit_counts_what_other_tables_of_the_release_give_away():
    by_channel = Table(
        "a",
        "received",
        ("site", "channel"),
        {("a", "web"): 3, ("a", "sms"): 7, ("b", "web"): 9, ("b", "sms"): 8},
    )
    by_category = Table("b", "received", ("site", "category"),
                        {("a", "wages"): 10, ("b", "wages"): 17})  # fmt: skip
    alone, both = Facts(Release((by_channel,))), Facts(Release((by_channel, by_category)))
    # The block of sites x channels and both sites' totals withheld: safe in table a alone...
    withheld = {f for f in alone.values if dict(f[1]).get("site")}
    assert exposed(alone, withheld, 5) == {}
    # ...but table b shows each site's total as its one cell of wages.
    pinned = exposed(both, withheld, 5)
    assert {dict(f[1])["site"] for f in pinned} == {"a", "b"}
    assert all(len(f[1]) == 1 and i.width == 0 for f, i in pinned.items())
    published = protect(Release((by_channel, by_category)), 5)
    assert not {f: r for f, r in recover(published).items() if r[1] - r[0] <= 5}


# Three-way tables and withheld sets found by a random search, of a table that shows zeros
# and of a guarded one (whose counts within a withheld one may be zeros withheld): in the
# first of each, the optimal vertex of the linear relaxation is fractional for some count,
# so the audit must solve the integer program; in the second, a solve started from the
# basis an unbounded one left ends without a verdict, and the audit must solve it again
# from no basis.
HARD_CASES = [
    ("621616120021033133311912921",
     "- x xp xpm xpn xpo xqn xm xn y yp ypn ypo yq yqo yrn yro yo zp zpn zpo zq zqn zqo zrm zrn "
     "zm zn zo pn po q qn rm ro m o", True, False),
    ("329310600111311913391111011",
     "- x xpm xpn xpo xqn xn xo y yq yqm yrm yrn yro yn yo z zpm zq zqn zqo zr zrn zro zm zn p "
     "pn q r rn ro m n o", False, False),
    ("029313911209019691611666000",
     "x z r n xp xq xr xn xo yp yr ym yn yo zp zo pn po qm qo rm rn ro xpn xqo xrn xro ypm ypo "
     "yqn yqo yrn zpm zpn zqm zqo", True, True),
    ("322192920020690162109633691",
     "- x y z p q r m n xp xr xo yp yr ym zr zn pm pn po rm rn ro xpo xqn xqo ypn yqm yqn yrm "
     "yrn zpo zrn zro", False, True),
]  # fmt: skip


@pytest.mark.parametrize(("cells", "hidden", "fractional", "guarded"), HARD_CASES)
def test_the_audits_bounds_are_the_integer_programs_where_the_solver_needs_more_than_one_pass(
    monkeypatch, cells, hidden, fractional, guarded
):
    values = {"a": tuple("xyz"), "b": tuple("pqr"), "c": tuple("mno")}
    counts = map(int, cells)
    keys = [(a, b, c) for a in values["a"] for b in values["b"] for c in values["c"]]
    measure = "referrals.sent" if guarded else "received"
    t = Table("t", measure, ("a", "b", "c"), dict(zip(keys, counts, strict=True)), values,
              guarded=guarded)  # fmt: skip
    dimension = {v: d for d, vs in values.items() for v in vs}
    withheld = {(measure, tuple((dimension[v], v) for v in name.strip("-")))
                for name in hidden.split()}  # fmt: skip
    whole_solves = []
    integral = audit._Program._integral

    def noted(self, kind):
        whole_solves.append(kind)
        integral(self, kind)

    monkeypatch.setattr(audit._Program, "_integral", noted)
    found = intervals(Facts(Release((t,))), withheld)
    assert bool(whole_solves) == fractional
    reader = recover(publish(Release((t,)), 5, withheld))
    assert len(found) == len(withheld) == len(reader)
    assert {(f[0], frozenset(f[1])): (i.low, i.high) for f, i in found.items()} == reader


def test_a_zero_a_shown_zero_gives_away_stays_shown_and_costs_nothing():
    """No harassment case anywhere: the column's total of 0 says KH has none either, so its
    zero is not withheld (it would be pinned all the same, and the complements sought to
    hide it took the whole table, its total of 89 with it)."""
    cells = {
        ("BD", "wages"): 30,
        ("BD", "hours"): 20,
        ("BD", "safety"): 12,
        ("KH", "wages"): 3,
        ("MM", "wages"): 9,
        ("MM", "hours"): 8,
        ("MM", "safety"): 7,
    }
    values = {"country": COUNTRIES[:3], "category": ("wages", "hours", "safety", "harassment")}
    t = Table("t", "referrals.sent", ("country", "category"), cells, values, guarded=True)
    published = protect(Release((t,)), 5)
    shown = dict(published.tables[0].cells)
    assert [shown[(c, "harassment")] for c in COUNTRIES[:3]] == [0, 0, 0]
    assert [shown[("KH", c)] for c in ("wages", "hours", "safety")] == [None, None, None]
    assert published.tables[0].margins[()][()] == 89
    assert not zeros_beside_withheld(published)
    assert not {f: r for f, r in recover(published).items() if r[1] - r[0] <= 5}


def test_zero_is_shown_and_a_table_of_small_counts_shows_only_what_is_safe():
    t = Table("t", "received", ("site",), {("a",): 1, ("b",): 1, ("c",): 0})
    published = protect(Release((t,)), 5)
    assert dict(published.tables[0].cells) == {("a",): None, ("b",): None, ("c",): 0}
    assert published.tables[0].margins[()][()] is None
    assert (published.primary, published.complementary, published.zeros) == (3, 0, 0)


def test_a_guarded_tables_withheld_count_shows_no_zero_so_it_never_says_where_its_cases_are():
    """Two child-labour cases in a month, both at site a: a zero shown at every other site
    beside a withheld a told a reader, the employer at site a first, where they were."""
    cells = {("a",): 2, ("b",): 0, ("c",): 0}
    t = Table("t", "indicators.child_labour", ("site",), cells, guarded=True)
    published = protect(Release((t,)), 5)
    assert dict(published.tables[0].cells) == {("a",): None, ("b",): None, ("c",): None}
    assert published.tables[0].margins[()][()] is None
    assert (published.primary, published.complementary, published.zeros) == (2, 0, 2)
    assert not zeros_beside_withheld(published)
    reader = recover(published)
    for site in "abc":  # each site may hold none of them, or all
        assert reader[("indicators.child_labour", frozenset({("site", site)}))] == (0, np.inf)


def test_a_small_groups_zeros_are_withheld_and_kept_from_being_worked_out_elsewhere():
    """Cambodia's three referrals were all of wage cases: its row's zeros said so. Withheld,
    each could still be worked out as its category's total less the other countries' shown
    counts: complements go with them, and the reader places the three nowhere."""
    rows = ([("BD", "wages", "web")] * 30 + [("BD", "hours", "web")] * 20
            + [("BD", "safety", "web")] * 12 + [("KH", "wages", "web")] * 3
            + [("MM", "wages", "web")] * 9 + [("MM", "hours", "web")] * 8
            + [("MM", "safety", "web")] * 7)  # fmt: skip
    t = Table("t", "referrals.sent", ("country", "category"), table("x", ("country",
              "category"), rows).cells, {"country": COUNTRIES[:3], "category": CATEGORIES[:3]},
              guarded=True)  # fmt: skip
    published = protect(Release((t,)), 5)
    cells = dict(published.tables[0].cells)
    assert published.tables[0].margins[("country",)][("KH",)] is None
    assert [cells[("KH", c)] for c in CATEGORIES[:3]] == [None, None, None]
    assert not zeros_beside_withheld(published)
    reader = recover(published)
    assert not {f: r for f, r in reader.items() if r[1] - r[0] <= 5}
    for category in CATEGORIES[:3]:  # KH's three may be in any category
        low, high = reader[("referrals.sent",
                            frozenset({("country", "KH"), ("category", category)}))]  # fmt: skip
        assert low == 0 and high >= 3, category


def test_statistics_are_shown_only_from_at_least_k_cases():
    stat = Statistic("days-to-acknowledge", ("country",), {
        ("BD",): Summary(12, {"median": 3.0, "p90": 6.5}),
        ("KH",): Summary(4, {"median": 1.0, "p90": 2.0}),
        ("MM",): Summary(5, {"median": 8.0, "p90": 9.0}),
    })  # fmt: skip
    published = publish(Release((), (stat,)), 5, set())
    rows = published.statistics[0].rows
    assert rows[("BD",)] == {"median": 3.0, "p90": 6.5}
    assert rows[("KH",)] is None
    assert rows[("MM",)] == {"median": 8.0, "p90": 9.0}


def test_a_correction_withholds_what_changed_by_fewer_than_k_from_the_release_it_corrects():
    """One grievance re-categorised: 14 -> 13 beside an unchanged total told a reader, holding
    both releases, that the category the correction withheld holds exactly one."""

    def release(hs: int, cl: int) -> Release:
        cells = {("health_and_safety",): hs, ("child_labour",): cl, ("wages",): 49}
        return Release((Table("t", "received", ("category",), cells),))

    first = protect(release(14, 0), 5)
    assert dict(first.tables[0].cells)[("health_and_safety",)] == 14
    correction = protect(release(13, 1), 5, corrected=first.tables)
    cells = dict(correction.tables[0].cells)
    assert cells[("health_and_safety",)] is None and cells[("child_labour",)] is None
    assert correction.tables[0].margins[()][()] == 63 and cells[("wages",)] == 49
    # Every count shown in both is the same, or differs by k or more.
    before, after = dict(first.tables[0].cells), cells
    for key, was in before.items():
        if was is not None and after[key] is not None:
            assert after[key] == was or abs(after[key] - was) >= 5, key
    assert not {f: r for f, r in recover(correction).items() if r[1] - r[0] <= 5}


def test_a_mean_is_shown_to_one_decimal_so_its_denominator_does_not_give_the_count_away():
    # 79/23 to full precision says 23 cases were scored, where that count is withheld.
    stat = Statistic("satisfaction_mean", ("tier",), {("1",): Summary(23, {"mean": 79 / 23})})
    rows = publish(Release((), (stat,)), 5, set()).statistics[0].rows
    assert rows[("1",)] == {"mean": 3.4}


def test_k_is_never_below_three():
    t = Table("t", "received", ("site",), {("a",): 1})
    with pytest.raises(ValueError, match="at least 3"):
        protect(Release((t,)), 2)


def test_a_dimension_value_is_a_string_as_json_keys_it():
    with pytest.raises(ValueError, match="not a string"):
        Table("t", "received", ("tier",), {(1,): 5})  # type: ignore[dict-item]


def test_tables_of_one_measure_must_count_the_same_cases():
    a = Table("a", "received", ("site",), {("a",): 5, ("b",): 9})
    b = Table("b", "received", ("channel",), {("web",): 15})
    with pytest.raises(ValueError, match="disagree"):
        Facts(Release((a, b)))


def test_a_three_way_table_is_protected_in_all_its_margins():
    rows = [(c, g, h) for c, g, h in cases(6, 300) if c in COUNTRIES[:3] and g in CATEGORIES[:3]]
    t = Table(
        "all",
        "received",
        ("country", "category", "channel"),
        table("x", ("country", "category", "channel"), rows).cells,
        {"country": COUNTRIES[:3], "category": CATEGORIES[:3], "channel": CHANNELS},
    )
    published = protect(Release((t,)), 5)
    assert all(c == 0 or c >= 5 for c in published.counts())
    assert published.tables[0].margins[()][()] == len(rows)
    shown = [c for m in published.tables[0].margins.values() for c in m.values() if c]
    assert len(shown) >= 5  # the heuristic is greedy: three-way tables lose most cells
    assert not {f: r for f, r in recover(published).items() if r[1] - r[0] <= 5}
