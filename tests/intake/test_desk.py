"""The hotline desk through the served app, with the console's cookie and CSRF tokens: an
operator opens a worker's report by the receipt they read out, reads it back in Bengali,
records the worker's message, score and withdrawal (confirmed first) or erasure, and ends
the call. Wrong receipts are throttled per operator as the API's; the call's cookie names the
report and the operator, never the secret; officers and other tenants' operators open
nothing.
"""

from __future__ import annotations

import contextlib
import re
from collections.abc import AsyncIterator

import httpx

from redress.intake import sealed
from redress.intake.desk import CALL
from redress.intake.filing import grievance_stream
from redress.intake.texts import BEFORE_ERASING, SCALE, STATUS
from tests.cases.test_console import csrf_of, refusal
from tests.cases.test_worker_loop import NARRATIVES
from tests.intake.conftest import CLIENT_ADDRESS, register_tenant
from tests.intake.test_operators import filed, said

DESK = "/desk"


def browser(intake) -> httpx.AsyncClient:
    """A fresh cookie jar on the served intake app: one operator's browser."""
    transport = httpx.ASGITransport(app=intake.app, client=CLIENT_ADDRESS)
    return httpx.AsyncClient(transport=transport, base_url="http://test")


async def log_in(client: httpx.AsyncClient, token: str) -> httpx.Response:
    page = await client.get(f"{DESK}/login")
    assert page.status_code == 200, page.text
    return await client.post(f"{DESK}/login", data={"csrf": csrf_of(page.text), "token": token})


@contextlib.asynccontextmanager
async def operator(intake, sub: str = "operator-1", tenant: str = "acme",
                   roles=("operator",)) -> AsyncIterator[httpx.AsyncClient]:  # fmt: skip
    async with browser(intake) as client:
        answer = await log_in(client, intake.signer.issue(sub, tenant, list(roles)))
        assert (answer.status_code, answer.headers["location"]) == (303, DESK), answer.text
        yield client


async def send(client: httpx.AsyncClient, page: str, action: str, **data: str) -> httpx.Response:
    """Send a form of `page` with that page's own CSRF token."""
    shown = await client.get(page)
    assert shown.status_code == 200, shown.text
    return await client.post(action, data={"csrf": csrf_of(shown.text), **data})


async def open_receipt(client, reference: str, secret: str) -> httpx.Response:
    return await send(client, DESK, f"{DESK}/call", reference=reference, secret=secret)


async def recorded(client, action: str, page: str = f"{DESK}/call", **data: str) -> str:
    """A form that must be recorded: the call's page it redirects to, with its notice."""
    answer = await send(client, page, f"{DESK}/call/{action}", **data)
    assert answer.status_code == 303, (action, answer.text)
    assert answer.headers["location"].startswith(f"{DESK}/call?done="), answer.headers
    shown = await client.get(answer.headers["location"])
    assert shown.status_code == 200 and 'id="notice"' in shown.text, shown.text
    return shown.text


async def last_event(intake, grievance_id: str):
    return (await intake.system.store.read_stream(grievance_stream(grievance_id)))[-1]


def call_held(intake, client) -> dict | None:
    key = intake.app.state.runtime.extras["intake"].call_key
    return sealed.unseal(key, "operator-call", client.cookies.get(CALL))


