"""What a worker texts is never lost, nor a receipt's secret kept, and each text is answered
in the worker's language."""

from __future__ import annotations

import asyncio
import itertools
import json
import re

import pytest

from redress.events.catalogue.case import CaseRejected
from redress.events.catalogue.grievance import GrievanceSubmitted, WorkerMessagePosted
from redress.events.catalogue.grievance_answers import ContactConsentChanged
from redress.events.catalogue.tenant import TenantSettingsChanged
from redress.events.envelope import Actor, Metadata
from redress.events.ids import derived_stream
from redress.events.projection import wait_for_version
from redress.intake.projections import Grievances
from redress.intake.segments import segment
from redress.intake.sms import signature
from redress.intake.sms_texts import (
    CALL_US,
    SMS_FILED,
    SMS_JOINED,
    SMS_NEW_AFTER_CLOSED,
    SMS_NO_REPORT,
    SMS_SECRET_DROPPED,
    SMS_SECRET_ONLY,
    SMS_STAGE,
    SMS_THANKS,
    SMS_UNREADABLE,
    filed,
)
from redress.intake.texts import STATUS
from tests.events.helpers import wait_until
from tests.intake.conftest import TENANT
from tests.intake.test_segments import CATALOGUES
from tests.intake.test_worker_errors import tr

URL = f"http://test/v1/sms/{TENANT}/inbound"


async def post(intake, phone: str, body: str, sid: str):
    params = {"From": phone, "To": "+6620000000", "Body": body, "MessageSid": sid}
    sig = signature("dev-sms-token", URL, params)
    return await intake.client.post(URL, data=params, headers={"X-Twilio-Signature": sig})


async def said(intake) -> dict[str, list[str]]:
    """What each grievance holds of what the worker wrote, opened: its narrative, then its
    messages, by stream."""
    keyring = intake.app.state.runtime.extras["intake"].keyring
    found: dict[str, list[str]] = {}
    async with intake.system.pool.acquire() as conn:
        rows = await conn.fetch(
            "SELECT stream FROM eventlog.events WHERE type = 'GrievanceSubmitted' ORDER BY position"
        )
        for row in rows:
            texts = found.setdefault(row["stream"], [])
            for event in await intake.system.store.read_stream(row["stream"], conn=conn):
                match event.data:
                    case GrievanceSubmitted(personal=sealed):
                        personal = json.loads(await keyring.open(conn, sealed))
                        texts.append(personal["narrative"])
                    case WorkerMessagePosted(message=sealed):
                        texts.append((await keyring.open(conn, sealed)).decode())
    return found


async def test_texts_sent_at_once_to_a_new_number_are_all_recorded(intake):
    phone = "+66812340001"
    bodies = [f"Text number {i} about the agent." for i in range(5)]
    answers = await asyncio.gather(
        *(post(intake, phone, body, f"SM-at-once-{i}") for i, body in enumerate(bodies))
    )
    assert [a.status_code for a in answers] == [200] * 5, [a.text for a in answers]
    threads = await said(intake)
    assert len(threads) == 1  # one grievance, every text in it
    assert sorted(next(iter(threads.values()))) == sorted(bodies)


async def test_a_text_is_recorded_while_its_grievance_is_being_written_to(intake):
    """Another writer (the text sender recording what it sent, a policy) appends to the
    grievance while the worker's text is being recorded: the text is recorded after it."""
    phone = "+66812340002"
    assert (await post(intake, phone, "The agent keeps our passports.", "SM-busy-1")).is_success
    (stream,) = await said(intake)
    gid = stream.removeprefix("grievance-")
    store, meta = intake.system.store, Metadata(tenant=TENANT, actor=Actor(id="t", role="system"))
    async with intake.system.pool.acquire() as conn:
        version = await conn.fetchval(
            "SELECT max(version) FROM eventlog.events WHERE stream = $1", stream
        )
        writer = conn.transaction()
        await writer.start()
        await store.append(stream, [ContactConsentChanged(grievance_id=gid, contact_me=False)],
                           version, meta, conn=conn)  # fmt: skip
        text = asyncio.create_task(post(intake, phone, "They keep our wages too.", "SM-busy-2"))

        async def waiting() -> bool:  # the text's append waits on the other writer's
            return bool(await intake.system.pool.fetchval(
                "SELECT count(*) FROM pg_locks WHERE NOT granted"
            ))  # fmt: skip

        await wait_until(waiting)
        await writer.commit()
    answer = await text
    assert answer.status_code == 200, answer.text
    assert (await said(intake))[stream] == [
        "The agent keeps our passports.",
        "They keep our wages too.",
    ]


