"""Operators on the phone with a worker (issue 13, item 4), over HTTP only.

An operator reads a grievance by its receipt, in the worker's language (Bengali, Arabic),
and records a reply, a satisfaction score or a withdrawal for the worker. Wrong receipts are
throttled per operator, never per reference. A lost receipt is re-issued by text to the
number the worker gave and allowed contact on, never to anyone else.

| principal                  | /v1/by-receipt/*             | /v1/receipts/reissue       |
| -------------------------- | ---------------------------- | -------------------------- |
| operator of the tenant     | 200 / 201                    | 202                        |
| operator of another tenant | 404 (no such receipt there)  | 202, nothing sent          |
| officer, supervisor, admin, member, auditor, partner | 403 | 403                      |
| no token                   | 401                          | 401                        |
"""

from __future__ import annotations

import re
from types import SimpleNamespace

import pytest

from redress.intake.sms_texts import SMS_RECEIPT
from redress.intake.texts import SCALE, STATUS
from tests.cases.test_texts import file
from tests.cases.test_worker_loop import CATALOGUES, LANGS, NARRATIVES, PHONE, Worker
from tests.events.helpers import wait_until
from tests.intake.conftest import TENANT, intake_settings, register_tenant, serving
from tests.intake.sms_provider import ACCOUNT, digest, fake_provider, to

PROBLEM = "application/problem+json"
QUIET = "+8801755555555"
ROUTES = {
    "/v1/by-receipt/read": {},
    "/v1/by-receipt/reply": {"text": "I was moved to the night shift."},
    "/v1/by-receipt/satisfaction": {"score": 4},
    "/v1/by-receipt/withdrawal": {},
    "/v1/by-receipt/erasure": {},  # last: nothing is done with the report after it
}


def said(lang: str, message: str) -> str:
    return str(CATALOGUES.get(lang).gettext(message))


def as_(intake, sub: str, roles=("operator",), tenant: str = TENANT, org=None) -> dict:
    return {"Authorization": f"Bearer {intake.signer.issue(sub, tenant, list(roles), org)}"}


async def filed(intake, lang: str = "bn", contact_me: bool = True) -> tuple[str, str]:
    worker = Worker(intake.client)
    reference, secret = await worker.file(lang, contact_me=contact_me)

    async def projected() -> bool:
        receipt = {"reference": reference, "secret": secret}
        answer = await intake.client.post(
            "/v1/by-receipt/read", headers=as_(intake, "op-wait"), json=receipt
        )
        return answer.status_code == 200

    await wait_until(projected)
    return reference, secret


@pytest.mark.parametrize("lang", LANGS)
async def test_an_operator_reads_and_acts_for_the_worker_in_their_language(intake, lang):
    reference, secret = await filed(intake, lang)
    receipt = {"reference": reference, "secret": secret}
    op = as_(intake, "operator-1")
    read = await intake.client.post("/v1/by-receipt/read", json=receipt, headers=op)
    assert read.status_code == 200, read.text
    body = read.json()
    assert (body["language"], body["status"]) == (lang, said(lang, STATUS["received"]))
    assert [m["text"] for m in body["messages"]] == []

    replied = await intake.client.post(
        "/v1/by-receipt/reply", json=receipt | {"text": NARRATIVES[lang]}, headers=op
    )
    assert replied.status_code == 201, replied.text
    scored = await intake.client.post(
        "/v1/by-receipt/satisfaction", json=receipt | {"score": 2}, headers=op
    )
    assert scored.status_code == 201, scored.text

    async def shows() -> bool:
        now = (await intake.client.post("/v1/by-receipt/read", json=receipt, headers=op)).json()
        return now["satisfaction"] == said(lang, SCALE[2]) and bool(now["messages"])

    await wait_until(shows)
    now = (await intake.client.post("/v1/by-receipt/read", json=receipt, headers=op)).json()
    assert [(m["author"], m["text"]) for m in now["messages"]] == [("worker", NARRATIVES[lang])]

    withdrawn = await intake.client.post("/v1/by-receipt/withdrawal", json=receipt, headers=op)
    assert withdrawn.status_code == 201, withdrawn.text

    async def ended() -> bool:
        now = (await intake.client.post("/v1/by-receipt/read", json=receipt, headers=op)).json()
        return now["status"] == said(lang, STATUS["withdrawn"])

    await wait_until(ended)
    again = await intake.client.post("/v1/by-receipt/withdrawal", json=receipt, headers=op)
    assert again.status_code == 409 and again.headers["content-type"] == PROBLEM