async def test_an_operator_reads_the_report_back_and_records_what_the_worker_asks(intake):
    reference, secret = await filed(intake, "bn")
    async with operator(intake) as client:
        opened = await open_receipt(client, reference, secret)
        assert opened.status_code == 303, opened.text
        assert opened.headers["location"] == f"{DESK}/call?done=opened"
        cookie = opened.headers["set-cookie"]
        assert "path=/desk" in cookie.lower() and "httponly" in cookie.lower()
        assert "samesite=strict" in cookie.lower()
        # The call names the report and the operator; never the secret, nor the reference.
        held = call_held(intake, client)
        assert set(held) == {"g", "t", "sub"} and (held["t"], held["sub"]) == ("acme", "operator-1")
        for value in client.cookies.jar:
            assert secret not in (value.value or "") and reference not in (value.value or "")
        grievance_id = held["g"]

        shown = await client.get(f"{DESK}/call")
        assert "max-age=900" in shown.headers["set-cookie"].lower()  # 15 minutes from now
        page = shown.text
        assert f'lang="bn" dir="ltr" id="status">{said("bn", STATUS["received"])}<' in page
        assert "No messages yet." in page
        assert secret not in page

        # A message refused (nothing in it) comes back with its box marked; nothing written.
        before = await last_event(intake, grievance_id)
        empty = await send(client, f"{DESK}/call", f"{DESK}/call/reply", text="   ")
        assert empty.status_code == 422 and 'aria-invalid="true"' in empty.text, empty.text
        assert (await last_event(intake, grievance_id)).id == before.id

        page = await recorded(client, "reply", text=NARRATIVES["bn"])
        assert NARRATIVES["bn"] in page and "message was recorded" in page
        posted = await last_event(intake, grievance_id)
        assert (posted.type, posted.data.channel, posted.actor.role) == (
            "WorkerMessagePosted", "hotline", "operator",
        )  # fmt: skip

        page = await recorded(client, "satisfaction", score="2")
        assert f'id="satisfaction">{said("bn", SCALE[2])}<' in page

        # Withdrawing asks first; a form sent without the confirmation changes nothing.
        asked = await client.get(f"{DESK}/call/withdrawal")
        assert asked.status_code == 200 and "cannot be undone" in asked.text
        unconfirmed = await client.post(f"{DESK}/call/withdrawal",
                                        data={"csrf": csrf_of(asked.text)})  # fmt: skip
        assert unconfirmed.status_code == 422
        assert (await last_event(intake, grievance_id)).type == "WorkerSatisfactionGiven"
        page = await recorded(client, "withdrawal", f"{DESK}/call/withdrawal", confirm="yes")
        assert f'id="status">{said("bn", STATUS["withdrawn"])}<' in page
        assert (await last_event(intake, grievance_id)).type == "WithdrawalRequested"
        again = await send(client, f"{DESK}/call/withdrawal", f"{DESK}/call/withdrawal",
                           confirm="yes")  # fmt: skip
        assert again.status_code == 409 and 'role="alert"' in again.text

        ended = await send(client, f"{DESK}/call", f"{DESK}/call/end")
        assert (ended.status_code, ended.headers["location"]) == (303, f"{DESK}?done=ended")
        assert CALL not in client.cookies
        gone = await client.get(f"{DESK}/call")
        assert (gone.status_code, gone.headers["location"]) == (303, f"{DESK}?done=no-call")


async def test_signing_out_ends_the_call(intake):
    # The operator signs out mid-call; whoever signs in next on that browser (the same
    # operator's token again, on a shared desk) finds no report open.
    reference, secret = await filed(intake, "bn")
    token = intake.signer.issue("operator-1", "acme", ["operator"])
    async with browser(intake) as client:
        await log_in(client, token)
        assert (await open_receipt(client, reference, secret)).status_code == 303
        assert call_held(intake, client) is not None
        out = await send(client, DESK, f"{DESK}/logout")
        assert out.status_code == 303 and CALL not in client.cookies
        await log_in(client, token)
        gone = await client.get(f"{DESK}/call")
        assert (gone.status_code, gone.headers["location"]) == (303, f"{DESK}?done=no-call")


async def test_the_pages_asking_to_confirm_open_none_of_the_workers_messages(intake, monkeypatch):
    reference, secret = await filed(intake, "bn")
    async with operator(intake) as client:
        assert (await open_receipt(client, reference, secret)).status_code == 303
        await recorded(client, "reply", text=NARRATIVES["bn"])
        # One sentence is read out before a withdrawal or an erasure: nothing the worker
        # wrote is decrypted for it.
        keyring = intake.app.state.runtime.extras["intake"].keyring
        opened, open_ = [], keyring.open

        async def counted(conn, sealed):
            opened.append(sealed)
            return await open_(conn, sealed)

        monkeypatch.setattr(keyring, "open", counted)
        for what in ("withdrawal", "erasure"):
            asked = await client.get(f"{DESK}/call/{what}")
            assert asked.status_code == 200 and 'id="read-out"' in asked.text, asked.text
        assert opened == []


