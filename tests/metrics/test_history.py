"""A quarter minus its published months gives away nothing a month withheld: releases of
one year are audited together for measures that add up over time."""

from __future__ import annotations

import json
from dataclasses import replace
from datetime import UTC, date, datetime

from redress.kit.signing import tenant_signing_key
from redress.metrics.disclosure import Facts, Release, Table, publish
from redress.metrics.history import Earlier, links
from redress.metrics.releases.document import tables_of
from redress.metrics.releases.domain import PublishRelease, decide, evolve, initial
from redress.metrics.suppression import protect
from tests.metrics.attack import recover_year

SITES = {"site": ("a", "b", "c")}
MONTHS = {"2025-01": (2, 20, 30), "2025-02": (10, 15, 9), "2025-03": (12, 6, 40)}


def received(counts, additive=True) -> Release:
    cells = dict(zip((("a",), ("b",), ("c",)), counts, strict=True))
    return Release((Table("by-site", "received", ("site",), cells, SITES, additive=additive),))


def quarter() -> tuple[int, ...]:
    return tuple(sum(m[i] for m in MONTHS.values()) for i in range(3))


def months_published() -> dict:
    return {label: protect(received(c), 5, label) for label, c in MONTHS.items()}


def test_a_quarter_withholds_what_would_give_away_a_months_withheld_count():
    months = months_published()
    assert months["2025-01"].tables[0].cells[("a",)] is None  # 2: below k
    # Alone, the quarter would show a = 24, and 24 - 10 - 12 = 2, January's withheld count.
    alone = protect(received(quarter()), 5)
    assert alone.tables[0].cells[("a",)] == 24
    pinned = {
        f: r for f, r in recover_year(months | {"2025-Q1": alone}).items() if r[1] - r[0] <= 5
    }
    assert ("received", frozenset({("site", "a")}), "2025-01") in pinned
    earlier = [Earlier(label, p.tables) for label, p in months.items()]
    q1 = protect(received(quarter()), 5, "2025-Q1", earlier)
    assert q1.tables[0].cells[("a",)] is None
    found = recover_year(months | {"2025-Q1": q1})
    assert found, "something must be withheld"
    assert not {fig: r for fig, r in found.items() if r[1] - r[0] <= 5}


def test_counts_of_a_state_at_the_periods_end_are_not_summed_over_time():
    months = {label: protect(received(c, additive=False), 5, label) for label, c in MONTHS.items()}
    earlier = [Earlier(label, p.tables) for label, p in months.items()]
    q1 = protect(received(quarter(), additive=False), 5, "2025-Q1", earlier)
    assert q1.tables[0].cells[("a",)] == 24


def test_the_domain_audits_a_release_with_the_years_releases_in_force():
    key = tenant_signing_key(bytes(32), "acme-msi")
    state = initial("")
    for n, (label, counts) in enumerate(MONTHS.items(), start=1):
        command = PublishRelease("acme-msi", f"m{n}", label, received(counts), date(2025, 4, 2),
                                 datetime(2025, 4, 2, tzinfo=UTC), key, 5)  # fmt: skip
        [event] = decide(command, state)
        state = evolve(state, event)
    assert set(state.shown) == set(MONTHS)
    command = PublishRelease("acme-msi", "q1", "2025-Q1", received(quarter()), date(2025, 4, 2),
                             datetime(2025, 4, 2, tzinfo=UTC), key, 5)  # fmt: skip
    [event] = decide(command, state)
    [table] = tables_of(json.loads(event.document))
    assert table.cells[("a",)] is None and table.additive


def test_a_count_earlier_releases_give_away_already_is_no_reason_to_fail():
    sites = {"site": ("a", "d", "e")}

    def by_site(a, d, e):
        cells = {("a",): a, ("d",): d, ("e",): e}
        return Release((Table("by-site", "received", ("site",), cells, sites, additive=True),))

    months = {"2025-01": (37, 2, 40), "2025-02": (12, 0, 30), "2025-03": (15, 0, 50)}
    published = {label: protect(by_site(*c), 5, label) for label, c in months.items()}
    earlier = [Earlier(label, p.tables) for label, p in published.items()]
    q1 = protect(by_site(64, 2, 120), 5, "2025-Q1", earlier)
    assert q1.tables[0].cells[("d",)] is None
    found = recover_year(published | {"2025-Q1": q1})
    pinned = {fig for fig, (lo, hi) in found.items() if hi - lo <= 5}
    # Only what the months showed whole is pinned: a quarter's count of a site every month
    # showed, public before this release.
    shown_every_month = {
        site for site in ("a", "d", "e")
        if all(p.tables[0].cells[(site,)] is not None for p in published.values())
    }  # fmt: skip
    assert all(dict(fig[1])["site"] in shown_every_month and fig[2] == "2025-Q1"
               for fig in pinned)  # fmt: skip


