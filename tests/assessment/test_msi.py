"""The initiative's own self-assessment on the UN guidance's questions: its officers answer
it, section by section; members never see it; nobody answers a member's for it."""

from __future__ import annotations


async def test_officers_assess_the_initiative_on_the_un_questions(platform):
    p = platform
    officer, supervisor = p.token(), p.token(("supervisor",), sub="supervisor-1")
    started = await p.post("/v1/assessments", {"framework": "un-msi-questions"}, officer)
    own = started["assessment_id"]
    base = f"/v1/assessments/{own}"
    await p.answer(own, "q3-1", headers=officer)
    await p.answer(own, "q3-3", "partly", headers=supervisor, reason="Criteria b and e not yet")
    await p.answer(own, "q1-1", "not_applicable", headers=officer, reason="Out of our scope")
    await p.post(f"{base}/submit", headers=officer)
    done = await p.read(own, officer)
    assert done["status"] == "final" and done["org"] == "" and done["evidence"] is None
    sections = {g["group"]: g for g in done["score"]["groups"]}
    assert (sections["ch3-grievance"]["met"], sections["ch3-grievance"]["total"]) == (1, 5)
    assert sections["ch1-awareness"]["met"] == 1  # not applicable, with a reason
    assert done["answers"]["q3-3"]["answered_by"] == "supervisor-1"
    # Members neither see nor reach it; the review routes have nothing to review.
    member = p.member()
    assert (await p.client.get(base, headers=member)).status_code == 404
    listed = await p.call("GET", "/v1/assessments", headers=member)
    assert own not in {a["assessment_id"] for a in listed["items"]}
    await p.post(f"{base}/answers/q3-1/verify", {}, officer, status=(409,))


async def test_officers_never_answer_a_members_assessment_nor_members_the_initiatives(platform):
    p = platform
    officer = p.token()
    theirs = await p.start()
    before = await p.log_types(theirs)
    refused = await p.client.put(f"/v1/assessments/{theirs}/answers/gov-l1",
                                 json={"answer": "met"}, headers=officer)  # fmt: skip
    assert refused.status_code == 403, refused.text
    assert await p.log_types(theirs) == before
    # A member cannot start the initiative's questions; staff cannot start a member's journey.
    await p.post("/v1/assessments", {"framework": "un-msi-questions"}, status=(422,))
    await p.post("/v1/assessments", {"framework": "gm-journey"}, officer, status=(422,))
