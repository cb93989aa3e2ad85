"""The assessment pages over HTTP: who gets in, another organisation's page, CSRF."""

from __future__ import annotations

import re

from tests.assessment.conftest import ACME
from tests.assessment.test_flow import GOVERNANCE, agreed


async def logged_in(p, token: str):
    client = p.client
    client.cookies.clear()
    form = await client.get("/assessments/login")
    csrf = re.search(r'name="csrf" value="([0-9a-f]+)"', form.text).group(1)
    answer = await client.post("/assessments/login", data={"csrf": csrf, "token": token})
    return answer, csrf


async def test_pages_admit_members_and_staff_and_keep_organisations_apart(platform):
    p = platform
    theirs = await p.start(p.member("brand-b"))
    await p.caught_up(theirs)
    partner = p.token(("partner",), org="safe-home")["Authorization"].split()[1]
    refused, _ = await logged_in(p, partner)
    assert refused.status_code == 403 and "member companies" in refused.text
    member = p.member(ACME)["Authorization"].split()[1]
    answer, csrf = await logged_in(p, member)
    assert answer.status_code == 303
    other = await p.client.get(f"/assessments/{theirs}")
    assert other.status_code == 404 and "text/html" in other.headers["content-type"]
    assert "brand-b" not in other.text
    # A form without its CSRF token changes nothing.
    before = await p.log_types(theirs)
    forged = await p.client.post("/assessments/start", data={"title": "forged"})
    assert forged.status_code == 403
    started = await p.client.post("/assessments/start", data={"csrf": csrf, "title": "Ours"})
    assert started.status_code == 303 and started.headers["location"].startswith("/assessments/")
    assert await p.log_types(theirs) == before
    await p.caught_up(started.headers["location"].split("?")[0].rsplit("/", 1)[1])
    listed = await p.call("GET", "/v1/assessments")
    assert [a["title"] for a in listed["items"]] == ["Ours"]
    officer = p.token()["Authorization"].split()[1]
    answer, _ = await logged_in(p, officer)
    page = await p.client.get(f"/assessments/{theirs}")
    assert page.status_code == 200 and "brand-b" in page.text
    assert 'name="gov-l1.answer"' not in page.text  # officers do not answer a member's


def _given(answer: dict) -> list[dict]:
    """The answer's evidence as given: what each item says, without the parts left empty."""
    return [{k: v for k, v in e.items() if v} for e in answer["evidence"]]


def _keeps(page: str, criterion: str) -> list[str]:
    """The evidence boxes of the criterion's answer form, ticked to keep, in order."""
    return re.findall(
        rf'id="answer-{criterion}-keep-\d+" name="{criterion}.keep" value="([0-9a-f]+)" checked',
        page,
    )


async def test_saving_an_answer_again_keeps_the_evidence_ticked_and_adds_what_is_typed(platform):
    """The page's answer form records the answer whole: it sends back the evidence the answer
    had (the boxes left ticked), not nothing, so that changing a reason loses no evidence."""
    p = platform
    assessment_id = await p.start()
    given = [{"text": "Signed policy, 2026"}, {"url": "https://acme.example/grievance.pdf"}]
    await p.answer(assessment_id, "gov-l1", evidence=given)
    await p.caught_up(assessment_id)
    await logged_in(p, p.member()["Authorization"].split()[1])
    page = (await p.client.get(f"/assessments/{assessment_id}")).text
    keeps = _keeps(page, "gov-l1")
    assert len(keeps) == 2
    saved = await p.client.post(f"/assessments/{assessment_id}/answers", data={
        "csrf": re.search(r'name="csrf" value="([0-9a-f]+)"', page).group(1),
        "criteria": "gov-l1", "gov-l1.answer": "met", "gov-l1.reason": "Signed by the board.",
        "gov-l1.keep": keeps[1], "gov-l1.evidence_text": "Board minutes",
    })  # fmt: skip
    assert saved.status_code == 303, saved.text
    answer = (await p.read(assessment_id))["answers"]["gov-l1"]
    assert answer["reason"] == "Signed by the board."
    assert _given(answer) == [given[1], {"text": "Board minutes"}]


