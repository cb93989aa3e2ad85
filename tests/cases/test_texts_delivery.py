"""Texts are sent once, whatever happens to the sender or the provider (issue 13, item 4).

A provider that fails makes intake's /health say "degraded" while the text is tried again,
under the same idempotency key, until it is taken; a restart of intake and a replay of the
log send nothing twice; a worker who stops contact before a text goes gets no text.
"""

from __future__ import annotations

import asyncio
import contextlib

import pytest

from redress.intake.sms_texts import SMS_MESSAGE
from tests.cases.test_texts import (
    NUMBERS,
    acknowledgement,
    case_of,
    file,
    post,
    said,
    texted,
    texting_platform,
)
from tests.cases.test_worker_loop import PHONE as WEB_PHONE
from tests.cases.test_worker_loop import Worker
from tests.events.helpers import wait_until
from tests.intake.sms_provider import to

PHONE = NUMBERS["consents"]


async def background(client) -> dict:
    health = (await client.get("/health")).json()
    return {b["task"]: b for b in health["background"]} | {"status": health["status"]}


async def _more(provider, than: int) -> bool:
    return len(provider.requests) > than


async def test_a_failing_provider_shows_on_health_and_the_text_goes_once_it_is_back(
    system, tmp_path
):
    async with texting_platform(system, tmp_path, sms_first_retry=0.2) as (platform, provider):
        provider.failing = 503
        reference = await file(platform, "bn", PHONE, contact_me=True)

        async def degraded() -> bool:
            state = await background(platform.intake)
            return state["status"] == "degraded" and "HTTP 503" in str(state["intake.texts"])

        await wait_until(degraded)
        assert to(provider, PHONE) == []
        tried = len(provider.requests)
        await wait_until(lambda: _more(provider, tried))  # tried again, and again
        provider.failing = None
        await texted(provider, PHONE, acknowledgement("bn", reference))

        async def recovered() -> bool:
            return (await background(platform.intake))["intake.texts"]["status"] == "ok"

        await wait_until(recovered)
        # Every attempt carried the same key: a provider that saw one take it drops repeats.
        keys = {r["headers"]["idempotency-key"] for r in provider.requests}
        assert len(keys) == 1 and len(provider.requests) >= 3 and len(provider.taken) == 1


async def test_a_restart_and_a_replay_of_the_log_send_no_text_twice(system, tmp_path):
    async with texting_platform(system, tmp_path) as (platform, provider):
        reference = await file(platform, "ar", PHONE, contact_me=True)
        case_id = await case_of(platform, reference)
        await texted(provider, PHONE, acknowledgement("ar", reference))
        await post(platform, case_id, "/messages", {"text": "1"})
        await texted(provider, PHONE, said("ar", SMS_MESSAGE, reference=reference, text="1"))

        async def replay() -> None:
            # What a rebuild of the texting projection does: it reads the log from the start.
            async with platform.system.pool.acquire() as conn:
                await conn.execute("TRUNCATE intake.followers")
                await conn.execute(
                    "DELETE FROM intake.applied_versions WHERE projection = 'texting'"
                )
                await conn.execute(
                    "UPDATE intake.checkpoints SET position = 0 WHERE name = 'texting'"
                )

        await platform.restart_intake(replay)
        await post(platform, case_id, "/messages", {"text": "2"})
        await texted(provider, PHONE, said("ar", SMS_MESSAGE, reference=reference, text="2"))
        bodies = [t.body for t in to(provider, PHONE)]
        assert len(bodies) == 3 == len(set(bodies)) == len(provider.requests)


@pytest.mark.parametrize(
    "stop", [{"do": "contact", "contact": "no"}, {"do": "withdraw", "confirm": "yes"}]
)
async def test_a_worker_who_stops_contact_or_withdraws_before_a_text_goes_gets_none(
    system, tmp_path, stop
):
    async with texting_platform(system, tmp_path, sms_first_retry=0.2) as (platform, provider):
        provider.failing = 503  # the acknowledgement waits in the outbox
        worker = Worker(platform.intake)
        reference, secret = await worker.file("bn")
        await wait_until(lambda: _more(provider, 0))
        await worker.open(reference, secret)
        stopped = await worker.act("bn", **stop)
        assert stopped.status_code == 303, stopped.text
        provider.failing = None

        # A worker who still allows contact is texted: the sender is at work again.
        other = await file(platform, "bn", PHONE, contact_me=True)
        await texted(provider, PHONE, acknowledgement("bn", other))

        async def skipped() -> bool:
            async with platform.system.pool.acquire() as conn:
                states = await conn.fetch(
                    "SELECT t.state FROM intake.texts t JOIN intake.receipts r "
                    "USING (grievance_id) WHERE r.reference = $1", reference,
                )  # fmt: skip
            return [s["state"] for s in states] == ["skipped"]

        await wait_until(skipped)
        assert to(provider, WEB_PHONE) == []


async def test_requests_holding_every_connection_make_the_sender_wait_its_turn_not_fail(
    system, tmp_path
):
    """A burst of requests that keeps the request pool busy for longer than an I/O timeout,
    connections coming back all the while, is not an outage: the sender waits its turn and
    sends, and /health never says it failed."""
    async with texting_platform(system, tmp_path, pool_size=1, io_timeout=1.0) as (
        platform,
        provider,
    ):
        pool = platform.intake_app.state.runtime.pool
        texts_sent = asyncio.Event()

        async def request() -> None:
            # Six of these in line for one connection: each acquire waits about 1.8 s, past the
            # 1 s I/O timeout, while a connection comes back every 0.3 s. On a busy machine a
            # request of the burst may itself wait past the pool's deadline: it is only the
            # load, refused as a request would be, and comes back in line.
            while not texts_sent.is_set():
                with contextlib.suppress(TimeoutError):
                    async with pool.acquire():
                        await asyncio.sleep(0.3)

        burst = [asyncio.create_task(request()) for _ in range(6)]
        try:
            reference = await file(platform, "bn", PHONE, contact_me=True)
            await texted(provider, PHONE, acknowledgement("bn", reference))
            assert pool.queued_seconds > 0 and pool.queued > 0  # the sender did queue
        finally:
            texts_sent.set()
            await asyncio.gather(*burst)
        troubles = {t.name: t for t in platform.intake_app.state.runtime.background}
        assert troubles["intake.texts"].failures == 0
        assert troubles["intake.send_texts"].failures == 0
