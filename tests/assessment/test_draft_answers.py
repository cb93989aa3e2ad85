"""A draft's criteria are one form on its page: any Save button records every answer changed,
in one write; a wrong field records nothing and brings the page back with everything typed
kept and the field's fault said plainly; a form sent twice changes nothing twice."""

from __future__ import annotations

import html
import re

from tests.assessment.conftest import EVIDENCE
from tests.assessment.test_files import PDF
from tests.assessment.test_pages import logged_in

CSRF = r'name="csrf" value="([0-9a-f]+)"'


async def opened(p, assessment_id: str) -> tuple[str, str]:
    """The assessment's page as a member sees it, and its form token."""
    await p.caught_up(assessment_id)
    page = (await p.client.get(f"/assessments/{assessment_id}")).text
    return page, re.search(CSRF, page).group(1)


def every_criterion(page: str) -> dict[str, str | list[str]]:
    """What the page's draft form sends untouched, as a browser sends it: each criterion it
    carries, the answers chosen, the reasons shown, the evidence ticked to keep, each item of
    evidence as shown and the name of each answer as shown."""
    form = page.split('id="answers"')[1].split("</form>")[0]
    sent: dict[str, str | list[str]] = {"criteria": re.findall(r'name="criteria" value="([^"]+)"',
                                                               form)}  # fmt: skip
    for name, value in re.findall(r'name="([a-z0-9-]+\.answer)" value="([a-z_]+)" checked', form):
        sent[name] = value
    for name, text in re.findall(r'name="([a-z0-9-]+\.reason)"[^>]*>([^<]*)</textarea>', form):
        sent[name] = html.unescape(text)
    for name, digest in re.findall(r'name="([a-z0-9-]+\.keep)" value="([0-9a-f]+)" checked', form):
        sent.setdefault(name, []).append(digest)  # type: ignore[union-attr]
    for name, digest in re.findall(r'name="([a-z0-9-]+\.shown)" value="([0-9a-f]+)"', form):
        sent[name] = digest
    for name, item in re.findall(r'name="([a-z0-9-]+\.item)" value="([^"]*)"', form):
        sent.setdefault(name, []).append(html.unescape(item))  # type: ignore[union-attr]
    return sent


async def test_one_save_records_every_criterion_changed_and_nothing_for_the_rest(platform):
    p = platform
    assessment_id = await p.start()
    await p.answer(assessment_id, "gov-l3", "partly")
    await logged_in(p, p.member()["Authorization"].split()[1])
    page, csrf = await opened(p, assessment_id)
    before = await p.log_types(assessment_id)
    typed = every_criterion(page) | {
        "csrf": csrf, "at": "gov-l2",  # the second criterion's Save button
        "gov-l1.answer": "met", "gov-l1.reason": "Adopted by the board in March.",
        "gov-l2.answer": "partly", "gov-l2.evidence_text": "Draft policy, v3",
    }  # fmt: skip
    assert typed["gov-l3.answer"] == "partly"  # shown, sent back unchanged
    saved = await p.client.post(f"/assessments/{assessment_id}/answers", data=typed)
    assert saved.status_code == 303, saved.text[:2000]
    assert saved.headers["location"].endswith("#c-gov-l2")
    events = (await p.system.store.read_stream(assessment_id))[len(before) :]
    assert [(e.type, e.data.criterion) for e in events] == [
        ("AnswerRecorded", "gov-l1"), ("AnswerRecorded", "gov-l2")]  # fmt: skip
    assert len({e.tx_id for e in events}) == 1  # one write
    answers = (await p.read(assessment_id))["answers"]
    assert (answers["gov-l1"]["answer"], answers["gov-l1"]["reason"]) == (
        "met", "Adopted by the board in March.")  # fmt: skip
    assert answers["gov-l2"]["answer"] == "partly"
    assert [e["text"] for e in answers["gov-l2"]["evidence"]] == ["Draft policy, v3"]
    # A double click sends the same form again: refused, nothing recorded twice.
    again = await p.client.post(f"/assessments/{assessment_id}/answers", data=typed)
    assert again.status_code == 409 and "already sent" in again.text
    # Saved from the page as it now stands, untouched: nothing changed, nothing recorded.
    page, csrf = await opened(p, assessment_id)
    unchanged = every_criterion(page) | {"csrf": csrf}
    assert unchanged["gov-l1.reason"] == "Adopted by the board in March."
    assert unchanged["gov-l1.answer"] == "met" and len(unchanged["gov-l2.keep"]) == 1
    same = await p.client.post(f"/assessments/{assessment_id}/answers", data=unchanged)
    assert same.status_code == 303
    assert len(await p.log_types(assessment_id)) == len(before) + 2


