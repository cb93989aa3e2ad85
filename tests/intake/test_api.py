"""The member-company, operator, import and SMS channels of intake."""

import asyncio
import json
import re

import pytest

from redress.intake.commands import MemberGrievance
from redress.intake.sms import signature
from redress.intake.sms_texts import CONTACT_ALLOWED, CONTACT_STOPPED, SMS_FILED, SMS_JOINED
from tests.intake.conftest import TENANT
from tests.intake.test_lookup_keys import text as sms
from tests.intake.test_worker_errors import tr
from tests.kit.earlier_fingerprints import fingerprinted_as_before

GRIEVANCE = {
    "country": "BD",
    "site_id": "dhaka-1",
    "category": "working_hours",
    "narrative": "Sixteen-hour shifts every day before the shipment.",
    "language": "bn",
    "member_reference": "HOTLINE-0042",
    "contact": {"phone_or_email": "+8801711111111", "language": "bn"},
    "consent": {"contact_me": True},
}


async def grievances(intake) -> int:
    async with intake.system.pool.acquire() as conn:
        return await conn.fetchval(
            "SELECT count(*) FROM eventlog.events WHERE type = 'GrievanceSubmitted'"
        )


async def test_member_files_a_grievance_and_gets_no_worker_secret(intake):
    answer = await intake.client.post("/v1/grievances", json=GRIEVANCE, headers=intake.token())
    assert answer.status_code == 201, answer.text
    body = answer.json()
    assert body["reference"].startswith("R-") and body["secret"] is None and body["version"] == 1
    events = await intake.system.store.read_stream(body["stream"])
    submitted = events[0].data
    assert submitted.member_org == "acme-apparel" and submitted.channel == "member_api"
    assert "Sixteen" not in submitted.personal.ciphertext


async def test_ten_concurrent_requests_with_one_idempotency_key_file_once(intake):
    headers = {**intake.token(), "Idempotency-Key": "k-1"}
    answers = await asyncio.gather(
        *(intake.client.post("/v1/grievances", json=GRIEVANCE, headers=headers) for _ in range(10))
    )
    assert {a.status_code for a in answers} == {201}
    assert len({a.json()["grievance_id"] for a in answers}) == 1
    assert await grievances(intake) == 1
    changed = {**GRIEVANCE, "narrative": "Something else entirely."}
    reused = await intake.client.post("/v1/grievances", json=changed, headers=headers)
    assert reused.status_code == 422
    assert reused.json()["type"] == "urn:redress:problem:idempotency-key-reused"
    assert await grievances(intake) == 1


async def test_a_member_reference_filed_again_without_a_key_is_refused_naming_the_first(intake):
    """A member's system that retries without an Idempotency-Key, or files live what it
    imported, files one grievance: the reference names it, as in an import."""
    first = await intake.client.post("/v1/grievances", json=GRIEVANCE, headers=intake.token())
    assert first.status_code == 201, first.text
    grievance_id = first.json()["grievance_id"]
    again = await intake.client.post("/v1/grievances", json=GRIEVANCE, headers=intake.token())
    assert again.status_code == 409, again.text
    assert again.headers["content-type"] == "application/problem+json"
    assert again.json()["type"] == "urn:redress:problem:already-filed"
    assert again.json()["grievance_id"] == grievance_id
    imported = await intake.client.post(
        "/v1/grievances/import", content=json.dumps(GRIEVANCE) + "\n",
        headers={**intake.token(), "Content-Type": "application/x-ndjson"},
    )  # fmt: skip
    assert imported.json()["rows"][0]["grievance_id"] == grievance_id
    # Another member's reference is its own: the same words file a grievance of theirs.
    other = await intake.client.post("/v1/grievances", json={**GRIEVANCE, "site_id": None},
                                     headers=intake.token(org="globex-garments"))  # fmt: skip
    assert other.status_code == 201, other.text
    assert await grievances(intake) == 2


