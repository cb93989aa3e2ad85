"""What a worker texts is never lost, nor a receipt's secret kept, and each text is answered
in the worker's language."""

from __future__ import annotations

import asyncio
import json

from redress.events.catalogue.grievance import GrievanceSubmitted, WorkerMessagePosted
from redress.events.catalogue.grievance_answers import ContactConsentChanged
from redress.events.envelope import Actor, Metadata
from redress.intake.sms import signature
from tests.events.helpers import wait_until
from tests.intake.conftest import TENANT

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
