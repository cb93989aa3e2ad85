"""Follow-up without the web (issue 13, item 4): texts by SMS, over HTTP only.

The fake provider on loopback records every request. A worker who did not allow contact
gets no text; one who did gets each update in their language (Bengali, Arabic): the
acknowledgement, each stage, the officer's message, the outcome and the satisfaction
question, whose reply "4" records satisfaction 4 on the case. Delivery receipts become
events. The number never shows in the log, a table outside the keyring, or a log line.
"""

from __future__ import annotations

import logging
import re
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import AsyncExitStack, asynccontextmanager

import pytest

from redress.cases.app import service as cases_service
from redress.events.migrations import migrate
from redress.events.relay import Relay
from redress.intake.app import service as intake_service
from redress.intake.segments import segment
from redress.intake.sms import signature
from redress.intake.sms_texts import (
    SMS_ACKNOWLEDGED,
    SMS_HOW_TO_ASK,
    SMS_HOW_TO_STOP,
    SMS_MESSAGE,
    SMS_OUTCOME,
    SMS_SATISFACTION,
    SMS_STAGE,
)
from redress.intake.texts import OUTCOMES, STATUS, THANKS
from redress.kit.auth import signer_for
from redress.kit.service import app_for
from tests.cases.conftest import Platform, serve
from tests.cases.test_worker_loop import CATALOGUES, LANGS, NARRATIVES, grievance_events
from tests.events.helpers import running, wait_until
from tests.intake.conftest import TENANT, intake_settings, register_tenant
from tests.intake.sms_provider import ACCOUNT, TOKEN, digest, fake_provider, to

NUMBERS = {"consents": "+8801711000001", "declines": "+8801711000002"}
# The acknowledgement, four stages, two messages, the outcome and the satisfaction question.
TEXTS = 9
OFFICER_SAYS = {"bn": "আমরা কারখানায় যাব।", "ar": "سنزور المصنع."}


def said(lang: str, message: str, **params: str) -> str:
    text = str(CATALOGUES.get(lang).gettext(message))
    return text % params if params else text


def acknowledgement(lang: str, reference: str) -> str:
    """The first text: the report received, how to ask where it stands, how to stop texts."""
    received = said(lang, SMS_ACKNOWLEDGED, reference=reference)
    return f"{received} {said(lang, SMS_HOW_TO_ASK)} {said(lang, SMS_HOW_TO_STOP)}"


@asynccontextmanager
async def texting_platform(system, tmp_path, **update) -> AsyncIterator[tuple[Platform, object]]:
    """Intake and cases, intake texting workers through the fake provider on loopback."""
    async with fake_provider() as (provider, url):
        settings = intake_settings(system, tmp_path).model_copy(
            update={"sms_provider_url": url, "sms_account": ACCOUNT, **update}
        )
        async with system.pool.acquire() as conn:
            await migrate(conn, [intake_service.component, cases_service.component])
        intake_app, cases_app = app_for("intake", settings), app_for("cases", settings)
        relay = Relay(system.dsn, system.js, system.bus, poll_interval=0.05)
        async with running(relay.run()), AsyncExitStack() as stack:
            served = AsyncExitStack()
            stack.push_async_callback(lambda: served.aclose())
            intake = await serve(served, intake_app)
            cases = await serve(stack, cases_app)
            await register_tenant(system)
            platform = Platform(intake, cases, intake_app, cases_app, system, settings,
                                signer_for(settings))  # fmt: skip

            async def restart(meanwhile: Callable[[], Awaitable[None]]) -> None:
                """Stop intake, do `meanwhile`, and start a new intake on the same database."""
                nonlocal served
                await served.aclose()
                await meanwhile()
                served = AsyncExitStack()
                platform.intake_app = app_for("intake", settings)
                platform.intake = await serve(served, platform.intake_app)

            platform.restart_intake = restart  # type: ignore[attr-defined]
            yield platform, provider


@pytest.fixture
async def texting(system, tmp_path) -> AsyncIterator[tuple[Platform, object]]:
    async with texting_platform(system, tmp_path) as both:
        yield both