async def test_a_filing_keyed_before_bodies_were_compared_as_validated_still_replays(intake):
    """The filing routes hashed their model's every field before ADR 47: a retry of the same
    body across the deploy gets its first answer, and another body is still refused."""
    headers = {**intake.token(), "Idempotency-Key": "k-before"}
    first = await intake.client.post("/v1/grievances", json=GRIEVANCE, headers=headers)
    assert first.status_code == 201, first.text
    every_field = MemberGrievance.model_validate(GRIEVANCE).model_dump_json().encode()
    before = fingerprinted_as_before(intake.app, "/v1/grievances", every_field)
    async with intake.system.pool.acquire() as conn:
        changed = await conn.execute(
            "UPDATE intake.idempotency SET body_hash = $2 WHERE key = $1", "k-before", before
        )
    assert changed == "UPDATE 1"
    retried = await intake.client.post("/v1/grievances", json=GRIEVANCE, headers=headers)
    assert (retried.status_code, retried.json()) == (201, first.json())
    changed_body = {**GRIEVANCE, "narrative": "Something else entirely."}
    reused = await intake.client.post("/v1/grievances", json=changed_body, headers=headers)
    assert reused.status_code == 422 and await grievances(intake) == 1


async def test_bad_inputs_get_problem_json_and_change_nothing(intake):
    before = await intake.events()
    cases = [
        ({**GRIEVANCE, "category": "not-a-category"}, intake.token(), 422),
        ({**GRIEVANCE, "country": 7}, intake.token(), 422),
        ({**GRIEVANCE, "narrative": "x" * 5001}, intake.token(), 422),
        ({**GRIEVANCE, "site_id": "unknown-site"}, intake.token(), 422),
        ({**GRIEVANCE, "surprise": 1}, intake.token(), 422),
        # A contact nobody could use to reach the worker, as the web form refuses it.
        ({**GRIEVANCE, "contact": {"phone_or_email": "call me"}}, intake.token(), 422),
        ({**GRIEVANCE, "contact": {"phone_or_email": "12 34"}}, intake.token(), 422),
        (GRIEVANCE, intake.token(ttl=-120), 401),  # expired beyond the clock leeway
        (GRIEVANCE, intake.token(tenant="elsewhere"), 404),
        (GRIEVANCE, intake.token(roles=("officer",)), 403),
        (GRIEVANCE, {}, 401),
    ]
    for body, headers, status in cases:
        answer = await intake.client.post("/v1/grievances", json=body, headers=headers)
        assert answer.status_code == status, (body, answer.text)
        assert answer.headers["content-type"] == "application/problem+json"
        if "contact" in body and body["contact"] != GRIEVANCE["contact"]:
            assert "phone number (7 to 15 digits) or an e-mail address" in answer.text
    huge = await intake.client.post(
        "/v1/grievances",
        content=b"{" + b" " * 1_100_000 + b"}",
        headers={**intake.token(), "Content-Type": "application/json"},
    )
    assert huge.status_code == 413
    assert await intake.events() == before


async def test_operator_files_for_a_worker_and_reads_out_the_receipt(intake):
    body = {k: v for k, v in GRIEVANCE.items() if k != "member_reference"} | {"channel": "hotline"}
    answer = await intake.client.post(
        "/v1/operator/grievances", json=body, headers=intake.token(roles=("operator",))
    )
    assert answer.status_code == 201, answer.text
    assert len(answer.json()["secret"]) == 16
    events = await intake.system.store.read_stream(answer.json()["stream"])
    assert events[0].data.channel == "hotline" and events[0].actor.role == "operator"


async def test_bulk_import_reports_each_row(intake):
    rows = [
        GRIEVANCE,
        {**GRIEVANCE, "member_reference": "HOTLINE-0043", "category": "bogus"},
        GRIEVANCE,  # the same member_reference again
        {**GRIEVANCE, "member_reference": "HOTLINE-0044", "site_id": None, "country": "VN"},
    ]
    jsonl = "\n".join(json.dumps(r) for r in rows) + "\nnot json\n"
    answer = await intake.client.post(
        "/v1/grievances/import",
        content=jsonl,
        headers={**intake.token(), "Content-Type": "application/x-ndjson"},
    )
    assert answer.status_code == 200, answer.text
    report = answer.json()
    assert (report["accepted"], report["refused"]) == (2, 3)
    by_row = {r["row"]: r for r in report["rows"]}
    assert by_row[1]["accepted"] and by_row[4]["accepted"]
    assert "category" in by_row[2]["errors"][0]
    # The row repeating row 1's reference names the grievance row 1 filed.
    assert by_row[3]["grievance_id"] == by_row[1]["grievance_id"] is not None
    assert by_row[3]["errors"] == [
        f"already imported (member_reference): grievance {by_row[1]['grievance_id']}"
    ]
    assert "not JSON" in by_row[5]["errors"][0]
    csv = (
        "country,category,narrative,member_reference,contact_phone_or_email,consent_contact_me\n"
        "KH,wages_and_benefits,Wages late again,CSV-1,+85512000000,yes\n"
        "KH,,Missing category,CSV-2,,\n"
    )
    answer = await intake.client.post(
        "/v1/grievances/import",
        content=csv,
        headers={**intake.token(), "Content-Type": "text/csv"},
    )
    assert (answer.json()["accepted"], answer.json()["refused"]) == (1, 1)
    assert await grievances(intake) == 3