def test_a_reader_knows_a_count_an_earlier_release_withheld_is_at_least_one_where_it_says_so():
    """January withheld a = 2 and c = 30 beside a zero it showed: the quarter's audit takes
    them as a reader does, at least 1, as it takes its own; within a withheld count of a
    guarded table, or in a release that does not say which tables are guarded (made before
    zeros within withheld counts were withheld), at least 0."""
    january = protect(received((2, 0, 30)), 5, "2025-01")
    assert dict(january.tables[0].cells) == {("a",): None, ("b",): 0, ("c",): None}
    assert january.tables[0].guarded is False
    told = links("2025-Q1", received(quarter()), frozenset(), [Earlier("2025-01", january.tables)])
    hidden = {("received@2025-01", (("site", "a"),)), ("received@2025-01", (("site", "c"),))}
    assert told.hidden == hidden and told.at_least_one == hidden
    older = replace(january.tables[0], guarded=None)
    told = links("2025-Q1", received(quarter()), frozenset(), [Earlier("2025-01", (older,))])
    assert told.hidden == hidden and not told.at_least_one
    guarded = replace(january.tables[0], measure="referrals.sent", guarded=True,
                      margins={(): {(): None}})  # fmt: skip
    told = links("2025-Q1", received(quarter()), frozenset(), [Earlier("2025-01", (guarded,))])
    # The total, withheld, is at least 1; within it, each site may be 0.
    assert told.at_least_one == {("referrals.sent@2025-01", ())}


def test_what_earlier_releases_pin_beside_the_zeros_a_quarter_must_show_does_not_stop_it():
    """The year (10, every site withheld), December (c and d withheld, a zero at a and b)
    and April (nothing) are in force; the second quarter has a = 1 and d = 1. Its zero at b
    says b's year count came from other quarters, December's withheld counts are at least 1
    each: the other quarters hold at least 3 of the year's 10, so the quarter holds at most
    7 and at least 2 (a and d). Withholding every count it has cannot change that, and a
    zero cannot be withheld where the table tells a reader a withheld count is at least 1
    (ADR 41): the quarter is published with all it can withhold withheld, where suppression
    used to fail (a 500 for the admin publishing it)."""
    sites = {"site": ("a", "b", "c", "d")}

    def by_site(*counts: int) -> Release:
        cells = dict(zip((("a",), ("b",), ("c",), ("d",)), counts, strict=True))
        return Release((Table("by-site", "received", ("site",), cells, sites, additive=True),))

    chain: dict = {}
    for label, counts in (("2025", (2, 1, 4, 3)), ("2025-12", (0, 0, 1, 1)),
                          ("2025-04", (0, 0, 0, 0)), ("2025-Q2", (1, 0, 0, 1))):  # fmt: skip
        earlier = [Earlier(period, p.tables) for period, p in chain.items()]
        chain[label] = protect(by_site(*counts), 5, label, earlier)
    q2 = chain["2025-Q2"]
    assert dict(q2.tables[0].cells) == {("a",): None, ("b",): 0, ("c",): 0, ("d",): None}
    assert q2.tables[0].margins[()][()] is None

    def pinned(releases: dict) -> set:
        found = recover_year(releases)
        return {f for f, (lo, hi) in found.items() if hi - lo <= 5 and f[2] == "2025-Q2"}

    # What a reader pins of the quarter is what it would pin with every count withheld.
    facts = Facts(by_site(1, 0, 0, 1))
    everything = publish(by_site(1, 0, 0, 1), 5, {f for f in facts.own if facts.values[f]})
    assert pinned(chain) == pinned(chain | {"2025-Q2": everything})
    assert ("received", frozenset(), "2025-Q2") in pinned(chain)