async def file(platform: Platform, lang: str, phone: str, contact_me: bool) -> str:
    client = platform.intake
    form = await client.get(f"/t/{TENANT}/report?lang={lang}")
    csrf = re.search(r'name="csrf" value="([0-9a-f]+)"', form.text).group(1)
    form_id = re.search(r'name="form_id" value="([^"]+)"', form.text).group(1)
    data = {"csrf": csrf, "form_id": form_id, "lang": lang, "country": "BD",
            "site_id": "dhaka-1", "category": "wages_and_benefits",
            "narrative": NARRATIVES[lang], "contact": phone, "submit": "1"}  # fmt: skip
    if contact_me:
        data["contact_me"] = "yes"
    receipt = await client.post(f"/t/{TENANT}/report", data=data, follow_redirects=True)
    assert receipt.status_code == 200, receipt.text
    return re.search(r'id="reference">([^<]+)<', receipt.text).group(1)


async def case_of(platform: Platform, reference: str) -> str:
    async with platform.system.pool.acquire() as conn:
        gid = await conn.fetchval(
            "SELECT grievance_id FROM intake.receipts WHERE reference = $1", reference
        )

    async def opened() -> bool:
        answer = await platform.cases.get("/v1/cases", headers=platform.token())
        return any(c["grievance_id"] == gid for c in answer.json()["items"])

    await wait_until(opened)
    answer = await platform.cases.get("/v1/cases", headers=platform.token())
    return next(c["case_id"] for c in answer.json()["items"] if c["grievance_id"] == gid)


async def post(platform: Platform, case_id: str, path: str, body: dict | None = None) -> dict:
    answer = await platform.cases.post(f"/v1/cases/{case_id}{path}", json=body or {},
                                       headers=platform.token())  # fmt: skip
    assert answer.status_code in (200, 201), answer.text
    return answer.json()


async def texted(provider, phone: str, text: str) -> None:
    async def arrived() -> bool:
        return any(t.body == text for t in to(provider, phone))

    await wait_until(arrived)


async def inbound(platform: Platform, phone: str, body: str, sid: str):
    url = f"http://test/v1/sms/{TENANT}/inbound"
    params = {"From": phone, "To": "+880900000", "Body": body, "MessageSid": sid}
    return await platform.intake.post(
        url, data=params, headers={"X-Twilio-Signature": signature(TOKEN, url, params)}
    )


