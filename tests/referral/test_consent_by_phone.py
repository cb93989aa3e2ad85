"""A worker asked for their consent on the phone, through the served apps: an operator reads
the worker's receipt back, reads them the request in their language (who, why, what every
partner learns, what else they may share), and records the answer, which referral records
as consent the worker gave on the phone.

| principal                  | POST /v1/by-receipt/consent |
| -------------------------- | --------------------------- |
| operator of the tenant     | 201                         |
| operator of another tenant | 404 (no such receipt there) |
| officer, partner           | 403                         |
"""

from __future__ import annotations

from pathlib import Path

import pytest

import redress.intake
from redress.events.application import execute
from redress.events.catalogue.grievance_answers import ConsentAnswer
from redress.events.catalogue.texts import TextKind
from redress.intake.consent_answers import answering
from redress.intake.domain import GRIEVANCE as GRIEVANCE_DOMAIN
from redress.intake.domain import GrievanceRefused
from redress.intake.filing import grievance_stream
from redress.intake.sms_texts import render
from redress.intake.texts import (
    AGREED_TITLE,
    ALWAYS_LEARNED,
    ALWAYS_LEARNED_TITLE,
    BEFORE_WITHDRAWING,
    CONSENT_DECLINED,
    CONSENT_QUESTION,
    CONTACT_WITH_NAME,
    HELP_WITH,
    MAY_WITHDRAW,
    ONLY_TICKED,
    REFERRAL_STATES,
    SHARED_FIELDS,
    STILL_HELPING,
)
from redress.intake.web_common import worker_metadata
from redress.kit.i18n import Catalogues
from tests.events.helpers import wait_until
from tests.intake.conftest import TENANT
from tests.referral.conftest import GRIEVANCE
from tests.referral.test_flow import chosen, disclosures

CATALOGUES = Catalogues(Path(redress.intake.__file__).parent / "locales")
PROBLEM = "application/problem+json"


def bn(message: str) -> str:
    return str(CATALOGUES.get("bn").gettext(message))


async def asked(platform, grievance=None) -> tuple[str, dict, dict]:
    """A referral with the shelter chosen for the worker: its id, the worker's receipt, and
    an operator's token."""
    await platform.register_partners()
    referral_id = await platform.file_and_escalate(grievance=grievance)
    await chosen(platform, referral_id)
    receipt = {"reference": platform.filed["reference"], "secret": platform.filed["secret"]}
    operator = platform.token(("operator",), sub="operator-7")

    async def shown() -> bool:
        return bool((await read(platform, receipt, operator)).get("referrals"))

    await wait_until(shown)
    return referral_id, receipt, operator


async def read(platform, receipt: dict, operator: dict) -> dict:
    answer = await platform.intake.post("/v1/by-receipt/read", json=receipt, headers=operator)
    assert answer.status_code == 200, answer.text
    return answer.json()


async def answer_by_phone(platform, receipt, operator, referral_id, answer, fields=(), **more):
    body = receipt | {"referral_id": referral_id, "partner_id": "safe-home",
                      "answer": answer, "fields": list(fields)}  # fmt: skip
    return await platform.intake.post("/v1/by-receipt/consent", json=body | more, headers=operator)


async def _last_is(platform, referral_id: str, kind: str) -> bool:
    return (await platform.log_types(referral_id))[-1] == kind


