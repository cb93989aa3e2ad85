"""A grievance whose country is not known (a text message) opens a case that says so."""

from redress.intake.sms import signature
from tests.cases.test_console import officer
from tests.cases.test_flow import queued
from tests.events.helpers import wait_until

TENANT = "acme"


async def test_a_text_message_opens_a_case_with_its_country_unknown(platform):
    url = f"http://test/v1/sms/{TENANT}/inbound"
    params = {"From": "+66811114444", "Body": "The broker keeps our papers.", "MessageSid": "S1"}
    answer = await platform.intake.post(
        url, data=params, headers={"X-Twilio-Signature": signature("dev-sms-token", url, params)}
    )
    assert answer.status_code == 200, answer.text

    async def opened():
        return len(await queued(platform)) == 1

    await wait_until(opened)
    (case,) = await queued(platform)
    assert case["country"] is None
    async with officer(platform) as console:
        page = await console.get(f"/console/cases/{case['case_id']}")
        assert page.status_code == 200 and "<dd>Unknown</dd>" in page.text
