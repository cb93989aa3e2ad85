"""A lost receipt at the hotline desk: a new secret goes by text to the number the worker
gave and allowed contact on, as the API sends it; the page says the same words whatever the
number; asked again at once for the same number, it asks the operator to wait; a number
that is none comes back marked, as typed.
"""

from __future__ import annotations

import re

from redress.intake.operator_api import REISSUED
from tests.cases.test_console import csrf_of
from tests.events.helpers import wait_until
from tests.intake.conftest import intake_settings, serving
from tests.intake.sms_provider import ACCOUNT, fake_provider, to
from tests.intake.test_desk import DESK, operator
from tests.intake.test_operators import PHONE, _idle, filed

PAGE = f"{DESK}/reissue"


async def ask(client, phone: str):
    form = await client.get(PAGE)
    assert form.status_code == 200, form.text
    return await client.post(PAGE, data={"csrf": csrf_of(form.text), "phone": phone})


async def test_a_lost_receipt_is_texted_to_the_workers_number_and_the_page_says_no_more(
    system, tmp_path
):
    async with fake_provider() as (provider, url):
        settings = intake_settings(system, tmp_path).model_copy(
            update={"sms_provider_url": url, "sms_account": ACCOUNT}
        )
        async with serving(system, settings) as intake, operator(intake) as client:
            reference, _ = await filed(intake, "bn", contact_me=True)
            words = []
            for number in (PHONE, "+8801799999999"):
                sent = await ask(client, number)
                assert (sent.status_code, sent.headers["location"]) == (303, f"{PAGE}?done=sent")
                shown = await client.get(sent.headers["location"])
                words.append(re.search(r'id="notice">([^<]+)<', shown.text).group(1))
            assert words == [REISSUED, REISSUED]

            async def texted() -> bool:
                return any(reference in t.body for t in to(provider, PHONE))

            await wait_until(texted)
            held = await ask(client, PHONE)
            assert held.status_code == 429 and int(held.headers["retry-after"]) > 0
            assert "wait" in held.text and f'value="{PHONE}"' in held.text
            wrong = await ask(client, "call me")
            assert wrong.status_code == 422 and 'aria-invalid="true"' in wrong.text
            assert 'value="call me"' in wrong.text
            await wait_until(lambda: _idle(intake))
            assert len(provider.taken) == 1