async def test_a_reply_that_gives_evidence_without_an_answer_is_refused_not_dropped(platform):
    p = platform
    officer = p.token()
    assessment_id = await p.submitted(["gov-l1", "gov-l2"])
    base = f"/v1/assessments/{assessment_id}"
    await p.post(f"{base}/answers/gov-l2/challenge", {"comment": "Unsigned."}, officer)
    before = await p.log_types(assessment_id)
    refused = await p.post(f"{base}/answers/gov-l2/reply", {
        "comment": "Signed now.", "evidence": [{"url": "https://acme.example/signed.pdf"}]},
        status=(422,))  # fmt: skip
    assert "send the answer with them" in str(refused)
    for empty in ({"evidence": []}, {"reason": ""}):  # "remove them all" is a revision too
        refused = await p.post(f"{base}/answers/gov-l2/reply", {"comment": "No.", **empty},
                               status=(422,))  # fmt: skip
    assert await p.log_types(assessment_id) == before
    await p.post(f"{base}/answers/gov-l2/reply", {
        "comment": "Signed now.", "answer": "met",
        "evidence": [{"url": "https://acme.example/signed.pdf"}]})  # fmt: skip
    answer = (await p.read(assessment_id))["answers"]["gov-l2"]
    assert _given(answer) == [{"url": "https://acme.example/signed.pdf"}]


async def test_a_refused_answer_comes_back_as_typed_with_the_wrong_field_marked(platform):
    """A link the browser takes (ftp://) and the platform does not: the page says why beside
    the field, and what was typed, reason and evidence, is there to correct and send again."""
    p = platform
    assessment_id = await p.start()
    await p.caught_up(assessment_id)
    await logged_in(p, p.member()["Authorization"].split()[1])
    page = (await p.client.get(f"/assessments/{assessment_id}")).text
    csrf = re.search(r'name="csrf" value="([0-9a-f]+)"', page).group(1)
    before = await p.log_types(assessment_id)
    refused = await p.client.post(f"/assessments/{assessment_id}/answers", data={
        "csrf": csrf, "criteria": "gov-l1", "gov-l1.answer": "partly",
        "gov-l1.reason": "Signed in March, not yet published.",
        "gov-l1.evidence_text": "Board minutes",
        "gov-l1.evidence_url": "ftp://intranet/policy.pdf"})  # fmt: skip
    assert refused.status_code == 422, refused.text
    assert await p.log_types(assessment_id) == before
    shown = refused.text
    assert 'role="alert"' in shown and 'href="#answer-gov-l1-evidence"' in shown
    assert 'id="answer-gov-l1-evidence-error"' in shown
    assert "a link starts with http:// or https://" in shown
    assert re.search(r'id="answer-gov-l1-evidence-url"[^>]*value="ftp://intranet/policy.pdf"'
                     r'[^>]*aria-invalid="true"', shown)  # fmt: skip
    assert ">Signed in March, not yet published.</textarea>" in shown
    assert re.search(r'name="gov-l1.answer" value="partly" checked', shown)
    # The page's fresh token sends the corrected form.
    csrf = re.search(r'name="csrf" value="([0-9a-f]+)"', shown).group(1)
    saved = await p.client.post(f"/assessments/{assessment_id}/answers", data={
        "csrf": csrf, "criteria": "gov-l1", "gov-l1.answer": "partly",
        "gov-l1.reason": "Signed in March, not yet published.",
        "gov-l1.evidence_url": "https://intranet.acme.example/policy.pdf"})  # fmt: skip
    assert saved.status_code == 303, saved.text