async def events_of(intake, kind: str) -> list[dict]:
    async with intake.system.pool.acquire() as conn:
        rows = await conn.fetch(
            "SELECT data FROM eventlog.events WHERE type = $1 ORDER BY position", kind
        )
    return [json.loads(r["data"]) for r in rows]


def says(intake, lang: str, *messages: str) -> str:
    return " ".join(tr(intake, lang, m) for m in messages)


async def test_a_receipt_texted_alone_is_neither_kept_nor_filed(intake):
    phone = "+66812340003"
    first = await post(intake, phone, "The agent keeps our passports.", "SM-r-1")
    secret = re.search(r"Secret number: (\d{4}(?: \d{4}){3})", first.text).group(1)
    reference = re.search(r"R-\w{8}", first.text).group(0)
    before = await intake.events()
    for i, receipt in enumerate((f"{reference} {secret.replace(' ', '')}", secret,
                                 f"{reference}: {secret}.")):  # fmt: skip
        answer = await post(intake, phone, receipt, f"SM-r-2{i}")
        assert answer.status_code == 200
        assert f"<Message>{says(intake, 'en', SMS_SECRET_ONLY)}</Message>" in answer.text
    # From another number, in Bengali digits: no report of someone else's receipt, and the
    # answer in the language of the script.
    digits = secret.translate(str.maketrans("0123456789", "০১২৩৪৫৬৭৮৯"))
    other = await post(intake, "+66812340004", digits, "SM-r-3")
    assert f"<Message>{says(intake, 'bn', SMS_SECRET_ONLY)}</Message>" in other.text
    assert await intake.events() == before
    assert list((await said(intake)).values()) == [["The agent keeps our passports."]]


async def test_a_text_with_a_secret_keeps_its_words_and_drops_the_secret(intake):
    phone = "+66812340005"
    first = await post(intake, phone, "Wages are held back 1234-5678-9012-3456 every month.",
                       "SM-w-1")  # fmt: skip
    assert says(intake, "en", SMS_SECRET_DROPPED) in first.text and "Reference: R-" in first.text
    secret = re.search(r"Secret number: (\d{4}(?: \d{4}){3})", first.text).group(1)
    second = await post(intake, phone, f"my number is {secret} and they still pay late",
                        "SM-w-2")  # fmt: skip
    assert f"<Message>{says(intake, 'en', SMS_JOINED, SMS_SECRET_DROPPED)}</Message>" in (
        second.text
    )
    (thread,) = (await said(intake)).values()
    assert thread == ["Wages are held back every month.", "my number is and they still pay late"]


@pytest.mark.parametrize("five", ["৫", "٥"])  # noqa: RUF001 - Bengali, Arabic-Indic
async def test_a_score_in_another_scripts_digits_is_recorded(intake, five):
    phone = "+66812340006"
    await post(intake, phone, "The agent keeps our passports.", "SM-s-1")
    async with intake.system.pool.acquire() as conn:  # the question was texted to the number
        await conn.execute(
            """INSERT INTO intake.sms_questions (tenant, thread_key, grievance_id, asked_at,
                   lookup_key)
               SELECT tenant, thread_key, grievance_id, now(), lookup_key FROM intake.sms_threads"""
        )
    answer = await post(intake, phone, f" {five} ", "SM-s-2")
    assert tr(intake, "en", SMS_THANKS) in answer.text
    assert [e["score"] for e in await events_of(intake, "WorkerSatisfactionGiven")] == [5]
    assert len(next(iter((await said(intake)).values()))) == 1  # not posted as a message


@pytest.mark.parametrize("body", ["", "   ", "\u0007\u0000", "\u200b\n"])
async def test_a_text_with_nothing_to_read_is_answered_and_files_nothing(intake, body):
    before = await intake.events()
    answer = await post(intake, "+66812340007", body, "SM-e-1")
    assert answer.status_code == 200
    assert f"<Message>{tr(intake, 'en', SMS_UNREADABLE)}</Message>" in answer.text
    assert await intake.events() == before
    params = {"To": "+6620000000", "Body": "Hello", "MessageSid": "SM-e-2"}
    sig = signature("dev-sms-token", URL, params)
    nobody = await intake.client.post(URL, data=params, headers={"X-Twilio-Signature": sig})
    assert nobody.status_code == 422  # the provider's fault, not the worker's


