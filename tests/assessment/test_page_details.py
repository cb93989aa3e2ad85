"""Details of the assessment's page that readers had to work out: the steps in the
framework's order, the initiative's sections by their names, what an action planned will
do, and a plan without an owner refused as `owner-required`."""

from __future__ import annotations

import html
import re

from tests.assessment.test_flow import GOVERNANCE, LAUNCHED, agreed
from tests.assessment.test_pages import logged_in

IN_ORDER = ["Governance", "Establishing", "Implementing", "Evaluating"]


async def test_the_steps_read_in_the_frameworks_order(platform):
    p = platform
    first = await agreed(p, GOVERNANCE)
    again = await p.start()
    for criterion in LAUNCHED:
        await p.answer(again, criterion)
    await p.post(f"/v1/assessments/{again}/submit")
    await p.post(f"/v1/assessments/{again}/rating", {}, p.token())
    shown = await p.read(again)
    assert [s["step"] for s in shown["previous"]["steps"]] == [s.lower() for s in IN_ORDER]
    assert shown["previous"]["assessment_id"] == first
    await logged_in(p, p.member()["Authorization"].split()[1])
    page = (await p.client.get(f"/assessments/{again}")).text
    proposed = page.split('id="rating-title">Rating proposed</h2>')[1].split("</p>")[0]
    assert re.findall(r"(\w+): ", proposed) == [*IN_ORDER, "Overall"]
    compared = page.split('id="compared"')[1].split("</table>")[0]
    assert re.findall(r'<th scope="row">(\w+)</th>', compared) == IN_ORDER


async def test_the_initiatives_sections_are_named_not_given_by_their_ids(platform):
    p = platform
    officer = p.token()
    own = await p.post("/v1/assessments", {"framework": "un-msi-questions"}, officer)
    await p.caught_up(own["assessment_id"])
    await logged_in(p, officer["Authorization"].split()[1])
    page = (await p.client.get(f"/assessments/{own['assessment_id']}")).text
    assert "Ch1-awareness" not in page and "ch1-awareness" not in re.sub(r'"[^"]*"', "", page)
    assert "<h2>Awareness of international regimes and emerging trends</h2>" in page
    assert '<th scope="row">Governance structure</th>' in page


async def test_an_action_shows_what_will_be_done_and_a_blank_owner_is_owner_required(platform):
    p = platform
    assessment_id = await agreed(p, GOVERNANCE)
    base = f"/v1/assessments/{assessment_id}"
    refused = await p.call("PUT", f"{base}/actions/est-l1",
                           {"owner": "  ", "due_on": "2027-03-31"}, status=(422,))  # fmt: skip
    assert refused["type"].endswith("owner-required"), refused
    await p.call("PUT", f"{base}/actions/est-l1", {
        "owner": "Head of sourcing", "due_on": "2027-03-31",
        "description": "Publish the policy in the four languages of our sites."})  # fmt: skip
    await p.caught_up(assessment_id)
    await logged_in(p, p.member()["Authorization"].split()[1])
    page = (await p.client.get(f"/assessments/{assessment_id}")).text
    row = page.split('id="action-est-l1"')[1].split("</tr>")[0]
    assert "Publish the policy in the four languages of our sites." in row
    csrf = re.search(r'name="csrf" value="([0-9a-f]+)"', page).group(1)
    criterion = re.search(r'/actions/([a-z0-9-]+)" id="plan-', page).group(1)
    blank = await p.client.post(f"/assessments/{assessment_id}/actions/{criterion}", data={
        "csrf": csrf, "owner": "   ", "due_on": "2027-03-31"})  # fmt: skip
    assert blank.status_code == 422, blank.text[:2000]
    assert re.search(rf'id="plan-{criterion}-owner"[^>]*aria-invalid="true"', blank.text)
    assert "Say who answers for the action" in html.unescape(blank.text)