async def test_sms_texts_from_one_number_thread_into_one_grievance(intake):
    url = f"http://test/v1/sms/{TENANT}/inbound"

    async def text(body: str, sign: bool = True, sid: str = "SM1"):
        params = {"From": "+66811112222", "To": "+6620000000", "Body": body, "MessageSid": sid}
        sig = signature("dev-sms-token", url, params) if sign else "bogus"
        return await intake.client.post(url, data=params, headers={"X-Twilio-Signature": sig})

    first = await text("My passport was taken by the agent.")
    assert first.status_code == 200 and "Reference: R-" in first.text
    # The provider repeats a text whose answer it did not get: the same answer, nothing new.
    filed = await intake.events()
    again = await text("My passport was taken by the agent.")
    assert (again.status_code, again.text) == (200, first.text)
    assert await intake.events() == filed
    second = await text("They also keep my wages.", sid="SM2")
    assert second.status_code == 200 and "Your message was sent." in second.text
    assert (await text("They also keep my wages.", sid="SM2")).text == second.text
    before = await intake.events()
    forged = await text("Injected", sign=False, sid="SM3")
    assert forged.status_code == 403
    assert await intake.events() == before
    async with intake.system.pool.acquire() as conn:
        types = [r["type"] for r in await conn.fetch(
            "SELECT type FROM eventlog.events WHERE stream LIKE 'grievance-%' ORDER BY position"
        )]  # fmt: skip
    assert types == ["GrievanceSubmitted", "WorkerMessagePosted"]


async def test_a_text_from_a_sender_that_is_no_number_is_filed_without_a_contact(intake):
    """A short code or a sender's name cannot be texted back, and is no contact: the report
    is filed all the same (a text is never lost), its receipt in the answer."""
    url = f"http://test/v1/sms/{TENANT}/inbound"
    params = {"From": "24365", "To": "+6620000000", "Body": "The agent keeps our passports.",
              "MessageSid": "SM-short"}  # fmt: skip
    sig = signature("dev-sms-token", url, params)
    answer = await intake.client.post(url, data=params, headers={"X-Twilio-Signature": sig})
    assert answer.status_code == 200 and "Reference: R-" in answer.text
    assert await grievances(intake) == 1


@pytest.mark.parametrize(("said", "lang"), [("ပတ်စပို့ကို အေးဂျင့်က ယူထားတယ်။", "my"),
                                           ("এজেন্ট আমার পাসপোর্ট রেখে দিয়েছে।", "bn"),
                                           ("The agent took my passport.", "en")])  # fmt: skip
async def test_a_text_is_answered_in_the_language_of_its_script(intake, said, lang):
    url = f"http://test/v1/sms/{TENANT}/inbound"
    phone = f"+6681111{len(lang)}{ord(lang[0])}"

    async def text(body: str, sid: str):
        params = {"From": phone, "To": "+6620000000", "Body": body, "MessageSid": sid}
        sig = signature("dev-sms-token", url, params)
        return await intake.client.post(url, data=params, headers={"X-Twilio-Signature": sig})

    first = await text(said, f"SM-{lang}-1")
    assert first.status_code == 200
    heading, reference, secret = (tr(intake, lang, m) for m in SMS_FILED)
    assert re.search(rf"{heading}\. {reference}: R-\w+\. {secret}: \d{{4}} \d{{4}}", first.text)
    async with intake.system.pool.acquire() as conn:
        filed_in = await conn.fetchval(
            "SELECT data->>'language' FROM eventlog.events WHERE type = 'GrievanceSubmitted' "
            "ORDER BY position DESC LIMIT 1"
        )
    assert filed_in == lang  # later texts, and the officer, know it
    # A text in Latin letters ("ok") says nothing of a language: the report's is kept.
    second = await text("ok", f"SM-{lang}-2")
    assert tr(intake, lang, SMS_JOINED) in second.text


