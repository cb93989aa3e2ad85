"""An assessment over HTTP: a member answers with evidence and submits; an officer challenges
one answer; the member revises it; a rating is proposed and agreed; the history shows it."""

from __future__ import annotations

import csv
import io
from datetime import UTC, date, datetime

from redress.assessment.frameworks import catalogue
from redress.assessment.reminders import reminder_scheduler
from redress.events.timers import FixedClock
from tests.assessment.conftest import ACME

JOURNEY = catalogue().latest("gm-journey")
LAUNCHED = [c.id for c in JOURNEY.criteria().values() if c.level == 0]
GOVERNANCE = [c for c in LAUNCHED if c.startswith("gov-")]


async def test_a_member_answers_submits_is_challenged_revises_and_agrees_a_rating(platform):
    p = platform
    colleague = p.member(sub="acme-hr-lead")
    officer = p.token()
    assessment_id = await p.start()
    base = f"/v1/assessments/{assessment_id}"
    # Two people of the organisation answer; drafts are saved and may be changed.
    for criterion in LAUNCHED:
        await p.answer(assessment_id, criterion, headers=colleague if "est" in criterion else None)
    await p.answer(assessment_id, "gov-e1", "not_applicable")
    await p.answer(assessment_id, "imp-l2", "not_applicable", reason="No production sites")
    draft = await p.read(assessment_id)
    assert draft["status"] == "draft" and draft["org"] == ACME
    assert draft["version"] == 1 and draft["framework"] == "gm-journey"
    assert draft["answers"]["est-l1"]["answered_by"] == "acme-hr-lead"
    assert draft["answers"]["gov-l1"]["evidence"][0]["url"].endswith("grievance-policy.pdf")
    assert draft["not_applicable_without_reason"] == ["gov-e1"]
    steps = {g["group"]: g for g in draft["score"]["groups"]}
    assert {k: g["level"] for k, g in steps.items()} == dict.fromkeys(steps, "launched")
    assert draft["score"]["overall"] == "launched"
    assert steps["governance"]["to_next_level"] == ["gov-e1", "gov-e2", "gov-e3"]

    await p.post(f"{base}/submit")
    await p.post(f"{base}/answers/gov-l2/challenge",
                 {"comment": "The policy we were sent is unsigned."}, officer)  # fmt: skip
    await p.post(f"{base}/answers/gov-l1/verify", {}, officer)
    # The officer cannot rate while the challenge is open; the member cannot answer freely.
    refused = await p.post(f"{base}/rating", {}, officer, status=(409,))
    assert refused["type"].endswith("open-challenges")
    await p.call("PUT", f"{base}/answers/gov-l3", {"answer": "partly"}, status=(409,))
    await p.post(f"{base}/answers/gov-l2/reply",
                 {"comment": "Right: it is signed next month.", "answer": "partly"})  # fmt: skip
    await p.post(f"{base}/answers/gov-l2/verify", {"comment": "Agreed."}, officer)
    await p.post(f"{base}/rating", {"comment": "Well evidenced"}, officer)
    proposed = await p.read(assessment_id)
    assert proposed["status"] == "rating_proposed"
    assert proposed["proposed"]["levels"]["governance"] is None  # gov-l2 is only partly met
    assert proposed["proposed"]["levels"]["implementing"] == "launched"  # n/a with a reason
    assert proposed["proposed"]["overall"] is None
    await p.post(f"{base}/rating/agree")
    final = await p.read(assessment_id, officer)
    assert final["status"] == "final" and final["levels"] == proposed["proposed"]["levels"]
    said = [(t["type"], t["criterion"], t["actor"]) for t in final["thread"]
            if t["type"] not in ("AnswerRecorded",)]  # fmt: skip
    assert said == [
        ("AssessmentStarted", None, "member"), ("AssessmentSubmitted", None, "member"),
        ("AnswerChallenged", "gov-l2", "officer"), ("AnswerVerified", "gov-l1", "officer"),
        ("ChallengeAnswered", "gov-l2", "member"), ("AnswerVerified", "gov-l2", "officer"),
        ("RatingProposed", None, "officer"), ("RatingAgreed", None, "member"),
    ]  # fmt: skip
    history = await p.call("GET", f"/v1/organisations/{ACME}/ratings")
    assert [h["assessment_id"] for h in history["items"]] == [assessment_id]
    assert history["items"][0]["levels"] == final["levels"]


async def test_a_disputed_rating_goes_back_to_review(platform):
    p = platform
    officer = p.token()
    assessment_id = await p.submitted(GOVERNANCE)
    base = f"/v1/assessments/{assessment_id}"
    await p.post(f"{base}/rating", {}, officer)
    await p.post(f"{base}/rating/dispute", {"comment": "gov-e1 is in our supplier code."})
    disputed = await p.read(assessment_id)
    assert disputed["status"] == "submitted" and disputed["proposed"] is None
    await p.post(f"{base}/rating/agree", status=(409,))


