"""The Twilio-style adapter against the fake provider intake serves itself in dev mode."""

from __future__ import annotations

import httpx

from redress.intake.fake_provider import DEV_PREFIX
from redress.intake.provider import TwilioStyle


async def test_the_adapter_sends_through_intake_s_own_fake_provider_in_dev_mode(intake):
    transport = httpx.ASGITransport(app=intake.app)
    provider = TwilioStyle("http://test" + DEV_PREFIX, "dev-account", "dev-sms-token", "Redress",
                           transport=transport)  # fmt: skip
    wrong = TwilioStyle("http://test" + DEV_PREFIX, "dev-account", "not-the-token", "Redress",
                        transport=transport)  # fmt: skip
    try:
        taken = await provider.send("+15550100042", "Hello", "text-1", None)
        again = await provider.send("+15550100042", "Hello", "text-1", None)
        refused = await wrong.send("+15550100042", "Hello", "text-2", None)
    finally:
        await provider.aclose()
        await wrong.aclose()
    assert taken.taken and again.provider_id == taken.provider_id  # a repeated key: dropped
    assert not refused.taken and not refused.retry and refused.reason == "refused: HTTP 401"
    listing = (await intake.client.get(DEV_PREFIX + "/messages")).json()
    mine = [m for m in listing if m["sid"] == taken.provider_id]
    assert [(m["to"], m["body"]) for m in mine] == [("…42", "Hello")]