async def test_wrong_receipts_are_throttled_per_operator_not_per_reference(intake):
    reference, secret = await filed(intake)
    wrong = {"reference": reference, "secret": "0000000000000000"}
    guesser = as_(intake, "operator-guessing")
    for _ in range(10):
        answer = await intake.client.post("/v1/by-receipt/read", json=wrong, headers=guesser)
        assert answer.status_code == 404 and answer.headers["content-type"] == PROBLEM
    held = await intake.client.post("/v1/by-receipt/read", json=wrong, headers=guesser)
    assert held.status_code == 429 and int(held.headers["retry-after"]) > 0
    right = {"reference": reference, "secret": secret}
    still = await intake.client.post("/v1/by-receipt/read", json=right, headers=guesser)
    assert still.status_code == 429  # the operator waits, even with the right receipt
    # Another operator, and the worker on the web, open the same reference at once.
    other = await intake.client.post("/v1/by-receipt/read", json=right,
                                     headers=as_(intake, "operator-2"))  # fmt: skip
    assert other.status_code == 200
    assert reference in await Worker(intake.client).open(reference, secret)


@pytest.mark.parametrize(
    ("path", "body"),
    [
        ("/v1/by-receipt/reply", {"text": ""}),
        ("/v1/by-receipt/reply", {"text": "x" * 5001}),
        ("/v1/by-receipt/satisfaction", {"score": 6}),
        ("/v1/by-receipt/satisfaction", {"score": "four"}),
        ("/v1/by-receipt/withdrawal", {"also": "this"}),
        ("/v1/by-receipt/read", {"secret": None}),
        ("/v1/receipts/reissue", {"phone": "call me"}),
        ("/v1/receipts/reissue", {"phone": "+880 17"}),
    ],
)
async def test_bad_input_answers_problem_json_and_writes_nothing(intake, path, body):
    reference, secret = await filed(intake)
    before = await intake.events()
    receipt = {"reference": reference, "secret": secret}
    sent = (receipt | body) if path.startswith("/v1/by-receipt") else body
    answer = await intake.client.post(path, json=sent, headers=as_(intake, "operator-1"))
    assert answer.status_code == 422, answer.text
    assert answer.headers["content-type"] == PROBLEM
    assert await intake.events() == before
    async with intake.system.pool.acquire() as conn:
        assert await conn.fetchval("SELECT count(*) FROM intake.texts") == 0


PRINCIPALS = {
    "officer": ("officer",), "supervisor": ("supervisor",), "admin": ("admin",),
    "member": ("member",), "auditor": ("auditor",), "partner": ("partner",),
}  # fmt: skip


async def test_authorisation_matrix_of_the_operator_routes(intake):
    await register_tenant(intake.system, "globex")
    reference, secret = await filed(intake)
    receipt = {"reference": reference, "secret": secret}
    before = await intake.events()
    for path, extra in [*ROUTES.items(), ("/v1/receipts/reissue", {})]:
        body = {"phone": PHONE} if "reissue" in path else receipt | extra
        for name, roles in PRINCIPALS.items():
            org = "acme-apparel" if name in ("member", "partner") else None
            token = as_(intake, name, roles, org=org)
            answer = await intake.client.post(path, json=body, headers=token)
            assert answer.status_code == 403, (path, name, answer.text)
        anonymous = await intake.client.post(path, json=body)
        assert anonymous.status_code == 401, path
        elsewhere = as_(intake, "op-x", tenant="globex")
        foreign = await intake.client.post(path, json=body, headers=elsewhere)
        assert foreign.status_code in ((202,) if "reissue" in path else (404,)), (
            path,
            foreign.text,
        )
    assert await intake.events() == before
    async with intake.system.pool.acquire() as conn:
        assert await conn.fetchval("SELECT count(*) FROM intake.texts") == 0
    # The tenant's operator reaches every route.
    op = as_(intake, "operator-1")
    for path, extra in ROUTES.items():
        answer = await intake.client.post(path, json=receipt | extra, headers=op)
        assert answer.status_code in (200, 201), (path, answer.text)


