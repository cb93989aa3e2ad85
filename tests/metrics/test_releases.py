"""Given a tenant's release stream, when a command, then events or a refusal: pure."""

from __future__ import annotations

import json
from dataclasses import replace
from datetime import UTC, date, datetime

import pytest

from redress.events.catalogue import load
from redress.events.catalogue.release import DisclosureSettingsSet, ReleasePublished
from redress.kit.signing import public_jwk, tenant_signing_key
from redress.metrics.disclosure import Release, Statistic, Summary, Table
from redress.metrics.releases.document import verify_release
from redress.metrics.releases.domain import (
    PublishRelease,
    ReleaseRefused,
    SetDisclosure,
    decide,
    evolve,
    initial,
)
from redress.metrics.releases.periods import period

KEY = tenant_signing_key(bytes(range(32)), "acme-msi")
KEYS = [public_jwk(KEY.public_key())]
NOW = datetime(2025, 4, 2, 9, 30, tzinfo=UTC)
RECEIVED = Table(
    "received-by-country",
    "received",
    ("country",),
    {("BD",): 40, ("KH",): 2, ("MM",): 9, ("TH",): 12},
    {"country": ("BD", "KH", "MM", "TH")},
)
ACKNOWLEDGED = Statistic(
    "days-to-acknowledge",
    ("country",),
    {("BD",): Summary(40, {"median": 2.5}), ("KH",): Summary(2, {"median": 9.0})},
)
FIGURES = Release((RECEIVED,), (ACKNOWLEDGED,))


def given(*events):
    state = initial("release-x")
    for e in events:
        state = evolve(state, e)
    return state


def publish(label="2025-Q1", release_id="r1", corrects=None, today=date(2025, 4, 2), noise=None,
            k=5):  # fmt: skip
    extra = {"noise": noise} if noise else {}
    return PublishRelease(
        "acme-msi", release_id, label, FIGURES, today, NOW, KEY, k, corrects, **extra
    )


def refused(command, state) -> str:
    with pytest.raises(ReleaseRefused) as exc:
        decide(command, state)
    return exc.value.kind


def signed(event: ReleasePublished) -> dict:
    return {"document": json.loads(event.document), "signature": event.signature.model_dump()}


def test_a_release_of_a_closed_period_is_protected_signed_and_frozen_in_its_event():
    [event] = decide(publish(), given())
    assert isinstance(event, ReleasePublished)
    assert (event.release_id, event.number, event.period, event.k, event.epsilon) == (
        "r1", 1, "2025-Q1", 5, None)  # fmt: skip
    document = json.loads(event.document)
    assert document["tenant"] == "acme-msi" and document["published"] == "2025-04-02T09:30:00Z"
    cells = {tuple(c["key"]): c["count"] for c in document["tables"][0]["cells"]}
    assert cells == {("BD",): 40, ("KH",): None, ("MM",): None, ("TH",): 12}
    rows = {tuple(r["key"]): r["figures"] for r in document["statistics"][0]["rows"]}
    assert rows == {("BD",): {"median": 2.5}, ("KH",): None}
    assert verify_release(signed(event), KEYS)
    assert document["key"] == KEYS[0]["kid"] == event.signature.kid


def test_a_release_numbered_after_another_never_says_it_was_published_before_it():
    """Two publications computed at once: the one recorded second is numbered second, and the
    time it signs is no earlier than the first's, though its computing began earlier."""
    first = decide(publish(release_id="r1"), given())
    earlier = replace(publish(label="2025-01", release_id="r2"),
                      published_at=datetime(2025, 4, 2, 9, 29, tzinfo=UTC))  # fmt: skip
    [second] = decide(earlier, given(*first))
    assert second.number == 2
    assert json.loads(second.document)["published"] == "2025-04-02T09:30:00Z"


def test_a_tampered_release_fails_verification():
    [event] = decide(publish(), given())
    release = signed(event)
    release["document"]["tables"][0]["cells"][1]["count"] = 2
    assert not verify_release(release, KEYS)
    other = signed(event)
    other["document"]["period"] = "2025-Q2"
    assert not verify_release(other, KEYS)
    assert verify_release(json.dumps(signed(event)), KEYS)
    assert not verify_release("not json", KEYS)


def test_a_release_verifies_against_the_key_set_as_published_or_its_keys():
    release = signed(decide(publish(), given())[0])
    assert verify_release(release, {"keys": KEYS}) and verify_release(release, KEYS)
    assert not verify_release(release, {"keys": "not a list"})
    assert not verify_release(release, {"keys": []})