async def test_a_worker_has_their_personal_data_erased_once_the_operator_confirms(intake):
    reference, secret = await filed(intake, "ar")
    async with operator(intake) as client:
        assert (await open_receipt(client, reference, secret)).status_code == 303
        grievance_id = call_held(intake, client)["g"]
        page = (await client.get(f"{DESK}/call")).text
        assert f'lang="ar" dir="rtl" id="status">{said("ar", STATUS["received"])}<' in page
        # What the worker's page says of erasing, in Arabic, to read out before it.
        asked = (await client.get(f"{DESK}/call/erasure")).text
        assert (
            f'lang="ar" dir="rtl" class="narrative" id="read-out">{said("ar", BEFORE_ERASING[0])}'
            in asked
        )
        await recorded(client, "erasure", f"{DESK}/call/erasure", confirm="yes")
        erased = await last_event(intake, grievance_id)
        assert (erased.type, erased.data.reason.value) == ("PersonalDataErased", "worker_request")
        # A message after the erasure has no key to be sealed with: refused, nothing written.
        late = await send(client, f"{DESK}/call", f"{DESK}/call/reply", text="Are you there?")
        assert late.status_code == 409, late.text
        assert (await last_event(intake, grievance_id)).type == "PersonalDataErased"


async def test_wrong_receipts_are_throttled_per_operator_as_the_api_does(intake):
    reference, secret = await filed(intake)
    async with operator(intake, "operator-guessing") as client:
        for _ in range(10):
            wrong = await open_receipt(client, reference, "0000000000000000")
            assert wrong.status_code == 404 and 'aria-invalid="true"' in wrong.text
            assert f'value="{reference}"' in wrong.text and "0000000000000000" not in wrong.text
        held = await open_receipt(client, reference, "0000000000000000")
        assert held.status_code == 429 and int(held.headers["retry-after"]) > 0
        assert re.search(r"wait \d+ (minute|second)s? before trying again", held.text), held.text
        still = await open_receipt(client, reference, secret)
        assert still.status_code == 429 and CALL not in client.cookies
    async with operator(intake, "operator-2") as other:
        assert (await open_receipt(other, reference, secret)).status_code == 303


async def test_only_the_tenant_s_operators_open_a_report_at_the_desk(intake):
    await register_tenant(intake.system, "globex")
    reference, secret = await filed(intake)
    async with operator(intake, "op-x", tenant="globex") as client:
        foreign = await open_receipt(client, reference, secret)
        assert foreign.status_code == 404 and CALL not in client.cookies
    async with browser(intake) as client:
        officer = intake.signer.issue("officer-1", "acme", ["officer"])
        refused = await log_in(client, officer)
        assert refused.status_code == 403 and "staff_token" not in client.cookies
        client.cookies.set("staff_token", officer, path=DESK)
        page = await client.get(DESK)
        assert page.status_code == 403 and refusal(page) == "forbidden"


async def test_an_address_the_desk_does_not_have_answers_as_a_page(intake):
    async with operator(intake) as client:
        missing = await client.get(f"{DESK}/calls")
        assert missing.status_code == 404 and refusal(missing) == "not-found"
        form = await client.get(f"{DESK}/call/reply")  # a form's address, opened as a page
        assert (form.status_code, form.headers["location"]) == (303, DESK)
        wrong = await client.put(f"{DESK}/call")
        assert wrong.status_code == 405 and refusal(wrong) == "refused"
    worker_page = await intake.client.get("/t/acme/nothing")
    assert worker_page.status_code == 404 and 'lang="en"' in worker_page.text