async def test_a_wrong_field_saves_nothing_and_keeps_every_criterions_typing(platform):
    """A reason past 4,000 characters (sent by no browser, but sent) in one criterion: the
    page comes back with it marked and said plainly, and what was typed in the other
    criterion kept for the next Save, which records both."""
    p = platform
    assessment_id = await p.start()
    await logged_in(p, p.member()["Authorization"].split()[1])
    page, csrf = await opened(p, assessment_id)
    before = await p.log_types(assessment_id)
    typed = every_criterion(page) | {
        "csrf": csrf, "gov-l1.answer": "met", "gov-l1.reason": "x" * 4001,
        "gov-l2.answer": "not_met", "gov-l2.reason": "Nobody owns it yet.",
        "gov-l2.evidence_url": "https://acme.example/org-chart.pdf", "est-l1.answer": "great",
    }  # fmt: skip
    refused = await p.client.post(f"/assessments/{assessment_id}/answers", data=typed)
    assert refused.status_code == 422, refused.text[:2000]
    assert await p.log_types(assessment_id) == before
    shown = refused.text
    assert "The reason is longer than 4,000 characters" in shown
    assert "Choose one of the answers: met, partly, not met or not applicable" in shown
    assert "should" not in shown.split('id="error"')[1].split("</div>")[0]  # not pydantic's
    assert re.search(r'id="answer-gov-l1-reason"[^>]*aria-invalid="true"[^>]*'
                     r'aria-describedby="answer-gov-l1-reason-hint answer-gov-l1-reason-error"',
                     shown)  # fmt: skip
    assert 'id="answer-gov-l1-reason-error"' in shown
    assert 'aria-describedby="answer-est-l1-answer-error"' in shown
    assert 'href="#answer-gov-l1-reason"' in shown and "Governance, Launched 1:" in shown
    # The other criterion as typed, and the wrong one too, to correct.
    assert re.search(r'name="gov-l2.answer" value="not_met" checked', shown)
    assert ">Nobody owns it yet.</textarea>" in shown
    assert 'value="https://acme.example/org-chart.pdf"' in shown
    assert re.search(r'name="gov-l1.answer" value="met" checked', shown)
    assert 'id="answer-gov-l2-reason"' in shown and 'aria-invalid="true"' not in (
        shown.split('id="c-gov-l2"')[1].split("</section>")[0])  # fmt: skip
    corrected = typed | {"csrf": re.search(CSRF, shown).group(1),
                         "gov-l1.reason": "Adopted in March.", "est-l1.answer": ""}  # fmt: skip
    saved = await p.client.post(f"/assessments/{assessment_id}/answers", data=corrected)
    assert saved.status_code == 303, saved.text[:2000]
    answers = (await p.read(assessment_id))["answers"]
    assert sorted(answers) == ["gov-l1", "gov-l2"]
    assert answers["gov-l2"]["reason"] == "Nobody owns it yet."