async def test_an_operator_reads_the_request_out_and_records_the_workers_answer(platform):
    referral_id, receipt, operator = await asked(platform)
    (request,) = (await read(platform, receipt, operator))["referrals"]
    # What the status page shows, in the worker's language (Bengali), for the operator to
    # read out: who, why, what every partner learns, and each field the partner asked for
    # that the report holds (the contact details hold the worker's name: the box says so).
    assert (request["referral_id"], request["partner_id"]) == (referral_id, "safe-home")
    assert request["partner"] == "Safe Home Dhaka" and request["kind"] == "আশ্রয়কেন্দ্র"
    assert request["services"] == ["থাকার জন্য নিরাপদ জায়গা"]
    assert request["always_learned"] == bn(ALWAYS_LEARNED) != ALWAYS_LEARNED
    assert request["question"] == bn(CONSENT_QUESTION)
    assert request["offered"] == [
        {"field": "narrative", "said": bn(SHARED_FIELDS["narrative"])},
        {"field": "contact", "said": bn(CONTACT_WITH_NAME)},
    ]
    assert (request["consent"], request["answers"]) == ("asked", ["given", "declined"])
    assert (await read(platform, receipt, operator))["before_withdrawing"] == bn(BEFORE_WITHDRAWING)
    # And in the order the page says it, sentence by sentence, for the operator to read out.
    assert request["read_out"] == [
        "Safe Home Dhaka (আশ্রয়কেন্দ্র)",
        f"{bn(HELP_WITH)} থাকার জন্য নিরাপদ জায়গা",
        f"{bn(ALWAYS_LEARNED_TITLE)}: {bn(ALWAYS_LEARNED)}",
        bn(CONSENT_QUESTION),
        f"{bn(ONLY_TICKED)} {bn(SHARED_FIELDS['narrative'])}; {bn(CONTACT_WITH_NAME)}",
    ]
    # An operator who does not speak Bengali hears it in English; the worker's own words
    # would stay as they wrote them.
    english = await platform.intake.post(
        "/v1/by-receipt/read", json=receipt | {"said_in": "en"}, headers=operator
    )
    assert english.status_code == 200, english.text
    assert (english.json()["language"], english.json()["said_in"]) == ("bn", "en")
    assert english.json()["referrals"][0]["question"] == CONSENT_QUESTION
    unknown = await platform.intake.post(
        "/v1/by-receipt/read", json=receipt | {"said_in": "xx"}, headers=operator
    )
    assert unknown.status_code == 422 and unknown.headers["content-type"] == PROBLEM

    # The worker agrees to their contact details, not to what they wrote. The operator's
    # connection drops and the answer is sent again with its key: recorded once.
    key = {"Idempotency-Key": "consent-call-1"}
    agreed = await answer_by_phone(platform, receipt, operator | key, referral_id, "given",
                                   ["contact"])  # fmt: skip
    assert agreed.status_code == 201, agreed.text
    # The answer says what was recorded, for the operator to read it back.
    assert (agreed.json()["answer"], agreed.json()["agreed"]) == ("given", ["contact"])
    again = await answer_by_phone(platform, receipt, operator | key, referral_id, "given",
                                  ["contact"])  # fmt: skip
    assert (again.status_code, again.json()) == (201, agreed.json())
    other = await answer_by_phone(platform, receipt, operator | key, referral_id, "declined")
    assert other.status_code == 422 and other.json()["type"].endswith("idempotency-key-reused")
    await wait_until(lambda: _last_is(platform, referral_id, "ReferralSent"))
    grievance = grievance_stream(platform.filed["grievance_id"])
    assert (await platform.log_types(grievance)).count("ReferralConsentAnswered") == 1
    given, sent = (await platform.system.store.read_stream(referral_id))[-2:]
    assert (given.type, given.data.given_by, given.data.channel, given.data.fields) == (
        "ConsentGiven", "worker", "phone", ("contact",),
    )  # fmt: skip
    # The operator who heard it wrote it down: the record names them.
    assert (given.actor.id, given.actor.role) == ("operator-7", "operator")
    assert (sent.data.basis, sent.data.fields) == ("consent", ("contact",))
    await platform.caught_up(referral_id)
    personal = await platform.referral.get(
        f"/v1/partner/referrals/{referral_id}/personal", headers=platform.partner()
    )
    assert personal.status_code == 200 and list(personal.json()["fields"]) == ["contact"]

    async def agreed_shown() -> bool:
        (now,) = (await read(platform, receipt, operator))["referrals"]
        return now["consent"] == "given"

    await wait_until(agreed_shown)
    (now,) = (await read(platform, receipt, operator))["referrals"]
    assert now["agreed"] == [{"field": "contact", "said": bn(CONTACT_WITH_NAME)}]
    # Withdrawing the report would not end the shelter's help: what is read out says so.
    said = (await read(platform, receipt, operator))["before_withdrawing"]
    assert said == f"{bn(BEFORE_WITHDRAWING)} {bn(STILL_HELPING)}"
    assert now["answers"] == ["revoked"]
    assert now["question"] is None and now["state"] == bn(REFERRAL_STATES["sent"])
    assert now["read_out"][-3:] == [
        f"{bn(AGREED_TITLE)}: {bn(CONTACT_WITH_NAME)}",
        bn(REFERRAL_STATES["sent"]),
        bn(MAY_WITHDRAW),
    ]

    # Later, on another call, the worker withdraws: the partner's next read is refused.
    revoked = await answer_by_phone(platform, receipt, operator, referral_id, "revoked")
    assert revoked.status_code == 201, revoked.text
    assert (revoked.json()["answer"], revoked.json()["agreed"]) == ("revoked", [])
    await wait_until(lambda: _last_is(platform, referral_id, "ConsentRevoked"))
    (withdrawn,) = (await platform.system.store.read_stream(referral_id))[-1:]
    assert withdrawn.data.channel == "phone"
    refused = await platform.referral.get(
        f"/v1/partner/referrals/{referral_id}/personal", headers=platform.partner()
    )
    assert refused.status_code == 410, refused.text
    assert len(await disclosures(platform, referral_id)) == 1  # the read before only


