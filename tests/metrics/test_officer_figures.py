"""The officer dashboard's figures on the generated tenant, over HTTP: the open grievances
by stage are the generator's own (counted by `truth.py`, not by the projection), and only
officers and supervisors read them."""

from __future__ import annotations

from collections import Counter
from datetime import date

import httpx
import pytest

from redress.kit.auth import signer_for
from tests.metrics.conftest import START, TENANT, TIMEOUT
from tests.metrics.truth import Truth, complaints

pytestmark = pytest.mark.timeout(TIMEOUT)


def token(site, roles, org=None) -> dict:
    signer = signer_for(site.generated.settings)
    return {"Authorization": f"Bearer {signer.issue('o-1', TENANT, list(roles), org)}"}


async def test_an_officer_sees_the_queues_as_the_generator_left_them(figures_site):
    url = f"{figures_site.base_url}/v1/figures/officer"
    async with httpx.AsyncClient(timeout=120) as c:
        got = await c.get(url, headers=token(figures_site, ["officer"]))
        supervisor = await c.get(url, headers=token(figures_site, ["supervisor"]))
        for roles, org in ((["member"], "brand-north"), (["admin"], None), (["partner"], "p")):
            refused = await c.get(url, headers=token(figures_site, roles, org))
            assert refused.status_code == 403, roles
        assert (await c.get(url)).status_code == 401
    assert got.status_code == supervisor.status_code == 200, got.text
    shown = got.json()
    # Every step the generator took is over, so what is open at the end of a period still
    # to come is what is open now.
    truth = Truth(figures_site.generated.recorded, START, date(2999, 1, 1))
    open_now = Counter(code for codes in truth.measures()["in_progress"].values()
                       for code in codes)  # fmt: skip
    assert shown["queues"] == dict(open_now) and sum(open_now.values()) > 0
    assert all(shown["overdue"].get(s, 0) <= n for s, n in shown["queues"].items())
    # A referral the partner declined is open under that step, not "sent": the officer is
    # to choose another partner.
    assert shown["referrals_open"] == dict(referrals_open(figures_site.generated.recorded))
    assert shown["referrals_open"].get("partner_declined", 0) > 0


# The step a referral is at after each of the generator's steps.
LATEST = {"select": "proposed", "partner_accept": "accepted",
          "partner_decline": "partner_declined", "partner_close": "closed"}  # fmt: skip


def referrals_open(recorded) -> Counter[str]:
    """The referrals the generator left open (neither declined by the worker nor closed),
    by the latest step it took."""
    found: Counter[str] = Counter()
    for g in complaints(recorded):
        step = None
        for s in g.steps:
            if s.kind == "triage" and g.partner and step is None:
                step = "opened"
            elif s.kind == "consent":
                step = "sent" if s.code == "given" else "declined"
            elif s.kind in LATEST:
                step = LATEST[s.kind]
        if step is not None and step not in ("declined", "closed"):
            found[step] += 1
    return found
