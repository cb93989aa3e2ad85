"""A reply to a challenge is written against the answer its page showed: one revised by
someone else of the organisation meanwhile is refused (409), nothing recorded, their answer
beside what was typed; sent again from that page, it answers theirs, as now seen."""

from __future__ import annotations

import html
import re

from tests.assessment.conftest import EVIDENCE
from tests.assessment.test_draft_answers import CSRF
from tests.assessment.test_pages import logged_in

HIS = {"comment": "HR signed it.", "answer": "partly", "reason": "Signed by HR, not the board.",
       "evidence": [{"text": "HR's page", "url": "https://acme.example/hr.pdf"}]}  # fmt: skip


def reply_form(page: str, criterion: str) -> dict[str, str | list[str]]:
    """What the criterion's reply form sends untouched, as a browser sends it."""
    form = page.split(f"/answers/{criterion}/reply")[1].split("</form>")[0]
    sent: dict[str, str | list[str]] = {"csrf": re.search(CSRF, page).group(1)}
    for name, value in re.findall(r'<input type="hidden" name="([a-z_]+)" value="([^"]*)"', form):
        if name != "csrf":
            sent.setdefault(name, []).append(html.unescape(value))  # type: ignore[union-attr]
    for name, text in re.findall(r'name="(comment|reason)"[^>]*>([^<]*)</textarea>', form):
        sent[name] = html.unescape(text)
    chosen = re.search(r'<option value="([a-z_]*)" selected>', form)
    sent["answer"] = chosen.group(1) if chosen else ""
    sent["keep"] = re.findall(r'name="keep" value="([0-9a-f]+)" checked', form)
    return {k: v[0] if isinstance(v, list) and len(v) == 1 and k != "keep" else v
            for k, v in sent.items()}  # fmt: skip


def given(answer: dict) -> list[dict]:
    return [{k: v for k, v in e.items() if v} for e in answer["evidence"]]


async def challenged_twice(p, alice, bob) -> tuple[str, str]:
    """Alice's answer challenged, her page opened; then Bob replies revising it, and the
    officer challenges his. Alice's page, as she opened it, and the assessment."""
    officer = p.token()
    assessment_id = await p.submitted(["gov-l1", "gov-l2"], alice)
    base = f"/v1/assessments/{assessment_id}"
    await p.post(f"{base}/answers/gov-l2/challenge", {"comment": "Unsigned."}, officer)
    await p.caught_up(assessment_id)
    await logged_in(p, alice["Authorization"].split()[1])
    page = (await p.client.get(f"/assessments/{assessment_id}")).text
    await p.post(f"{base}/answers/gov-l2/reply", HIS, bob)
    await p.post(f"{base}/answers/gov-l2/challenge", {"comment": "Which HR?"}, officer)
    await p.caught_up(assessment_id)
    return assessment_id, page


async def test_a_reply_against_an_answer_revised_meanwhile_is_refused_with_theirs_beside_it(
    platform,
):
    """Alice replies from her page, the answer left as it showed it (no reason, the policy
    ticked): refused, and Bob's answer is not put back to her page's; sent again, her reply
    answers his answer, unrevised."""
    p = platform
    alice, bob = p.member(sub="alice"), p.member(sub="bob")
    assessment_id, page = await challenged_twice(p, alice, bob)
    before = await p.log_types(assessment_id)
    typed = reply_form(page, "gov-l2") | {"comment": "The board signed it in March."}
    assert typed["reason"] == "" and len(typed["keep"]) == 1  # her page's, stale
    path = f"/assessments/{assessment_id}/answers/gov-l2/reply"
    refused = await p.client.post(path, data=typed)
    assert refused.status_code == 409, refused.text[:2000]
    assert await p.log_types(assessment_id) == before
    answer = (await p.read(assessment_id))["answers"]["gov-l2"]
    assert (answer["reason"], answer["answered_by"]) == (HIS["reason"], "bob")
    shown = html.unescape(refused.text)
    section = shown.split('id="c-gov-l2"')[1].split("</section>")[0]
    assert "Answer: <strong>Partly</strong>: <bdi>Signed by HR, not the board.</bdi>" in section
    assert "Bob saved “Partly: Signed by HR, not the board.”" in section
    assert ">The board signed it in March.</textarea>" in section  # what she typed
    again = reply_form(refused.text, "gov-l2")
    assert again["reason"] == HIS["reason"]  # the answer as it stands: she changed none of it
    sent = await p.client.post(path, data=again)
    assert sent.status_code == 303, sent.text[:2000]
    assert await p.log_types(assessment_id) == [*before, "ChallengeAnswered"]
    answer = (await p.read(assessment_id))["answers"]["gov-l2"]
    assert (answer["answer"], answer["reason"]) == ("partly", HIS["reason"])
    assert given(answer) == HIS["evidence"]


async def test_a_reply_revising_an_answer_revised_meanwhile_keeps_what_was_typed(platform):
    """Alice revises the answer in her reply (a value, a reason, her page's evidence kept):
    refused beside Bob's; sent again, hers replaces his, with the evidence she ticked."""
    p = platform
    alice, bob = p.member(sub="alice"), p.member(sub="bob")
    assessment_id, page = await challenged_twice(p, alice, bob)
    before = await p.log_types(assessment_id)
    typed = reply_form(page, "gov-l2") | {"comment": "Signed by the board.", "answer": "met",
                                          "reason": "Board minutes, March."}  # fmt: skip
    path = f"/assessments/{assessment_id}/answers/gov-l2/reply"
    refused = await p.client.post(path, data=typed)
    assert refused.status_code == 409, refused.text[:2000]
    assert await p.log_types(assessment_id) == before
    again = reply_form(refused.text, "gov-l2")
    assert (again["answer"], again["reason"]) == ("met", "Board minutes, March.")
    assert len(again["keep"]) == 1  # her policy, ticked, though Bob's answer has it not
    sent = await p.client.post(path, data=again)
    assert sent.status_code == 303, sent.text[:2000]
    assert await p.log_types(assessment_id) == [*before, "AnswerRecorded", "ChallengeAnswered"]
    answer = (await p.read(assessment_id))["answers"]["gov-l2"]
    assert (answer["answer"], answer["reason"], answer["answered_by"]) == (
        "met", "Board minutes, March.", "alice")  # fmt: skip
    assert given(answer) == EVIDENCE
