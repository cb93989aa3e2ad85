"""The member dashboard's figures on the generated tenant: a member sees its own supply
chain's grievances of a closed period, its quarter's totals shown, every count the
generator's truth or withheld, none from 1 to k-1, none a reader can recover, no indicator
or referral figure; others are refused."""

from __future__ import annotations

import dataclasses
from collections import Counter

import httpx
import pytest

from redress.kit.auth import signer_for
from redress.metrics import ledger
from redress.metrics.member import member_release
from redress.metrics.suppression import protect
from redress.metrics.tables import period_of
from redress.synth.run import Recorded
from tests.metrics.attack import recover_by_measure, zeros_beside_withheld
from tests.metrics.conftest import PAGE_MONTH, TENANT, TIMEOUT
from tests.metrics.test_publication import check_against_truth
from tests.metrics.truth import Truth, complaints

pytestmark = pytest.mark.timeout(TIMEOUT)
MEMBER = "brand-north"
K = 5


def token(site, roles, org=None) -> dict:
    signer = signer_for(site.generated.settings)
    return {"Authorization": f"Bearer {signer.issue('m-1', TENANT, list(roles), org)}"}


def of_member(recorded: Recorded, org: str) -> Recorded:
    """The generator's record of the grievances (and retaliation reports) `org` filed or
    shares a site of."""
    mine = [g for g in complaints(recorded) if org in g.members]
    return dataclasses.replace(recorded, audits=[], grievances=mine)


async def test_a_member_sees_its_quarter_protected_and_true(figures_site):
    period = period_of("quarter", PAGE_MONTH)
    url = f"{figures_site.base_url}/v1/figures/member"
    async with httpx.AsyncClient(timeout=300) as c:
        got = await c.get(url, params={"period": period.label},
                          headers=token(figures_site, ["member"], MEMBER))  # fmt: skip
    assert got.status_code == 200, got.text
    shown = got.json()
    assert shown["member"] == MEMBER and shown["k"] == K
    names = {t["name"] for t in shown["tables"]}
    assert "received.country" in names
    assert not [n for n in names if n.split(".")[0] in ("indicators", "referrals", "audits")]
    assert not [n for n in names if "member" in n]
    counts_ = [c["count"] for t in shown["tables"] for layer in
               ([t["cells"]] + [m["cells"] for m in t["margins"]]) for c in layer]  # fmt: skip
    assert all(c is None or c == 0 or c >= K for c in counts_)
    assert None in counts_, "a member's quarter must withhold something to test anything"
    # The quarter's totals are shown, and are the generator's truth.
    recorded = figures_site.generated.recorded
    grievances = {g.grievance_id: g for g in complaints(recorded)}
    truth = Truth(of_member(recorded, MEMBER), period.start, period.end)
    found = truth.measures()
    for measure in ("received", "admissible", "in_progress", "closed"):
        totals = {t["name"]: t["margins"][0]["cells"][0]["count"] for t in shown["tables"]
                  if t["name"].split(".")[0] == measure}  # fmt: skip
        assert totals and set(totals.values()) == {len(found[measure])}, (measure, totals)
    assert len(found["received"]) >= 20, "a quarter of the member is not small"
    by_country = Counter(grievances[g].country for g in found["received"])
    [received] = [t for t in shown["tables"] if t["name"] == "received.country"]
    cells = {c["key"][0]: c["count"] for c in received["cells"]}
    # Every country of the member's quarter is listed, at 0 where none was received there.
    assert {c: n for c, n in cells.items() if n != 0} == dict(by_country) and 0 in cells.values()
    assert set(shown["initiative"]) == {"time_to_acknowledge", "time_to_plan", "time_to_close"}


async def test_a_members_figures_resist_the_attack_and_every_count_shown_is_true(generated):
    """Every count of a member's quarter that disclosure control lets through is the
    generator's truth, most of the member's figures are shown, and a reader who solves the
    tables pins no withheld count to within k."""
    async with generated.pool.acquire() as conn:
        rows = await ledger.read(conn, TENANT)
    period = period_of("quarter", PAGE_MONTH)
    protected = protect(member_release(rows, MEMBER, period), K)
    assert all(c == 0 or c >= K for c in protected.counts())
    assert protected.primary > 0, "the member's quarter must have small cells"
    shown = sum(1 for c in protected.counts() if c > 0)
    # Of the counts of k or more, complements withheld to protect the small ones, most are
    # not lost: 235 of 497 shown in this quarter (complements are never zeros, which are
    # all shown, so that a reader knows a withheld count is at least 1).
    assert shown > 0.4 * (shown + protected.complementary), "complements withhold too much"
    pinned = {f: r for f, r in recover_by_measure(protected).items() if r[1] - r[0] <= K}
    assert not pinned, list(pinned)[:5]
    assert not (told_where := zeros_beside_withheld(protected)), told_where[:5]
    recorded = of_member(generated.recorded, MEMBER)
    grievances = {g.grievance_id: g for g in recorded.grievances}
    truth = Truth(recorded, period.start, period.end)
    assert check_against_truth(protected, truth, grievances) > 300


async def test_only_a_member_with_its_organisation_reads_a_closed_period(figures_site):
    url = f"{figures_site.base_url}/v1/figures/member"
    async with httpx.AsyncClient(timeout=60) as c:
        for roles, org, period, status in [
            (["admin"], None, "2025-03", 403),
            (["officer"], None, "2025-03", 403),
            (["member"], None, "2025-03", 403),
            # An organisation the initiative has not admitted: not empty figures, a refusal.
            (["member"], "not-a-member", "2025-03", 403),
            (["member"], MEMBER, "2999-01", 409),
            (["member"], MEMBER, "9999-12", 409),  # no year 10000 to end before
            (["member"], MEMBER, "2025-13", 422),
        ]:
            got = await c.get(url, params={"period": period},
                              headers=token(figures_site, roles, org))  # fmt: skip
            assert got.status_code == status, (roles, org, period, got.text)
            assert got.headers["content-type"] == "application/problem+json"
        assert (await c.get(url, params={"period": "2025-03"})).status_code == 401