async def test_a_document_chosen_is_attached_with_the_answers_and_a_bad_one_saves_nothing(
    platform,
):
    p = platform
    assessment_id = await p.start()
    await logged_in(p, p.member()["Authorization"].split()[1])
    page, csrf = await opened(p, assessment_id)
    before = await p.log_types(assessment_id)
    typed = every_criterion(page) | {"csrf": csrf, "gov-l1.answer": "met"}
    program = {"gov-l2.file": ("tool.exe", b"MZ", "application/x-msdownload"),
               "gov-l1.file": ("minutes.pdf", PDF, "application/pdf")}  # fmt: skip
    refused = await p.client.post(f"/assessments/{assessment_id}/answers", data=typed,
                                  files=program)  # fmt: skip
    assert refused.status_code == 415, refused.text[:2000]
    assert await p.log_types(assessment_id) == before
    # The good file is named to be chosen again (a browser never keeps it); the bad one is
    # said wrong, not asked for again.
    again = re.findall(r"Choose <bdi>([^<]+)</bdi> again", refused.text)
    assert again == ["minutes.pdf"], again
    summary = refused.text.split('id="error"', 1)[1].split("</div>", 1)[0]
    assert "but not the files chosen" in summary
    assert re.search(r'href="#file-gov-l1">[^<]*: choose <bdi>minutes.pdf</bdi> again', summary)
    assert 'href="#file-gov-l2"' in refused.text and "must be a PDF" in refused.text
    assert re.search(r'name="gov-l1.answer" value="met" checked', refused.text)
    typed["csrf"] = re.search(CSRF, refused.text).group(1)
    policy = {"gov-l2.file": ("policy.pdf", PDF, "application/pdf")}
    saved = await p.client.post(f"/assessments/{assessment_id}/answers", data=typed,
                                files=policy)  # fmt: skip
    assert saved.status_code == 303, saved.text[:2000]
    assert await p.log_types(assessment_id) == [*before, "AnswerRecorded",
                                                "EvidenceFileAttached"]  # fmt: skip


async def test_saving_writes_only_what_was_changed_from_the_page_and_refuses_an_overtaken_one(
    platform,
):
    """Alice opens the draft; Bob, of the same company, saves gov-l2 and gov-l3 through the
    API. Alice's Save writes only what she changed (est-l1), never her page's stale gov-l2;
    a change of hers to gov-l2 is refused with Bob's answer beside what she typed, saving
    nothing; sent again from that page, it replaces Bob's, as she has now seen it."""
    p = platform
    alice, bob = p.member(sub="alice"), p.member(sub="bob")
    assessment_id = await p.start(alice)
    await p.answer(assessment_id, "gov-l2", "not_met", headers=alice, reason="No owner.")
    await logged_in(p, alice["Authorization"].split()[1])
    page, csrf = await opened(p, assessment_id)
    await p.answer(assessment_id, "gov-l2", "met", headers=bob, reason="HR owns it since May.")
    await p.answer(assessment_id, "gov-l3", "partly", headers=bob)
    before = await p.log_types(assessment_id)
    typed = every_criterion(page) | {"csrf": csrf, "est-l1.answer": "met"}
    assert typed["gov-l2.answer"] == "not_met"  # her page's, stale
    saved = await p.client.post(f"/assessments/{assessment_id}/answers", data=typed)
    assert saved.status_code == 303, saved.text[:2000]
    events = (await p.system.store.read_stream(assessment_id))[len(before) :]
    assert [(e.type, e.data.criterion) for e in events] == [("AnswerRecorded", "est-l1")]
    answers = (await p.read(assessment_id))["answers"]
    assert (answers["gov-l2"]["answer"], answers["gov-l2"]["answered_by"]) == ("met", "bob")
    assert answers["gov-l3"]["answer"] == "partly"
    # A change of hers to what Bob changed since her page was shown: refused, nothing saved.
    before = await p.log_types(assessment_id)
    typed = every_criterion(page) | {
        "csrf": re.search(CSRF, (await opened(p, assessment_id))[0]).group(1),
        "gov-l2.answer": "partly", "gov-l2.reason": "Owned by nobody until June.",
        "est-l2.answer": "not_met"}  # fmt: skip
    refused = await p.client.post(f"/assessments/{assessment_id}/answers", data=typed)
    assert refused.status_code == 409, refused.text[:2000]
    assert await p.log_types(assessment_id) == before
    shown = html.unescape(refused.text)
    summary = shown.split('id="error"', 1)[1].split("</div>", 1)[0]
    assert "Governance, Launched 2: Bob saved “Met: HR owns it since May.”" in summary
    section = shown.split('id="c-gov-l2"')[1].split("</section>")[0]
    assert "Answer: <strong>Met</strong>: <bdi>HR owns it since May.</bdi>" in section  # his
    assert re.search(r'name="gov-l2.answer" value="partly" checked', section)  # and hers
    assert ">Owned by nobody until June.</textarea>" in section
    assert re.search(r'name="est-l2.answer" value="not_met" checked', shown)
    # The untouched criterion Bob answered shows his answer, not her page's blank.
    assert re.search(r'name="gov-l3.answer" value="partly" checked', shown)
    again = every_criterion(refused.text) | {"csrf": re.search(CSRF, refused.text).group(1)}
    saved = await p.client.post(f"/assessments/{assessment_id}/answers", data=again)
    assert saved.status_code == 303, saved.text[:2000]
    answers = (await p.read(assessment_id))["answers"]
    assert (answers["gov-l2"]["answer"], answers["gov-l2"]["answered_by"]) == ("partly", "alice")
    assert answers["est-l2"]["answer"] == "not_met" and answers["gov-l3"]["answer"] == "partly"