async def test_admin_sets_sites_and_time_frames(intake):
    admin = intake.token(roles=("admin",))
    site = {"site_id": "hcm-3", "name": "Saigon Shoes", "country": "VN"}
    assert (await intake.client.put("/v1/sites/hcm-3", json=site, headers=admin)).status_code == 200
    frames = {"acknowledge_days": 5, "feedback_days": 60, "plan_days": 30}
    answer = await intake.client.put("/v1/time-frames", json=frames, headers=admin)
    assert answer.status_code == 200, answer.text
    events = await intake.system.store.read_stream(answer.json()["stream"])
    assert events[-1].type == "TimeFramesSet" and events[-1].data.plan_days == 30
    refused = await intake.client.put("/v1/time-frames", json=frames, headers=intake.token())
    assert refused.status_code == 403
    for wrong in ({"plan_days": 0}, {"feedback_days": True}, {"acknowledge_days": "7"}):
        bad = await intake.client.put("/v1/time-frames", json=wrong, headers=admin)
        assert bad.status_code == 422, wrong


async def test_consent_is_given_with_true_not_with_1_or_yes(intake):
    before = await grievances(intake)
    for answer in (1, 0, "yes", "true", None):
        body = {**GRIEVANCE, "member_reference": None, "consent": {"contact_me": answer}}
        refused = await intake.client.post("/v1/grievances", json=body, headers=intake.token())
        assert refused.status_code == 422, (answer, refused.text)
    assert await grievances(intake) == before


async def test_a_worker_who_texts_is_texted_back_until_they_send_stop(intake):
    phone = "+66811119999"
    first = await sms(intake, phone, "My wages are withheld.", "SM-c1")
    assert "Reference: R-" in first
    stopped = await sms(intake, phone, " stop ", "SM-c2")
    assert f"<Message>{tr(intake, 'en', CONTACT_STOPPED)}</Message>" in stopped
    started = await sms(intake, phone, "START", "SM-c3")
    assert f"<Message>{tr(intake, 'en', CONTACT_ALLOWED)}</Message>" in started
    async with intake.system.pool.acquire() as conn:
        rows = await conn.fetch(
            "SELECT type, data FROM eventlog.events WHERE stream LIKE 'grievance-%' "
            "ORDER BY position"
        )
    assert [r["type"] for r in rows] == ["GrievanceSubmitted", *["ContactConsentChanged"] * 2]
    consents = [json.loads(r["data"]) for r in rows]
    assert consents[0]["consent"]["contact_me"] is True  # who texts is answered by text
    assert [c["contact_me"] for c in consents[1:]] == [False, True]
    # STOP from a number without a report files nothing.
    before = await intake.events()
    assert await sms(intake, "+66811110000", "STOP", "SM-c4") == stopped
    assert await intake.events() == before


async def test_stop_from_the_number_a_report_gave_stops_contact_about_it(intake):
    """A report filed on the web or by a member, with a number to text, is texted there: STOP
    from that number stops it (it said "Saved" and changed nothing), START allows it again."""
    phone = GRIEVANCE["contact"]["phone_or_email"]
    filed = []
    for reference in ("HOTLINE-0042", "HOTLINE-0043"):
        body = {**GRIEVANCE, "member_reference": reference}
        answer = await intake.client.post("/v1/grievances", json=body, headers=intake.token())
        assert answer.status_code == 201, answer.text
        filed.append(answer.json()["grievance_id"])

    async def consents() -> list[tuple[str, bool]]:
        async with intake.system.pool.acquire() as conn:
            rows = await conn.fetch(
                "SELECT stream, data FROM eventlog.events WHERE type = 'ContactConsentChanged' "
                "ORDER BY position"
            )
        return [(r["stream"], json.loads(r["data"])["contact_me"]) for r in rows]

    stopped = await sms(intake, phone, "STOP", "SM-s1")
    assert f"<Message>{tr(intake, 'bn', CONTACT_STOPPED)}</Message>" in stopped  # the report's
    assert await consents() == [(f"grievance-{g}", False) for g in filed]
    assert await sms(intake, phone, "STOP", "SM-s2") == stopped  # nothing more to stop
    assert len(await consents()) == 2
    await sms(intake, phone, "START", "SM-s3")
    assert (await consents())[2:] == [(f"grievance-{g}", True) for g in filed]
