"""A worker's number finds their grievance through hashes under a lookup key that each
rotation replaces (ADR 40): texts still thread, and rows move to the new key, including
rows hashed before lookup keys existed."""

from __future__ import annotations

import hashlib
import hmac
import re
from datetime import UTC, datetime, timedelta

from redress.events.timers import FixedClock
from redress.intake.housekeeping import set_clock
from redress.intake.sms import signature
from tests.intake.conftest import TENANT

URL = f"http://test/v1/sms/{TENANT}/inbound"


async def text(intake, phone: str, body: str, sid: str):
    params = {"From": phone, "To": "+6620000000", "Body": body, "MessageSid": sid}
    sig = signature("dev-sms-token", URL, params)
    answer = await intake.client.post(URL, data=params, headers={"X-Twilio-Signature": sig})
    assert answer.status_code == 200, answer.text
    return answer.text


async def threads(intake) -> dict[str, tuple[str, str | None]]:
    async with intake.system.pool.acquire() as conn:
        rows = await conn.fetch(
            "SELECT thread_key, grievance_id, lookup_key FROM intake.sms_threads"
        )
    return {r["thread_key"]: (r["grievance_id"], r["lookup_key"]) for r in rows}


async def lookup_keys(intake) -> list[str]:
    async with intake.system.pool.acquire() as conn:
        return [r["key_id"] for r in await conn.fetch("SELECT key_id FROM intake.lookup_keys")]


async def submissions(intake) -> list[str]:
    async with intake.system.pool.acquire() as conn:
        return [r["type"] for r in await conn.fetch(
            "SELECT type FROM eventlog.events WHERE stream LIKE 'grievance-%' ORDER BY position"
        )]  # fmt: skip


async def test_texts_thread_across_a_rotation_which_moves_every_number_to_a_new_key(intake):
    runtime = intake.app.state.runtime
    clock = FixedClock(datetime.now(UTC))
    set_clock(runtime, clock)
    first = await text(intake, "+66811117777", "The agent keeps my passport.", "SM-a1")
    assert "Reference: R-" in first
    other = await text(intake, "+66811118888", "We are locked in at night.", "SM-b1")
    assert "Reference: R-" in other
    (before,) = await lookup_keys(intake)
    # A thread hashed as before lookup keys: under the root secret's key, no lookup key.
    legacy_key = runtime.extras["intake"].legacy_number_key
    legacy = hmac.new(legacy_key, f"{TENANT}|+66811118888".encode(), hashlib.sha256)
    async with intake.system.pool.acquire() as conn:
        moved = await conn.execute(
            """UPDATE intake.sms_threads SET thread_key = $1, lookup_key = NULL
               WHERE grievance_id = (SELECT data->>'grievance_id' FROM eventlog.events
                                     WHERE type = 'GrievanceSubmitted'
                                     ORDER BY position DESC LIMIT 1)""",
            legacy.hexdigest()[:32],
        )
    assert moved == "UPDATE 1"
    joined = {number: await text(intake, number, "Still here.", f"SM-{number}-2")
              for number in ("+66811117777", "+66811118888")}  # fmt: skip
    assert all("Your message was sent." in answer for answer in joined.values()), joined

    clock.at += timedelta(days=7)  # the rotation's period: the lookup key is replaced first
    assert await runtime.extras["housekeeping"].rotation.tick() is not None
    (after,) = await lookup_keys(intake)
    assert after != before
    rows = await threads(intake)
    assert len(rows) == 2 and {key for _, key in rows.values()} == {after}
    assert legacy.hexdigest()[:32] not in rows
    async with intake.system.pool.acquire() as conn:
        assert (
            await conn.fetchval("SELECT 1 FROM keyring.data_keys WHERE key_id = $1", before) is None
        )

    for number in ("+66811117777", "+66811118888"):
        again = await text(intake, number, "A third text.", f"SM-{number}-3")
        assert "Your message was sent." in again, again
    assert await submissions(intake) == ["GrievanceSubmitted"] * 2 + ["WorkerMessagePosted"] * 4
    references = {re.search(r"Reference: (R-\w+)", t).group(1) for t in (first, other)}
    assert len(references) == 2