async def test_a_new_framework_version_changes_no_earlier_result(platform):
    """The assessment names the version it was started on and is scored against it; the
    agreed levels are in the log itself."""
    p = platform
    assessment_id = await p.submitted(GOVERNANCE)
    started = (await p.system.store.read_stream(assessment_id))[0].data
    assert (started.framework, started.version) == ("gm-journey", 1)
    assert started.digest == catalogue().digest("gm-journey", 1)
    versions = await p.call("GET", "/v1/frameworks")
    assert {(f["id"], f["version"], f["latest"]) for f in versions["items"]} == {
        ("gm-journey", 1, True), ("un-msi-questions", 1, True)}  # fmt: skip
    whole = await p.call("GET", "/v1/frameworks/gm-journey/1")
    first = whole["steps"][0]["criteria"][0]
    assert first["id"] == "gov-l1" and first["rank"] == 1 and first["level"] == "launched"
    assert first["source"]["seed"] == "001" and first["ungp"] == [{"code": "legitimate",
                                                                   "letter": "a"}]  # fmt: skip
    await p.call("GET", "/v1/frameworks/gm-journey/2", status=(404,))


async def test_bad_input_is_refused_as_problem_json_and_writes_nothing(platform):
    p = platform
    assessment_id = await p.start()
    before = await p.log_types(assessment_id)
    base = f"/v1/assessments/{assessment_id}"
    for method, path, body, status in (
        ("PUT", f"{base}/answers/gov-l1", {"answer": "maybe"}, 422),
        ("PUT", f"{base}/answers/gov-l1", {"answer": "met", "evidence": [{}]}, 422),
        ("PUT", f"{base}/answers/gov-l1",
         {"answer": "met", "evidence": [{"url": "javascript:alert(1)"}]}, 422),
        ("PUT", f"{base}/answers/gov-zz", {"answer": "met"}, 404),
        ("PUT", f"{base}/answers/gov-l1", {"answer": "met", "reason": "a\x00b"}, 422),
        ("POST", f"{base}/submit", {}, 409),  # nothing answered
        ("POST", "/v1/assessments", {"version": None}, 422),
        ("POST", "/v1/assessments", {"framework": "un-msi-questions"}, 422),
        ("POST", "/v1/assessments", {"framework": "gm-journey", "version": 9}, 422),
    ):  # fmt: skip
        answer = await p.client.request(method, path, json=body, headers=p.member())
        assert answer.status_code == status, (path, body, answer.text)
        assert answer.headers["content-type"] == "application/problem+json", answer.text
    # Said in the caller's terms: no validator's name or address, no "should be None" for a
    # field that may be left out, a text's length in characters.
    for body, detail in (
        ({"answer": "met", "reason": "x", "evidence": [{"text": "   "}]},
         "body.evidence.0.text: Value error, text may not be blank"),
        ({"answer": "met", "evidence": [{"url": "javascript:alert(1)"}]},
         "body.evidence.0.url: Value error, a link starts with http:// or https://"),
        ({"answer": "met", "reason": "x" * 100_000},
         "body.reason: String should have at most 4000 characters"),
    ):  # fmt: skip
        answer = await p.client.put(f"{base}/answers/gov-l1", json=body, headers=p.member())
        assert (answer.status_code, answer.json()["detail"]) == (422, detail)
    assert await p.log_types(assessment_id) == before


async def test_an_idempotency_key_replayed_starts_one_assessment(platform):
    p = platform
    headers = p.member() | {"Idempotency-Key": "start-2026"}
    first = await p.post("/v1/assessments", {"title": "2026"}, headers)
    again = await p.post("/v1/assessments", {"title": "2026"}, headers)
    assert again == first
    await p.caught_up(first["assessment_id"])
    listed = await p.call("GET", "/v1/assessments")
    assert [a["assessment_id"] for a in listed["items"]] == [first["assessment_id"]]


async def agreed(p, criteria) -> str:
    officer = p.token()
    assessment_id = await p.submitted(criteria)
    await p.post(f"/v1/assessments/{assessment_id}/rating", {}, officer)
    await p.post(f"/v1/assessments/{assessment_id}/rating/agree")
    return assessment_id