async def test_a_latin_text_is_answered_in_the_initiatives_first_language(intake):
    stream = derived_stream("tenant", TENANT)
    version = len(await intake.system.store.read_stream(stream))
    languages = ("es", "en", "bn")
    await intake.system.store.append(stream, [TenantSettingsChanged(
        name="Acme Initiative", time_zone="UTC", working_days=(0, 1, 2, 3, 4, 5, 6),
        languages=languages)], version, Metadata(tenant=TENANT, actor=Actor(id="a", role="admin")),
    )  # fmt: skip
    answer = await post(intake, "+66812340008", "El agente se quedó con mi pasaporte.", "SM-l-1")
    heading = tr(intake, "es", SMS_FILED[0])
    assert heading in answer.text and heading != tr(intake, "en", SMS_FILED[0])
    assert [e["language"] for e in await events_of(intake, "GrievanceSubmitted")] == ["es"]
    empty = await post(intake, "+66812340008", " ", "SM-l-2")
    assert tr(intake, "es", SMS_UNREADABLE) in empty.text


async def test_a_text_after_the_case_was_closed_files_a_new_report(intake):
    phone = "+66812340009"
    await post(intake, phone, "The agent keeps our passports.", "SM-c-1")
    (stream,) = await said(intake)
    gid = stream.removeprefix("grievance-")
    case = f"case-{gid}"
    done = await intake.system.store.append(
        case, [CaseRejected(case_id=gid, grievance_id=gid, grounds="out_of_scope")], 0,
        Metadata(tenant=TENANT, actor=Actor(id="officer", role="officer")),
    )  # fmt: skip
    assert await wait_for_version(intake.system.pool, Grievances(), case, done.version, timeout=30)
    again = await post(intake, phone, "They still keep them.", "SM-c-2")
    assert "Reference: R-" in again.text
    assert again.text.endswith(f"{tr(intake, 'en', SMS_NEW_AFTER_CLOSED)}</Message></Response>")
    assert list((await said(intake)).values()) == [["The agent keeps our passports."],
                                                   ["They still keep them."]]  # fmt: skip
    joined = await post(intake, phone, "And my wages.", "SM-c-3")  # the new report is open
    assert f"<Message>{tr(intake, 'en', SMS_JOINED)}</Message>" in joined.text


async def test_status_says_where_each_report_of_the_number_stands_and_the_hotline(intake):
    phone, sent = "+66812340010", itertools.count()

    async def status(body: str = "STATUS") -> str:
        answer = await post(intake, phone, body, f"SM-st-{next(sent)}")
        assert answer.status_code == 200, answer.text
        return answer.text

    before = await intake.events()
    for asked in ("STATUS", "status.", "¿Status?", " status !"):  # as phones and people write it
        assert f"<Message>{says(intake, 'en', SMS_NO_REPORT)}</Message>" in await status(asked)
    assert await intake.events() == before  # asking files nothing
    first = await post(intake, phone, "এজেন্ট আমাদের পাসপোর্ট রেখে দিয়েছে।", "SM-st-filed")
    reference = re.search(r"R-\w{8}", first.text).group(0)
    stage = tr(intake, "bn", STATUS["received"])
    received = tr(intake, "bn", SMS_STAGE) % {"reference": reference, "stage": stage}

    async def told(expected: str) -> bool:
        return f"<Message>{expected}</Message>" in await status(" Status? ")

    await wait_until(lambda: told(received), timeout=30)  # in the report's language
    admin = intake.token(roles=("admin",))
    given = await intake.client.put("/v1/tenant/hotline", json={"number": "+880 9612-345678"},
                                    headers=admin)  # fmt: skip
    assert given.status_code == 200, given.text
    call = tr(intake, "bn", CALL_US) % {"hotline": "+880 9612-345678"}
    assert f"<Message>{received}\n{call}</Message>" in await status()
    # Texts stopped: whoever holds the phone is told of no report, in the initiative's
    # language, not the report's.
    await post(intake, phone, "STOP", "SM-st-stop")
    nothing = f"{says(intake, 'en', SMS_NO_REPORT)}\n{tr(intake, 'en', CALL_US)}"
    await wait_until(lambda: told(nothing % {"hotline": "+880 9612-345678"}), timeout=30)
    assert len(await events_of(intake, "GrievanceSubmitted")) == 1


@pytest.mark.parametrize("lang", ["en", "id"])  # languages written in GSM-7's alphabet
def test_each_new_answer_fits_one_segment(lang):
    _ = CATALOGUES.get(lang).gettext
    receipt = filed("R-ACDEFGHJ", "1234567890123456", _)
    joined, dropped, closed = _(SMS_JOINED), _(SMS_SECRET_DROPPED), _(SMS_NEW_AFTER_CLOSED)
    for answer in (_(SMS_UNREADABLE), _(SMS_SECRET_ONLY), f"{joined} {dropped}",
                   f"{receipt} {dropped}", f"{receipt} {closed}"):  # fmt: skip
        assert segment(answer).encoding == "GSM-7" and segment(answer).count == 1, answer
