"""The whole remediation path through HTTP only, as its users walk it."""

import re

from tests.events.helpers import wait_until

TENANT = "acme"


async def file_by_web_form(platform, lang="bn", narrative="আমাদের পাসপোর্ট রেখে দিয়েছে"):
    client = platform.intake
    page = await client.get(f"/t/{TENANT}/report?lang={lang}")
    csrf = re.search(r'name="csrf" value="([0-9a-f]+)"', page.text).group(1)
    form_id = re.search(r'name="form_id" value="([^"]+)"', page.text).group(1)
    receipt = await client.post(f"/t/{TENANT}/report", follow_redirects=True, data={
        "csrf": csrf, "form_id": form_id, "lang": lang, "country": "BD", "site_id": "dhaka-1",
        "category": "identity_documents", "narrative": narrative, "submit": "1",
        "reveal_identity_to_company": "yes",
    })  # fmt: skip
    assert receipt.status_code == 200, receipt.text
    reference = re.search(r'id="reference">([^<]+)<', receipt.text).group(1)
    secret = re.search(r'id="secret">([^<]+)<', receipt.text).group(1)
    return reference, secret


async def queued(platform, **filters):
    answer = await platform.cases.get("/v1/cases", params=filters, headers=platform.token())
    assert answer.status_code == 200, answer.text
    return answer.json()["items"]


async def test_from_web_form_to_closed_case_read_by_the_worker(platform):
    officer, member = platform.token(), platform.member()
    reference, secret = await file_by_web_form(platform)
    await wait_until(lambda: _queue_has(platform, 1))
    (case,) = await queued(platform)
    case_id = case["case_id"]
    assert case["stage"] == "admissibility" and case["member_org"] == "acme-apparel"

    async def post(path, body=None, headers=officer, status=200):
        answer = await platform.cases.post(f"/v1/cases/{case_id}{path}", json=body or {},
                                           headers=headers)  # fmt: skip
        assert answer.status_code == status, (path, answer.text)
        return answer.json()

    await post("/triage", {"indicators": ["document_retention"], "severity": "medium"})
    assert "ReferralRecommended" in await platform.log_types(case_id)
    await post("/accept")
    await post("/messages", {"text": "Thank you. We are looking into it."}, status=201)
    await post("/advance", {"to": "response"})
    await post("/advance", {"to": "remediation_plan"})
    await post("/actions", {"remedy": "policy_change", "owner": "supplier",
                            "due_on": "2030-01-31", "description": "Return all passports"},
               status=201)  # fmt: skip
    proposed = await post("/actions", {"remedy": "training", "owner": "member_company",
                                       "due_on": "2030-02-28", "description": "Train HR staff"},
                          headers=member, status=201)  # fmt: skip
    await post("/advance", {"to": "implementation"})
    detail = await platform.cases.get(f"/v1/cases/{case_id}",
                                      params={"min_version": proposed["version"]},
                                      headers=member)  # fmt: skip
    assert detail.status_code == 200, detail.text
    actions = {a["description"]: a["action_id"] for a in detail.json()["actions"]}
    assert set(actions) == {"Return all passports", "Train HR staff"}
    assert "thread" not in detail.json()  # the company never sees the conversation
    await post(f"/actions/{actions['Train HR staff']}", {"progress": "Trained 40 staff",
               "evidence": "attendance.pdf", "done": True}, headers=member)  # fmt: skip
    forbidden = await platform.cases.post(
        f"/v1/cases/{case_id}/close", json={"outcome": "resolved"}, headers=member
    )
    assert forbidden.status_code == 403
    # Resolved needs every action done or waived: the passports are back.
    await post(f"/actions/{actions['Return all passports']}",
               {"progress": "Every passport returned", "done": True})  # fmt: skip
    closed = await post("/close", {"outcome": "resolved"})
    await post("/lessons", {"text": "Audit agents' document practice", "tags": ["documents"]})

    # The worker reads the outcome, and the officer's message, in Bengali, and rates it.
    await wait_until(lambda: _worker_sees(platform, reference, secret, "বন্ধ"))
    page = await open_status(platform.intake, reference, secret)
    assert 'id="outcome"' in page.text and "Resolved" not in page.text  # said in Bengali
    csrf = re.search(r'name="csrf" value="([0-9a-f]+)"', page.text).group(1)
    origin = re.search(r'name="origin" value="([^"]+)"', page.text).group(1)
    # The score belongs to the reply's form: a reply half written waits in its box after
    # the score is sent, and after a "Send" without a score, which asks the question again.
    assert 'type="radio" form="reply-form" name="score" value="4"' in page.text
    typed = {"csrf": csrf, "do": "satisfaction", "origin": origin, "message": "ধন্যবাদ"}
    unscored = await platform.intake.post(f"/t/{TENANT}/status", data=typed)
    assert unscored.status_code == 422 and 'role="alert"' in unscored.text
    assert "required>ধন্যবাদ</textarea>" in unscored.text
    rated = await platform.intake.post(f"/t/{TENANT}/status", data={**typed, "score": "4"})
    assert rated.status_code == 303
    after = await platform.intake.get(rated.headers["location"])
    assert "required>ধন্যবাদ</textarea>" in after.text and 'name="score"' not in after.text
    await wait_until(lambda: _satisfaction_recorded(platform, case_id))

    final = await platform.cases.get(f"/v1/cases/{case_id}",
                                     params={"min_version": closed["version"] + 3},
                                     headers=officer)  # fmt: skip
    body = final.json()
    assert (body["status"], body["stage"], body["outcome"], body["satisfaction"]) == (
        "closed",
        "lessons_learned",
        "resolved",
        4,
    )
    assert body["grievance"]["narrative"] == "আমাদের পাসপোর্ট রেখে দিয়েছে"
    assert [a["done"] for a in body["actions"]] == [True, True]


async def _queue_has(platform, n):
    return len(await queued(platform)) >= n


async def open_status(client, reference, secret):
    page = await client.get(f"/t/{TENANT}/status")
    csrf = re.search(r'name="csrf" value="([0-9a-f]+)"', page.text).group(1)
    return await client.post(
        f"/t/{TENANT}/status/open",
        data={"csrf": csrf, "reference": reference, "secret": secret},
        follow_redirects=True,
    )


async def _worker_sees(platform, reference, secret, text):
    page = await open_status(platform.intake, reference, secret)
    return text in page.text and "Thank you. We are looking into it." in page.text


async def _satisfaction_recorded(platform, case_id):
    return "SatisfactionRecorded" in await platform.log_types(case_id)