async def test_an_action_plan_with_due_dates_reminds_on_a_controllable_clock(platform):
    p = platform
    assessment_id = await agreed(p, GOVERNANCE)
    base = f"/v1/assessments/{assessment_id}"
    await p.caught_up(assessment_id)
    proposed = await p.call("GET", f"{base}/plan")
    first = [c["criterion"] for c in proposed["to_plan_first"]]
    assert first[:4] == ["gov-e1", "gov-e2", "gov-e3", "est-l1"]
    due = date(2027, 3, 31)
    for criterion, owner in (("gov-e1", "Head of sourcing"), ("gov-e2", "Legal counsel")):
        await p.call("PUT", f"{base}/actions/{criterion}",
                     {"owner": owner, "due_on": due.isoformat()})  # fmt: skip
    await p.post(f"{base}/actions/gov-e2/progress", {"note": "Roles agreed", "done": True})
    await p.call("PUT", f"{base}/actions/gov-l1", {"owner": "x", "due_on": "2027-01-01"},
                 status=(409,))  # met already  # fmt: skip
    gone = await p.call("PUT", f"{base}/actions/gov-e3", {"owner": "x", "due_on": "2020-01-01"},
                        status=(422,))  # a date gone: overdue the day it is planned  # fmt: skip
    assert gone["type"].endswith("due-in-the-past")
    await p.caught_up(assessment_id)
    early = reminder_scheduler(p.system.pool, p.system.store,
                               FixedClock(datetime(2027, 3, 23, 23, 59, tzinfo=UTC)))  # fmt: skip
    assert await early.tick() == 0  # not yet a week before
    scheduler = reminder_scheduler(p.system.pool, p.system.store,
                                   FixedClock(datetime(2027, 3, 24, 12, tzinfo=UTC)))  # fmt: skip
    assert await scheduler.tick() == 1  # gov-e1's "due soon"; gov-e2 is done
    scheduler.clock = FixedClock(datetime(2027, 4, 1, 0, 0, 1, tzinfo=UTC))
    assert await scheduler.tick() == 1  # gov-e1 overdue
    assert await scheduler.tick() == 0
    reminded = [e.data for e in await p.system.store.read_stream(assessment_id)
                if e.type == "ActionReminded"]  # fmt: skip
    assert [(r.criterion, r.reminder) for r in reminded] == [("gov-e1", "due_soon"),
                                                             ("gov-e1", "overdue")]  # fmt: skip
    await p.caught_up(assessment_id)
    plan = await p.call("GET", f"{base}/plan")
    actions = {a["criterion"]: a for a in plan["actions"]}
    assert actions["gov-e1"]["reminded"] == ["due_soon", "overdue"]
    assert actions["gov-e2"]["done"] and actions["gov-e2"]["reminded"] == []
    assert next(c for c in plan["to_plan_first"] if c["criterion"] == "gov-e1")["planned"]


async def test_an_assessment_exports_as_csv_one_row_per_criterion(platform):
    p = platform
    assessment_id = await p.start()
    await p.answer(assessment_id, "gov-l1", reason='=HYPERLINK("http://x")')
    written = await p.answer(assessment_id, "imp-l2", "not_applicable", reason="No own sites")
    # The export waits for the caller's own write, as the assessment's read does (202:
    # waited in vain, ask again).
    for _ in range(10):
        answer = await p.client.get(f"/v1/assessments/{assessment_id}/export.csv",
                                    params={"min_version": written["version"]},
                                    headers=p.member())  # fmt: skip
        if answer.status_code != 202:
            break
    assert answer.status_code == 200, answer.text
    assert answer.headers["content-type"].startswith("text/csv")
    lines = list(csv.reader(io.StringIO(answer.content.decode("utf-8-sig"))))
    assert lines[0][:5] == ["group", "level", "rank", "criterion", "text"]
    assert len(lines) == 1 + len(JOURNEY.criteria())
    rows = {row[3]: dict(zip(lines[0], row, strict=True)) for row in lines[1:]}
    assert rows["gov-l1"]["answer"] == "met" and rows["gov-l1"]["ungp"] == "a"
    assert rows["gov-l1"]["reason"].startswith("'=")  # never a formula in a spreadsheet
    assert "grievance-policy.pdf" in rows["gov-l1"]["evidence"]
    assert rows["imp-l2"]["answer"] == "not_applicable" and rows["eva-x3"]["answer"] == ""
    other = await p.client.get(f"/v1/assessments/{assessment_id}/export.csv",
                               headers=p.member("brand-b"))  # fmt: skip
    assert other.status_code == 404


async def test_a_reassessment_is_compared_step_by_step_with_the_rating_before(platform):
    p = platform
    first = await agreed(p, GOVERNANCE)
    again = await p.start()
    for criterion in LAUNCHED:
        await p.answer(again, criterion)
    shown = await p.read(again)
    before = shown["previous"]
    assert before["assessment_id"] == first and before["overall"] is None
    steps = {s["step"]: (s["before"], s["now"]) for s in before["steps"]}
    assert steps["governance"] == ("launched", "launched")
    assert steps["establishing"] == (None, "launched")
    assert (await p.read(first))["previous"] is None  # nothing agreed before the first