async def test_a_wrong_answer_by_phone_is_refused_and_records_nothing(platform):
    # A report filed without contact details: the shelter asked for them, but there are none
    # to share, so they are neither offered nor agreed to.
    anonymous = {k: v for k, v in GRIEVANCE.items() if k != "contact"}
    referral_id, receipt, operator = await asked(platform, grievance=anonymous)
    (request,) = (await read(platform, receipt, operator))["referrals"]
    assert [o["field"] for o in request["offered"]] == ["narrative"]
    grievance = grievance_stream(platform.filed["grievance_id"])
    before = await platform.system.store.stream_version(grievance)

    refusals = [
        (operator, {"referral_id": "referral-nosuch"}, 404, "not-found"),
        (operator, {"partner_id": "nrm-bd"}, 404, "not-found"),  # never asked
        (operator, {"fields": ["passport"]}, 422, "validation"),
        (operator, {"answer": "revoked"}, 409, "nothing-to-revoke"),
        (operator, {"secret": "0000000000000000"}, 404, "wrong-receipt"),
        (platform.token(("operator",), tenant="other", sub="op-x"), {}, 404, None),
        (platform.token(("officer",)), {}, 403, None),
        (platform.partner(), {}, 403, None),
    ]
    for headers, change, status, kind in refusals:
        body = receipt | {"referral_id": referral_id, "partner_id": "safe-home",
                          "answer": "given", "fields": []} | change  # fmt: skip
        answer = await platform.intake.post("/v1/by-receipt/consent", json=body, headers=headers)
        assert answer.status_code == status, (change, answer.text)
        assert answer.headers["content-type"] == PROBLEM
        if kind:
            assert answer.json()["type"].endswith(kind), answer.json()
    assert await platform.system.store.stream_version(grievance) == before
    # Nor can an operator answer for the worker without their receipt, on referral's own
    # route (officers record there what a worker told them): nothing about the worker's
    # consent is learnt or changed that way.
    logged = await platform.log_types(referral_id)
    direct = await platform.referral.post(
        f"/v1/referrals/{referral_id}/partners/safe-home/consent", headers=operator,
        json={"answer": "given", "fields": [], "channel": "phone",
              "given_at": "2026-03-02T09:15:00+06:00"},
    )  # fmt: skip
    assert direct.status_code == 403 and await platform.log_types(referral_id) == logged

    # A no shares nothing, whatever the operator ticked; the worker may still agree later.
    declined = await answer_by_phone(
        platform, receipt, operator, referral_id, "declined", ["narrative"]
    )
    assert declined.status_code == 201, declined.text
    (answered,) = (await platform.system.store.read_stream(grievance))[-1:]
    assert (answered.data.answer, answered.data.fields) == ("declined", ())
    await wait_until(lambda: _last_is(platform, referral_id, "ConsentDeclined"))
    no = (await platform.system.store.read_stream(referral_id))[-1]
    assert (no.data.given_by, no.data.channel) == ("worker", "phone")

    async def said_no() -> bool:
        (now,) = (await read(platform, receipt, operator))["referrals"]
        return now["consent"] == "declined"

    await wait_until(said_no)
    said = (await read(platform, receipt, operator))["referrals"][0]["read_out"]
    # What the page says of a no, then the question again: agreeing later is still offered.
    assert said[-3:] == [bn(CONSENT_DECLINED), bn(CONSENT_QUESTION),
                         f"{bn(ONLY_TICKED)} {bn(SHARED_FIELDS['narrative'])}"]  # fmt: skip

    # A yes naming what the report does not hold agrees only to what it holds.
    agreed = await answer_by_phone(
        platform, receipt, operator, referral_id, "given", ["narrative", "contact"]
    )
    assert agreed.status_code == 201, agreed.text
    await wait_until(lambda: _last_is(platform, referral_id, "ReferralSent"))
    given = (await platform.system.store.read_stream(referral_id))[-2]
    assert (given.data.channel, given.data.fields) == ("phone", ("narrative",))
    again = await answer_by_phone(platform, receipt, operator, referral_id, "given")
    assert again.status_code == 409 and again.json()["type"].endswith("consent-answered")
    assert "withdraw their agreement" in again.json()["detail"]