async def test_the_evidence_ticked_stays_ticked_beside_an_answer_saved_meanwhile(platform):
    """Alice's answer has two items of evidence; Bob saves his with a link of his own and
    neither of hers. Alice's change, her two items ticked, is refused beside Bob's answer:
    her items come back ticked (his offered, unticked), and sent again they stay hers."""
    p = platform
    alice, bob = p.member(sub="alice"), p.member(sub="bob")
    minutes = {"text": "Board minutes, May"}
    assessment_id = await p.start(alice)
    await p.answer(assessment_id, "gov-l2", "not_met", headers=alice,
                   evidence=[*EVIDENCE, minutes])  # fmt: skip
    await logged_in(p, alice["Authorization"].split()[1])
    page, csrf = await opened(p, assessment_id)
    his = {"url": "https://acme.example/hr-note.pdf"}
    await p.answer(assessment_id, "gov-l2", "met", headers=bob, evidence=[his])
    await p.caught_up(assessment_id)
    typed = every_criterion(page) | {"csrf": csrf, "gov-l2.answer": "partly"}
    assert len(typed["gov-l2.keep"]) == 2
    refused = await p.client.post(f"/assessments/{assessment_id}/answers", data=typed)
    assert refused.status_code == 409, refused.text[:2000]
    section = html.unescape(refused.text.split('id="c-gov-l2"')[1].split("</section>")[0])
    boxes = re.findall(r'<input type="checkbox"[^>]*name="gov-l2.keep"[^>]*>\s*<span[^>]*>([^<]*)',
                       section)  # fmt: skip
    ticked = re.findall(r'name="gov-l2.keep" value="[0-9a-f]+" checked>\s*<span[^>]*>([^<]*)',
                        section)  # fmt: skip
    assert [b.strip() for b in boxes] == [EVIDENCE[0]["text"], minutes["text"], ""], boxes
    assert [t.strip() for t in ticked] == [EVIDENCE[0]["text"], minutes["text"]], ticked
    again = every_criterion(refused.text) | {"csrf": re.search(CSRF, refused.text).group(1)}
    saved = await p.client.post(f"/assessments/{assessment_id}/answers", data=again)
    assert saved.status_code == 303, saved.text[:2000]
    answer = (await p.read(assessment_id))["answers"]["gov-l2"]
    assert (answer["answer"], answer["answered_by"]) == ("partly", "alice")
    assert [{k: v for k, v in e.items() if v} for e in answer["evidence"]] == [*EVIDENCE, minutes]