@pytest.mark.parametrize("lang", LANGS)
async def test_a_worker_who_allows_contact_is_texted_each_update_in_their_language_and_one_who_does_not_gets_nothing(  # noqa: E501
    texting, lang, caplog, capsys
):
    caplog.set_level(logging.DEBUG)
    platform, provider = texting
    quiet = await file(platform, lang, NUMBERS["declines"], contact_me=False)
    # Written as people write it down: the texts go to the number, and the worker's replies
    # from it find the report.
    reference = await file(platform, lang, "(+880) 1711-000001", contact_me=True)
    phone = NUMBERS["consents"]
    case_id, quiet_case = await case_of(platform, reference), await case_of(platform, quiet)

    await texted(provider, phone, acknowledgement(lang, reference))
    await post(platform, case_id, "/accept")
    stage = said(lang, STATUS["verification"])
    await texted(provider, phone, said(lang, SMS_STAGE, reference=reference, stage=stage))
    await post(platform, case_id, "/messages", {"text": OFFICER_SAYS[lang]})
    message = said(lang, SMS_MESSAGE, reference=reference, text=OFFICER_SAYS[lang])
    await texted(provider, phone, message)
    await post(platform, case_id, "/advance", {"to": "response"})
    await post(platform, case_id, "/advance", {"to": "remediation_plan"})
    await post(
        platform,
        case_id,
        "/actions",
        {
            "remedy": "wage_restitution",
            "owner": "supplier",
            "due_on": "2030-01-31",
            "description": "Pay",
        },
    )
    await post(platform, case_id, "/advance", {"to": "implementation"})
    for step in ("response", "remediation_plan", "implementation"):
        stage = said(lang, STATUS[step])
        await texted(provider, phone, said(lang, SMS_STAGE, reference=reference, stage=stage))
    await post(platform, case_id, "/close", {"outcome": "partly_resolved"})
    outcome = said(lang, OUTCOMES["partly_resolved"])
    await texted(provider, phone, said(lang, SMS_OUTCOME, reference=reference, outcome=outcome))
    await texted(provider, phone, said(lang, SMS_SATISFACTION))

    # The worker who did not allow contact: the same kinds of events on their case, no text.
    await post(platform, quiet_case, "/accept")
    await post(platform, quiet_case, "/messages", {"text": OFFICER_SAYS[lang]})
    # Then one more message for the worker who allows contact: once it is texted, the quiet
    # case's events, earlier in the log, were read.
    await post(platform, case_id, "/messages", {"text": "OK"})
    await texted(provider, phone, said(lang, SMS_MESSAGE, reference=reference, text="OK"))

    async def recorded() -> bool:
        events = await grievance_events(platform, reference)
        return sum(e.type == "WorkerTexted" for e in events) == TEXTS

    await wait_until(recorded)
    assert to(provider, NUMBERS["declines"]) == []
    # Every text went once, to the number given, and nothing else went anywhere.
    mine = to(provider, phone)
    assert len(mine) == TEXTS == len(provider.taken) and len({t.body for t in mine}) == TEXTS
    assert {t.sender for t in mine} == {"Redress"}
    # Bengali and Arabic travel as UCS-2: each event counts the segments of its text.
    events = [e.data for e in await grievance_events(platform, reference)
              if e.type == "WorkerTexted"]  # fmt: skip
    by_text = {segment(t.body).count for t in mine}
    assert {e.encoding for e in events} == {"UCS-2"} and {e.segments for e in events} == by_text
    assert max(by_text) > 1  # the satisfaction question does not fit 70 characters

    # The worker replies "4": satisfaction 4 on the case, thanked in their language.
    answer = await inbound(platform, phone, " 4 ", "SM-reply-1")
    assert answer.status_code == 200 and said(lang, THANKS) in answer.text

    async def scored() -> bool:
        detail = await platform.cases.get(f"/v1/cases/{case_id}", headers=platform.token())
        return detail.json()["satisfaction"] == 4

    await wait_until(scored)

    # The provider's delivery receipt is recorded once on the grievance; a forged one is not.
    url = f"http://test/v1/sms/{TENANT}/status"
    receipt = {"MessageSid": mine[0].sid, "MessageStatus": "delivered", "To": phone}
    forged = await platform.intake.post(url, data=receipt | {"MessageStatus": "undelivered"},
                                        headers={"X-Twilio-Signature": "bogus"})  # fmt: skip
    assert forged.status_code == 403
    assert forged.headers["content-type"] == "application/problem+json"
    for _ in range(2):
        told = await platform.intake.post(url, data=receipt, headers={
            "X-Twilio-Signature": signature(TOKEN, url, receipt)})  # fmt: skip
        assert told.status_code == 204, told.text
    reports = [e.data for e in await grievance_events(platform, reference)
               if e.type == "TextDeliveryReported"]  # fmt: skip
    assert [(r.status.value, r.text_id.endswith(":acknowledged")) for r in reports] == [
        ("delivered", True)
    ]

    # The number is nowhere in plain text: not in the log, intake's tables or a log line.
    async with platform.system.pool.acquire() as conn:
        for table in ("eventlog.events", "intake.texts", "intake.sms_questions",
                      "intake.contact_keys", "intake.grievances", "intake.thread"):  # fmt: skip
            rows = await conn.fetch(f"SELECT t::text AS row FROM {table} t")
            assert not any(phone[1:] in r["row"] for r in rows), table
    out = capsys.readouterr()
    logged = caplog.text + out.out + out.err
    assert phone[1:] not in logged and digest(phone) not in logged
