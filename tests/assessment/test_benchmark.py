"""The peer benchmark, in the API and on its page: hidden until k members have an agreed
rating, then each member sees its levels beside the distribution, each organisation counted
once (its latest rating)."""

from __future__ import annotations

import re

from redress.assessment.benchmark import distribution
from redress.assessment.frameworks import catalogue
from tests.assessment.conftest import ACME
from tests.assessment.test_flow import GOVERNANCE, LAUNCHED, agreed
from tests.assessment.test_pages import logged_in

JOURNEY = catalogue().latest("gm-journey")


def test_the_distribution_counts_each_rating_at_its_level_per_step_and_overall():
    ratings = [
        {"levels": {"governance": "launched", "establishing": None}, "overall": None},
        {"levels": {"governance": "established", "establishing": "launched"},
         "overall": "launched"},
    ]  # fmt: skip
    counted = distribution(JOURNEY, ratings)
    assert counted["steps"]["governance"] == {"none": 0, "launched": 1, "established": 1,
                                              "integrated": 0, "leadership": 0}  # fmt: skip
    assert counted["steps"]["implementing"]["none"] == 2
    assert counted["overall"]["none"] == 1 and counted["overall"]["launched"] == 1


async def test_the_benchmark_is_hidden_below_five_members_with_an_agreed_rating(platform):
    p = platform
    others = ["brand-b", "brand-c", "brand-d"]
    await agreed(p, GOVERNANCE)  # acme, twice: counted once, with its latest rating
    latest = await agreed(p, LAUNCHED)
    for org in others:
        member = p.member(org)
        assessment_id = await p.submitted(GOVERNANCE[:1], member)
        await p.post(f"/v1/assessments/{assessment_id}/rating", {}, p.token())
        await p.post(f"/v1/assessments/{assessment_id}/rating/agree", headers=member)
    await p.caught_up(latest)
    draft = await p.start(p.member("brand-e"))  # a draft is no rating
    await p.caught_up(draft)
    hidden = await p.call("GET", "/v1/benchmark")
    assert hidden["shown"] is False and hidden["distribution"] is None
    assert hidden["members"] is None  # not even how many
    assert hidden["yours"]["overall"] == "launched"
    await logged_in(p, p.member()["Authorization"].split()[1])
    page = await p.client.get("/assessments/benchmark")
    assert page.status_code == 200 and 'id="hidden"' in page.text
    assert 'id="benchmark"' not in page.text and "member organisations with" not in page.text

    member = p.member("brand-e")
    await p.answer(draft, "gov-l1", headers=member)
    await p.post(f"/v1/assessments/{draft}/submit", headers=member)
    await p.post(f"/v1/assessments/{draft}/rating", {}, p.token())
    await p.post(f"/v1/assessments/{draft}/rating/agree", headers=member)
    await p.caught_up(draft)
    shown = await p.call("GET", "/v1/benchmark")
    assert shown["shown"] is True and shown["members"] == 5
    overall = shown["distribution"]["overall"]
    assert overall == {"none": 4, "launched": 1, "established": 0, "integrated": 0,
                       "leadership": 0}  # fmt: skip
    assert shown["yours"]["levels"]["implementing"] == "launched"
    page = await p.client.get("/assessments/benchmark")
    assert "5 member organisations with an agreed rating" in page.text
    overall_row = page.text.split('<th scope="row">Overall</th>')[1].split("</tr>")[0]
    cells = re.findall(r"<td( class=\"yours\")?>.*?</span>(\d+)", overall_row)
    assert cells == [("", "4"), (' class="yours"', "1"), ("", "0"), ("", "0"), ("", "0")]
    staff = await p.call("GET", "/v1/benchmark", headers=p.token())
    assert staff["yours"] is None and staff["distribution"] == shown["distribution"]
    other_tenant = await p.call("GET", "/v1/benchmark", headers=p.member(ACME, tenant="other"))
    assert other_tenant["shown"] is False and other_tenant["yours"] is None
    await p.call("GET", "/v1/benchmark?framework=un-msi-questions", status=(404,))
    documented = (await p.client.get("/openapi.json")).json()["paths"]["/v1/benchmark"]["get"]
    assert "404" in documented["responses"]  # as every answer it gives