async def test_a_worker_who_allows_contact_is_texted_that_a_question_waits(platform):
    """A worker with a basic phone learns of the request only if told: a text, in their
    language, that says a question waits and nothing of what or whom it is about."""
    allows = {**GRIEVANCE, "consent": {**GRIEVANCE["consent"], "contact_me": True}}
    _, receipt, _ = await asked(platform, grievance=allows)
    gid = platform.filed["grievance_id"]

    async def queued() -> list:
        return await platform.system.pool.fetch(
            "SELECT kind, params FROM intake.texts WHERE grievance_id = $1 AND kind = $2",
            gid, TextKind.question.value,
        )  # fmt: skip

    await wait_until(lambda: _nonempty(queued()))
    (row,) = await queued()
    said = render(TextKind.question, {"reference": receipt["reference"]},
                  CATALOGUES.get("bn").gettext)  # fmt: skip
    assert receipt["reference"] in said and "আপনার অভিযোগ" in said
    # Whoever else reads the worker's phone learns nothing of a referral, nor of whom.
    for word in ("Safe Home", "আশ্রয়", "shelter", "referral"):
        assert word not in said and word not in str(row["params"])

    # A worker who did not allow contact is not texted.
    await asked(platform)
    silent = await platform.system.pool.fetch(
        "SELECT 1 FROM intake.texts WHERE grievance_id = $1 AND kind = $2",
        platform.filed["grievance_id"], TextKind.question.value,
    )  # fmt: skip
    assert silent == []


async def _nonempty(rows) -> bool:
    return bool(await rows)


async def test_the_worker_on_their_page_and_an_operator_on_the_phone_answering_at_once_record_one(
    platform,
):
    # Both answers are checked against intake's record of the request while neither is in
    # it: the worker agrees on their page as the operator records, on the phone, that they do
    # not. The one recorded first stands; the other is refused, and its page says the report
    # changed meanwhile.
    referral_id, receipt, operator = await asked(platform)
    intake = platform.intake_app.state.runtime.extras["intake"]
    gid = platform.filed["grievance_id"]
    async with platform.system.pool.acquire() as conn:
        on_the_page = await answering(conn, intake.keyring, TENANT, gid, referral_id,
                                      "safe-home", ConsentAnswer.given, ["contact"])  # fmt: skip
    declined = await answer_by_phone(platform, receipt, operator, referral_id, "declined")
    assert declined.status_code == 201, declined.text
    stream = grievance_stream(gid)
    with pytest.raises(GrievanceRefused) as caught:
        await execute(platform.system.store, stream, GRIEVANCE_DOMAIN.deciding(stream, on_the_page),
                      worker_metadata(TENANT))  # fmt: skip
    assert caught.value.kind == "consent-answered" and caught.value.status == 409
    answered = [e.data for e in await platform.system.store.read_stream(stream)
                if e.type == "ReferralConsentAnswered"]  # fmt: skip
    assert [(a.answer, a.channel) for a in answered] == [("declined", "hotline")]

    # Once intake's record holds the refusal, the worker may still agree: checked against it,
    # their answer is recorded, and referral sends the referral on.
    async def declined_shown() -> bool:
        (now,) = (await read(platform, receipt, operator))["referrals"]
        return now["consent"] == "declined"

    await wait_until(declined_shown)
    agreed = await answer_by_phone(platform, receipt, operator, referral_id, "given", ["contact"])
    assert agreed.status_code == 201, agreed.text
    await wait_until(lambda: _last_is(platform, referral_id, "ReferralSent"))
