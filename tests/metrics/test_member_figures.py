"""The member dashboard's figures on the generated tenant, over HTTP: a member sees its own
supply chain's grievances of a closed period, every count the generator's truth or
withheld, none from 1 to k-1, no indicator or referral figure; others are refused."""

from __future__ import annotations

from collections import Counter

import httpx
import pytest

from redress.kit.auth import signer_for
from redress.metrics.tables import period_of
from tests.metrics.conftest import PAGE_MONTH, TENANT, TIMEOUT
from tests.metrics.truth import Truth

pytestmark = pytest.mark.timeout(TIMEOUT)
MEMBER = "brand-north"


def token(site, roles, org=None) -> dict:
    signer = signer_for(site.generated.settings)
    return {"Authorization": f"Bearer {signer.issue('m-1', TENANT, list(roles), org)}"}


async def test_a_member_sees_its_own_figures_protected_and_true(figures_site):
    period = period_of("year", PAGE_MONTH)
    url = f"{figures_site.base_url}/v1/figures/member"
    async with httpx.AsyncClient(timeout=300) as c:
        got = await c.get(url, params={"period": period.label},
                          headers=token(figures_site, ["member"], MEMBER))  # fmt: skip
        other = await c.get(url, params={"period": period.label},
                            headers=token(figures_site, ["member"], "brand-east"))  # fmt: skip
    assert got.status_code == 200, got.text
    shown = got.json()
    assert shown["member"] == MEMBER and shown["k"] == 5
    names = {t["name"] for t in shown["tables"]}
    assert "received.country" in names
    assert not [n for n in names if n.split(".")[0] in ("indicators", "referrals", "audits")]
    assert not [n for n in names if "member" in n]
    counts = [c["count"] for t in shown["tables"] for layer in
              ([t["cells"]] + [m["cells"] for m in t["margins"]]) for c in layer]  # fmt: skip
    assert all(c is None or c == 0 or c >= 5 for c in counts)
    assert None in counts, "a member's year must withhold something to test anything"
    grievances = {g.grievance_id: g for g in figures_site.generated.recorded.grievances}
    truth = Truth(figures_site.generated.recorded, period.start, period.end)
    mine = [g for g in truth.measures()["received"] if MEMBER in grievances[g].members]
    [received] = [t for t in shown["tables"] if t["name"] == "received.country"]
    # What is published is true; what is withheld (complementary suppression may take the
    # total as well) says nothing.
    total = received["margins"][0]["cells"][0]["count"]
    assert total in (None, len(mine)) and mine
    by_country = Counter(grievances[g].country for g in mine)
    published = {c["key"][0]: c["count"] for c in received["cells"] if c["count"] is not None}
    assert all(n == by_country.get(country, 0) for country, n in published.items()), (
        published, by_country,
    )  # fmt: skip
    # Something of the member's year is published (complementary suppression withholds much
    # of a member's breakdowns today: see docs/metrics.md, "Member figures").
    assert any(c not in (None, 0) for c in counts)
    assert other.status_code == 200
    assert other.json()["tables"] != shown["tables"]
    assert set(shown["initiative"]) == {"time_to_acknowledge", "time_to_plan", "time_to_close"}


async def test_only_a_member_with_its_organisation_reads_a_closed_period(figures_site):
    url = f"{figures_site.base_url}/v1/figures/member"
    async with httpx.AsyncClient(timeout=60) as c:
        for roles, org, period, status in [
            (["admin"], None, "2025-03", 403),
            (["officer"], None, "2025-03", 403),
            (["member"], None, "2025-03", 403),
            (["member"], MEMBER, "2999-01", 409),
            (["member"], MEMBER, "2025-13", 422),
        ]:
            got = await c.get(url, params={"period": period},
                              headers=token(figures_site, roles, org))  # fmt: skip
            assert got.status_code == status, (roles, org, period, got.text)
            assert got.headers["content-type"] == "application/problem+json"
        assert (await c.get(url, params={"period": "2025-03"})).status_code == 401