async def test_a_refused_plan_keeps_its_owner_and_description(platform):
    p = platform
    assessment_id = await agreed(p, GOVERNANCE)
    await p.caught_up(assessment_id)
    await logged_in(p, p.member()["Authorization"].split()[1])
    page = (await p.client.get(f"/assessments/{assessment_id}")).text
    criterion = re.search(r'/actions/([a-z0-9-]+)" id="plan-', page).group(1)
    csrf = re.search(r'name="csrf" value="([0-9a-f]+)"', page).group(1)
    refused = await p.client.post(f"/assessments/{assessment_id}/actions/{criterion}", data={
        "csrf": csrf, "owner": "Head of sourcing", "due_on": "2201-03-31",
        "description": "Publish the signed policy"})  # fmt: skip
    assert refused.status_code == 422, refused.text
    key = f"plan-{criterion}"
    assert re.search(rf'id="{key}-owner"[^>]*value="Head of sourcing"', refused.text)
    assert ">Publish the signed policy</textarea>" in refused.text
    assert re.search(rf'id="{key}-due-on"[^>]*aria-invalid="true"', refused.text)


async def test_a_reply_that_changes_only_the_reason_or_evidence_revises_the_answer(platform):
    """ "Keep it as it is" keeps the answer's value: a reason rewritten or evidence added in
    the reply form is recorded with it, not dropped in silence."""
    p = platform
    officer = p.token()
    assessment_id = await p.submitted(["gov-l1", "gov-l2"])
    base = f"/v1/assessments/{assessment_id}"
    await p.post(f"{base}/answers/gov-l2/challenge", {"comment": "Unsigned."}, officer)
    await p.caught_up(assessment_id)
    await logged_in(p, p.member()["Authorization"].split()[1])
    page = (await p.client.get(f"/assessments/{assessment_id}")).text
    csrf = re.search(r'name="csrf" value="([0-9a-f]+)"', page).group(1)
    keeps = re.findall(r'id="reply-gov-l2-keep-\d+" name="keep" value="([0-9a-f]+)" checked', page)
    sent = await p.client.post(f"/assessments/{assessment_id}/answers/gov-l2/reply", data={
        "csrf": csrf, "comment": "Signed now.", "answer": "", "reason": "Signed on 3 March.",
        "keep": keeps, "evidence_url": "https://acme.example/signed.pdf"})  # fmt: skip
    assert sent.status_code == 303, sent.text
    answer = (await p.read(assessment_id))["answers"]["gov-l2"]
    assert answer["answer"] == "met" and answer["reason"] == "Signed on 3 March."
    assert _given(answer)[-1] == {"url": "https://acme.example/signed.pdf"}
    assert len(_given(answer)) == len(keeps) + 1


async def test_an_answer_awaiting_the_members_reply_offers_the_officer_no_review_form(platform):
    """A comment typed in the review form of a challenged answer would have verified it (the
    form's default): while the member owes a reply, only an explicit withdrawal is offered."""
    p = platform
    assessment_id = await p.submitted(["gov-l1", "gov-l2"])
    base = f"/v1/assessments/{assessment_id}"
    await p.post(f"{base}/answers/gov-l2/challenge", {"comment": "Unsigned."}, p.token())
    await p.caught_up(assessment_id)
    await logged_in(p, p.token()["Authorization"].split()[1])
    page = (await p.client.get(f"/assessments/{assessment_id}")).text
    section = page.split('id="c-gov-l2"')[1].split("</section>")[0]
    assert 'name="comment"' not in section and "Waiting for the member's reply" in section
    assert 'id="withdraw-challenge-gov-l2"' in section
    other = page.split('id="c-gov-l1"')[1].split("</section>")[0]
    assert 'name="verdict" value="challenge"' in other  # an answer not challenged: reviewed


async def test_assessments_started_without_a_title_are_told_apart_in_the_list(platform):
    """Two untitled assessments started the same minute: each its own label, not the part
    of their ids their starting time shares."""
    p = platform
    ids = [await p.start(p.member("brand-e"), {"framework": "gm-journey"}) for _ in range(2)]
    for assessment_id in ids:
        await p.caught_up(assessment_id)
    member = p.member("brand-e")["Authorization"].split()[1]
    await logged_in(p, member)
    page = (await p.client.get("/assessments")).text
    labels = {i: re.search(rf'href="/assessments/{i}">([^<]+)</a>', page).group(1) for i in ids}
    assert all(label.startswith("Untitled ") for label in labels.values()), labels
    assert len(set(labels.values())) == 2, labels