def test_only_closed_periods_are_published():
    assert refused(publish("2025-04", today=date(2025, 4, 30)), given()) == "period-open"
    assert refused(publish("2025", today=date(2025, 12, 31)), given()) == "period-open"
    assert decide(publish("2025-04", today=date(2025, 5, 1)), given())
    assert refused(publish("2025-13"), given()) == "bad-period"
    assert refused(publish("1900"), given()) == "bad-period"  # before the UNGPs: a slip
    assert refused(publish("2010-Q4"), given()) == "bad-period"
    assert decide(publish("2011-01"), given())


def test_a_period_is_published_once_then_only_corrected_by_a_release_naming_the_one_in_force():
    [first] = decide(publish(), given())
    state = given(first)
    assert refused(publish(release_id="r2"), state) == "already-published"
    assert refused(publish(release_id="r1", corrects="r1"), state) == "already-published"
    assert refused(publish(release_id="r2", corrects="nope"), state) == "unknown-release"
    assert refused(publish("2024-Q4", "r2", corrects="r1"), state) == "wrong-period"
    [correction] = decide(publish(release_id="r2", corrects="r1"), state)
    assert (correction.number, correction.corrects) == (2, "r1")
    assert json.loads(correction.document)["corrects"] == "r1"
    state = given(first, correction)
    assert state.in_force["2025-Q1"] == "r2" and state.releases["r1"].corrected_by == "r2"
    assert refused(publish(release_id="r3", corrects="r1"), state) == "already-corrected"
    # The first release is untouched by the correction: it still verifies as it was.
    assert verify_release(signed(first), KEYS)


def test_a_release_is_protected_with_the_tenants_k_never_below_three():
    assert refused(publish(k=2), given()) == "k-too-low"
    [event] = decide(publish(k=13), given())
    document = json.loads(event.document)
    assert document["disclosure"] == {"k": 13, "noise": None} and event.k == 13
    assert {tuple(c["key"]): c["count"] for c in document["tables"][0]["cells"]}[("TH",)] is None


def fake_noise(counts, sensitivity, epsilon):
    return [c + 1 for c in counts]


def test_with_noise_each_release_spends_its_epsilon_from_the_year_and_is_refused_past_it():
    settings = DisclosureSettingsSet(epsilon=1.0, yearly_budget=2.5)
    [q1] = decide(publish(noise=fake_noise), given(settings))
    noise = json.loads(q1.document)["disclosure"]["noise"]
    assert noise == {"mechanism": "discrete-laplace", "library": "opendp", "epsilon": 1.0,
                     "sensitivity": 1, "scale": 1.0}  # fmt: skip
    cells = {tuple(c["key"]): c["count"] for c in json.loads(q1.document)["tables"][0]["cells"]}
    assert cells[("BD",)] == 41 and cells[("KH",)] is None
    assert json.loads(q1.document)["tables"][0]["margins"][0]["cells"][0]["count"] == 67
    assert json.loads(q1.document)["statistics"] == []
    [q2] = decide(publish("2025-Q2", "r2", today=date(2025, 7, 1), noise=fake_noise),
                  given(settings, q1))  # fmt: skip
    state = given(settings, q1, q2)
    assert state.remaining(2025) == 0.5
    late = publish("2025-Q3", "r3", today=date(2025, 10, 1), noise=fake_noise)
    assert refused(late, state) == "budget-exhausted"
    # Another year's periods draw on that year's budget.
    assert decide(publish("2024-Q4", "r4", noise=fake_noise), state)


def test_noise_is_set_once_and_a_repeat_changes_nothing():
    assert decide(SetDisclosure(), given()) == []  # none, the default
    settings = DisclosureSettingsSet(epsilon=1.0, yearly_budget=2.0)
    assert decide(SetDisclosure(1.0, 2.0), given()) == [settings]
    assert decide(SetDisclosure(1.0, 2.0), given(settings)) == []


def test_noise_needs_an_epsilon_and_a_budget_that_holds_a_release():
    assert refused(SetDisclosure(epsilon=1.0), given()) == "budget-needed"
    assert refused(SetDisclosure(epsilon=2.0, yearly_budget=1.0), given()) == "budget-too-small"
    # So small an epsilon that its noise would have no finite scale.
    tiny = SetDisclosure(epsilon=5e-324, yearly_budget=1.0)
    assert refused(tiny, given()) == "epsilon-too-low"


def test_periods_are_iso_years_quarters_and_months():
    assert period("2024-02").end == date(2024, 2, 29)
    assert (period("2025-Q4").start, period("2025-Q4").end) == (
        date(2025, 10, 1),
        date(2025, 12, 31),
    )
    assert period("2025").kind == "year"


def test_disclosure_settings_of_version_1_leave_their_k_to_the_tenant():
    v1 = {"k": 9, "epsilon": 1.0, "yearly_budget": 2.0}
    assert load("DisclosureSettingsSet", 1, v1) == DisclosureSettingsSet(
        epsilon=1.0, yearly_budget=2.0
    )
    assert load("DisclosureSettingsSet", 1, {"k": 5}) == DisclosureSettingsSet()
