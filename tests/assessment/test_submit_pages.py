"""Submitting from the pages: the Submit button is one of the draft form's, so what is typed
is saved first, through the same checks as Save; then a page asks to confirm, saying how many
criteria are unanswered and what submitting means, and only its button submits."""

from __future__ import annotations

import re

from tests.assessment.test_draft_answers import CSRF, every_criterion, opened
from tests.assessment.test_pages import logged_in


async def test_submit_saves_what_is_typed_then_asks_to_confirm(platform):
    p = platform
    assessment_id = await p.start()
    await logged_in(p, p.member()["Authorization"].split()[1])
    page, csrf = await opened(p, assessment_id)
    assert 'action="/assessments/' + assessment_id + '/submit"' not in page  # no form apart
    assert re.search(r'<button class="primary" type="submit" name="then" value="submit"', page)
    before = await p.log_types(assessment_id)
    typed = every_criterion(page) | {"csrf": csrf, "then": "submit", "gov-l1.answer": "met",
                                     "gov-l1.reason": "Adopted by the board in March."}  # fmt: skip
    asked = await p.client.post(f"/assessments/{assessment_id}/answers", data=typed)
    assert asked.status_code == 303, asked.text[:2000]
    assert asked.headers["location"].startswith(f"/assessments/{assessment_id}/submit?v=")
    assert await p.log_types(assessment_id) == [*before, "AnswerRecorded"]  # saved, not sent
    confirm = await p.client.get(asked.headers["location"])
    assert confirm.status_code == 200, confirm.text[:2000]
    assert "50 of 51 criteria are unanswered: they count as not met" in confirm.text
    assert "an answer changes only in reply to a challenge" in confirm.text
    assert f'href="/assessments/{assessment_id}"' in confirm.text  # back, submitting nothing
    csrf = re.search(CSRF, confirm.text).group(1)
    sent = await p.client.post(f"/assessments/{assessment_id}/submit", data={"csrf": csrf})
    assert sent.status_code == 303, sent.text[:2000]
    done = await p.read(assessment_id)
    assert done["status"] == "submitted"
    assert (done["answers"]["gov-l1"]["answer"], done["answers"]["gov-l1"]["reason"]) == (
        "met", "Adopted by the board in March.")  # fmt: skip
    # Submitted: the confirmation page is no longer offered.
    gone = await p.client.get(f"/assessments/{assessment_id}/submit")
    assert gone.status_code == 303 and gone.headers["location"] == f"/assessments/{assessment_id}"


async def test_submit_with_a_wrong_field_saves_and_submits_nothing(platform):
    p = platform
    assessment_id = await p.start()
    await logged_in(p, p.member()["Authorization"].split()[1])
    page, csrf = await opened(p, assessment_id)
    before = await p.log_types(assessment_id)
    typed = every_criterion(page) | {
        "csrf": csrf, "then": "submit", "gov-l1.answer": "met", "gov-l1.reason": "Signed.",
        "gov-l2.evidence_url": "ftp://intranet/policy.pdf"}  # fmt: skip
    refused = await p.client.post(f"/assessments/{assessment_id}/answers", data=typed)
    assert refused.status_code == 422, refused.text[:2000]
    assert await p.log_types(assessment_id) == before
    assert "a link starts with http:// or https://" in refused.text
    assert re.search(r'name="gov-l1.answer" value="met" checked', refused.text)
    assert ">Signed.</textarea>" in refused.text


async def test_with_nothing_answered_the_confirmation_offers_no_submit(platform):
    p = platform
    assessment_id = await p.start()
    await logged_in(p, p.member()["Authorization"].split()[1])
    page, csrf = await opened(p, assessment_id)
    typed = every_criterion(page) | {"csrf": csrf, "then": "submit"}
    asked = await p.client.post(f"/assessments/{assessment_id}/answers", data=typed)
    assert asked.headers["location"] == f"/assessments/{assessment_id}/submit"
    confirm = await p.client.get(asked.headers["location"])
    assert "answer at least one criterion" in confirm.text
    assert f'action="/assessments/{assessment_id}/submit"' not in confirm.text


async def test_the_initiatives_own_is_confirmed_as_final(platform):
    p = platform
    officer = p.token()
    own = await p.post("/v1/assessments", {"framework": "un-msi-questions"}, officer)
    own_id = own["assessment_id"]
    await logged_in(p, officer["Authorization"].split()[1])
    page, csrf = await opened(p, own_id)
    assert "Submit as final</button>" in page
    typed = every_criterion(page) | {"csrf": csrf, "then": "submit", "q3-1.answer": "met"}
    asked = await p.client.post(f"/assessments/{own_id}/answers", data=typed)
    assert asked.status_code == 303, asked.text[:2000]
    confirm = await p.client.get(asked.headers["location"])
    assert "once submitted, it is final, and no answer can change" in confirm.text
    assert "29 of 30 questions are unanswered" in confirm.text
    assert await p.log_types(own_id) == ["AssessmentStarted", "AnswerRecorded"]