async def test_a_lost_receipt_goes_by_text_to_the_worker_s_own_number_only(system, tmp_path):
    async with fake_provider() as (provider, url):
        settings = intake_settings(system, tmp_path).model_copy(
            update={"sms_provider_url": url, "sms_account": ACCOUNT}
        )
        async with serving(system, settings) as intake:
            reference, old_secret = await filed(intake, "ar", contact_me=True)
            op = as_(intake, "operator-1")
            answer = await intake.client.post("/v1/receipts/reissue", json={"phone": PHONE},
                                              headers=op)  # fmt: skip
            assert answer.status_code == 202, answer.text

            async def texted() -> bool:
                return any(reference in t.body for t in to(provider, PHONE))

            await wait_until(texted)
            (text,) = [t.body for t in to(provider, PHONE) if reference in t.body]
            new_secret = re.search(r"(\d{4} \d{4} \d{4} \d{4})", text).group(1)
            template = said("ar", SMS_RECEIPT) % {"reference": reference, "secret": new_secret}
            assert text == template
            # The old secret no longer opens the report; the new one does.
            worker = Worker(intake.client)
            csrf = await worker.csrf()
            refused = await intake.client.post(f"/t/{TENANT}/status/open", data={
                "csrf": csrf, "reference": reference, "secret": old_secret})  # fmt: skip
            assert refused.status_code == 401
            assert reference in await worker.open(reference, new_secret.replace(" ", ""))

            # Another number, or a worker who did not allow contact: the same answer, no text.
            await file(SimpleNamespace(intake=intake.client), "ar", QUIET, contact_me=False)
            for number in ("+8801799999999", QUIET):
                again = await intake.client.post("/v1/receipts/reissue", json={"phone": number},
                                                 headers=op)  # fmt: skip
                assert again.status_code == 202 and again.json() == answer.json()
            # Asked again at once for the worker's own number: throttled, nothing sent.
            flood = await intake.client.post("/v1/receipts/reissue", json={"phone": PHONE},
                                             headers=op)  # fmt: skip
            assert flood.status_code == 429 and flood.headers["content-type"] == PROBLEM
            await wait_until(lambda: _idle(intake))
            assert len(provider.taken) == 1
            assert all(digest(t.to) == digest(PHONE) for t in provider.taken)


async def _idle(intake) -> bool:
    async with intake.system.pool.acquire() as conn:
        return not await conn.fetchval(
            "SELECT count(*) FROM intake.texts WHERE state IN ('pending', 'sending')"
        )


async def test_a_worker_without_the_web_erases_their_data_through_the_hotline(intake):
    reference, secret = await filed(intake, "bn", contact_me=True)
    receipt = {"reference": reference, "secret": secret}
    op = as_(intake, "operator-1")
    erased = await intake.client.post("/v1/by-receipt/erasure", json=receipt, headers=op)
    assert erased.status_code == 201, erased.text
    events = await intake.system.store.read_stream(erased.json()["stream"])
    assert events[-1].type == "PersonalDataErased"
    assert events[-1].data.reason.value == "worker_request" and events[-1].actor.role == "operator"
    async with intake.system.pool.acquire() as conn:
        assert await conn.fetchval("SELECT count(*) FROM intake.contact_keys") == 0
        gone = await conn.fetchval("SELECT count(*) FROM keyring.data_keys WHERE key_id = $1",
                                   events[0].data.personal.key_id)  # fmt: skip
    assert gone == 0
    again = await intake.client.post("/v1/by-receipt/erasure", json=receipt, headers=op)
    assert again.status_code == 409 and again.json()["type"] == "urn:redress:problem:erased"


async def test_after_erasure_nothing_knows_the_number_and_no_receipt_goes(intake):
    worker = Worker(intake.client)
    reference, secret = await worker.file("bn", contact_me=True)
    async with intake.system.pool.acquire() as conn:
        assert await conn.fetchval("SELECT count(*) FROM intake.contact_keys") == 1
    await worker.open(reference, secret)
    erased = await worker.act("bn", do="erase", confirm="yes")
    assert erased.status_code == 303, erased.text
    async with intake.system.pool.acquire() as conn:
        assert await conn.fetchval("SELECT count(*) FROM intake.contact_keys") == 0
    answer = await intake.client.post("/v1/receipts/reissue", json={"phone": PHONE},
                                      headers=as_(intake, "operator-1"))  # fmt: skip
    assert answer.status_code == 202
    async with intake.system.pool.acquire() as conn:
        assert await conn.fetchval("SELECT count(*) FROM intake.texts") == 0
