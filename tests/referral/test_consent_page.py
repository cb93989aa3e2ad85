"""The worker's consent on the status page, through the served apps: intake learns of the
partner chosen from referral's events, shows the request in the worker's language, and
writes the answer that referral records."""

from __future__ import annotations

import html
import re
from pathlib import Path

import redress.intake
from redress.intake.texts import (
    CONSENT_DECLINED,
    CONSENT_GIVEN,
    CONSENT_REVOKED,
    CONTACT_WITH_NAME,
    REFERRAL_STATES,
    SHARED_FIELDS,
    STILL_HELPING,
)
from redress.kit.i18n import Catalogues
from tests.events.helpers import wait_until
from tests.intake.conftest import TENANT
from tests.intake.test_web import open_status
from tests.referral.conftest import GRIEVANCE, WorkerPages
from tests.referral.test_flow import chosen, disclosures

STATUS = f"/t/{TENANT}/status"
ANSWER = f"/t/{TENANT}/status/referral"
CATALOGUES = Catalogues(Path(redress.intake.__file__).parent / "locales")


async def asked(platform, grievance=None) -> tuple[str, WorkerPages]:
    """A referral with the shelter chosen; the worker has opened their report."""
    await platform.register_partners()
    referral_id = await platform.file_and_escalate(grievance=grievance)
    await chosen(platform, referral_id)
    worker = WorkerPages(platform.intake)
    opened = await open_status(worker, platform.filed["reference"], platform.filed["secret"])
    assert opened.status_code == 200, opened.text
    await wait_until(lambda: _shows(worker, "Safe Home Dhaka"))
    return referral_id, worker


async def _shows(worker: WorkerPages, text: str) -> bool:
    return text in (await worker.client.get(STATUS)).text


async def withdrawal_question(worker: WorkerPages) -> str:
    """The page asking the worker whether to withdraw their report, in Bengali."""
    asked = await worker.client.post(
        f"{STATUS}?lang=bn", data={"csrf": await worker.csrf(STATUS), "do": "withdraw"}
    )
    assert asked.status_code == 200, asked.text
    return asked.text


async def answer(worker: WorkerPages, referral_id: str, consent: str, fields=(), **more):
    """As the page sends it: a button of the reply's form, naming the request in the address
    it sends to, with each box naming the request it belongs to."""
    csrf = await worker.csrf(STATUS)
    boxes = [f"{referral_id}/safe-home/{f}" for f in fields]
    address = f"{ANSWER}?referral={referral_id}&partner=safe-home"
    form = {"csrf": csrf, "consent": consent, "field": boxes}
    return await worker.client.post(address, data={**form, **more})


def translated(platform, lang: str, message: str) -> str:
    return str(CATALOGUES.get(lang).gettext(message))


async def test_the_worker_agrees_on_the_status_page_and_the_referral_records_it(platform):
    referral_id, worker = await asked(platform)
    page = (await worker.client.get(STATUS)).text
    # In the worker's language (Bengali): who, why, and each field asked for, for the worker
    # to tick (none ticked for them: consent is what they tick, and a change of language,
    # which shows the page afresh, never shares more than they chose).
    assert 'lang="bn"' in page and "আশ্রয়কেন্দ্র" in page  # shelter
    assert "থাকার জন্য নিরাপদ জায়গা" in page  # a safe place to stay: the service asked
    box = f'form="reply-form" name="field" value="{referral_id}/safe-home/'
    assert f'{box}narrative">' in page and f'{box}contact">' in page
    # The contact details hold the worker's name, and sharing them shares it: the box says so
    # (beside the promise that a partner never learns it otherwise).
    named = translated(platform, "bn", CONTACT_WITH_NAME)
    assert f'{box}contact"> {named}</label>' in page
    assert not re.search(r'name="field" value="[^"]+" checked', page)
    assert 'id="still-helping"' not in await withdrawal_question(worker)
    assert 'name="consent" value="given"' in page and 'name="consent" value="declined"' in page
    # The worker ticks their contact, not what they wrote: only their contact is shared.
    agreed = await answer(worker, referral_id, "given", fields=["contact"])
    assert agreed.status_code == 303, agreed.text
    section = f"consent-{referral_id}-safe-home"
    assert agreed.headers["location"].endswith(f"done=consent_given#{section}")
    await wait_until(lambda: _last_is(platform, referral_id, "ReferralSent"))
    given, sent = (await platform.system.store.read_stream(referral_id))[-2:]
    assert (given.type, given.data.channel, given.data.fields) == (
        "ConsentGiven",
        "status_page",
        ("contact",),
    )
    assert (sent.data.basis, sent.data.fields) == ("consent", ("contact",))
    await platform.caught_up(referral_id)
    # Withdrawing the report would not end the shelter's help: the question says so.
    assert translated(platform, "bn", STILL_HELPING) in await withdrawal_question(worker)
    read = await platform.referral.get(
        f"/v1/partner/referrals/{referral_id}/personal", headers=platform.partner()
    )
    assert read.status_code == 200, read.text
    assert list(read.json()["fields"]) == ["contact"]
    shown = (await worker.client.get(agreed.headers["location"])).text
    assert translated(platform, "bn", CONSENT_GIVEN) in shown
    assert 'name="consent" value="given"' not in shown
    assert 'name="consent" value="revoked"' in shown
    # Later, from the same page, the worker withdraws: the partner's next read is refused.
    revoked = await answer(worker, referral_id, "revoked")
    assert revoked.status_code == 303, revoked.text
    await wait_until(lambda: _last_is(platform, referral_id, "ConsentRevoked"))
    refused = await platform.referral.get(
        f"/v1/partner/referrals/{referral_id}/personal", headers=platform.partner()
    )
    assert refused.status_code == 410, refused.text
    assert len(await disclosures(platform, referral_id)) == 1  # the read before only
    after = (await worker.client.get(revoked.headers["location"])).text
    # Said once, in the request's section, where the page is opened.
    assert revoked.headers["location"].endswith(f"#{section}") and f'id="{section}"' in after
    assert after.count(translated(platform, "bn", CONSENT_REVOKED)) == 1
    assert 'name="consent"' not in after
    # Nor is the partner still said to be waiting to answer.
    assert translated(platform, "bn", REFERRAL_STATES["withdrawn"]) in after
    assert translated(platform, "bn", REFERRAL_STATES["sent"]) not in after


async def test_answering_keeps_the_reply_being_written_and_agrees_only_to_its_own_boxes(
    platform,
):
    """The request's buttons and boxes belong to the reply's form, so a reply half written
    waits in its box on the page that follows; each box names its request, and one ticked
    for another partner's request is not agreed to this one."""
    referral_id, worker = await asked(platform)
    page = (await worker.client.get(STATUS)).text
    address = (
        f"/t/{TENANT}/status/referral?lang=bn&amp;referral={referral_id}&amp;partner=safe-home"
    )
    assert f'form="reply-form" formaction="{address}" name="consent" value="given"' in page
    reply = "মালিক আবার এসেছিল।"  # the owner came again
    csrf = await worker.csrf(STATUS)
    agreed = await worker.client.post(
        html.unescape(address),
        data={"csrf": csrf, "consent": "given", "message": reply, "retaliation": "yes",
              "origin": re.search(r'name="origin" value="([^"]+)"', page).group(1),
              "field": [f"{referral_id}/safe-home/narrative",
                        f"{referral_id}/another-partner/contact"]},
    )  # fmt: skip
    assert agreed.status_code == 303, agreed.text
    await wait_until(lambda: _last_is(platform, referral_id, "ReferralSent"))
    given = (await platform.system.store.read_stream(referral_id))[-2]
    assert (given.type, given.data.fields) == ("ConsentGiven", ("narrative",))
    shown = (await worker.client.get(agreed.headers["location"])).text
    assert translated(platform, "bn", CONSENT_GIVEN) in shown
    assert f"required>{reply}</textarea>" in shown
    assert 'id="retaliation" name="retaliation" value="yes" checked' in shown
    types = [e.type for e in await platform.system.store.read_stream(
        await grievance_of(platform, referral_id))]  # fmt: skip
    assert "WorkerMessagePosted" not in types  # kept in its box, not sent


async def test_a_box_ticked_stays_ticked_in_another_language_and_only_that_box(platform):
    """The boxes belong to the reply's form, so a change of language sends them, as does any
    other button of the page: the box the worker ticked comes back ticked (a worker who then
    agreed would otherwise share less than they meant, unawares), and none they did not
    tick; once the request is answered, its boxes are not ticked again."""
    referral_id, worker = await asked(platform)
    page = (await worker.client.get(STATUS)).text
    origin = re.search(r'name="origin" value="([^"]+)"', page).group(1)
    box = f"{referral_id}/safe-home/contact"
    form = {"csrf": await worker.csrf(STATUS), "do": "switch", "origin": origin, "field": [box]}
    switched = await worker.client.post(f"/t/{TENANT}/status?lang=en", data=form)
    assert switched.status_code == 200 and '<html lang="en"' in switched.text
    assert f'name="field" value="{box}" checked>' in switched.text
    assert re.findall(r'name="field" value="([^"]+)" checked', switched.text) == [box]
    # A page shown afresh ticks nothing.
    again = (await worker.client.get(STATUS)).text
    assert not re.search(r'name="field" value="[^"]+" checked', again)
    # Another button (being contacted), whose page follows a redirect, ticks it again too.
    form = {"csrf": await worker.csrf(STATUS), "do": "contact-no", "origin": origin,
            "field": [box]}  # fmt: skip
    contact = await worker.client.post(STATUS, data=form)
    assert contact.status_code == 303, contact.text
    after = (await worker.client.get(contact.headers["location"])).text
    assert re.findall(r'name="field" value="([^"]+)" checked', after) == [box]
    assert not re.search(
        r'name="field" value="[^"]+" checked', (await worker.client.get(STATUS)).text
    )
    # Answering the request sends its boxes; they are not carried past it.
    declined = await answer(worker, referral_id, "declined", fields=["contact"], origin=origin)
    assert declined.status_code == 303, declined.text
    assert "checked" not in (await worker.client.get(declined.headers["location"])).text


async def test_a_report_without_contact_details_is_not_asked_to_share_them(platform):
    """The partner asked for the worker's contact and what they wrote; the worker gave no
    contact details: the page offers what they wrote only, and the partner is never told
    it may read a contact that does not exist."""
    referral_id, worker = await asked(platform, {**GRIEVANCE, "contact": None})
    page = (await worker.client.get(STATUS)).text
    assert f'name="field" value="{referral_id}/safe-home/narrative">' in page
    assert f'name="field" value="{referral_id}/safe-home/contact"' not in page
    # Sent as a page offering both would have sent it: only what the report holds is agreed.
    agreed = await answer(worker, referral_id, "given", fields=["contact", "narrative"])
    assert agreed.status_code == 303, agreed.text
    await wait_until(lambda: _last_is(platform, referral_id, "ReferralSent"))
    given, sent = (await platform.system.store.read_stream(referral_id))[-2:]
    assert given.data.fields == sent.data.fields == ("narrative",)
    # A name alone is no way to contact the worker: not offered, as no contact at all.
    named_only, worker = await asked(platform, {**GRIEVANCE, "contact": {"name": "Rahima"}})
    offered = (await worker.client.get(STATUS)).text
    assert f'value="{named_only}/safe-home/narrative">' in offered
    assert f'value="{named_only}/safe-home/contact"' not in offered
    # A report that gives a way to be contacted and no name is offered "How to contact you".
    no_name, worker = await asked(
        platform, {**GRIEVANCE, "contact": {"phone_or_email": "+8801711000002"}}
    )
    offered = (await worker.client.get(STATUS)).text
    contact = translated(platform, "bn", SHARED_FIELDS["contact"])
    assert f'value="{no_name}/safe-home/contact"> {contact}</label>' in offered
    await platform.caught_up(referral_id)
    part = await platform.referral.get(
        f"/v1/partner/referrals/{referral_id}", headers=platform.partner()
    )
    assert part.json()["personal_fields"] == ["narrative"]


async def test_a_declined_request_sends_nothing_and_cannot_be_declined_twice(platform):
    referral_id, worker = await asked(platform)
    declined = await answer(worker, referral_id, "declined", fields=["contact", "narrative"])
    assert declined.status_code == 303, declined.text
    await wait_until(lambda: _last_is(platform, referral_id, "ConsentDeclined"))
    await platform.caught_up(referral_id)
    assert "ReferralSent" not in await platform.log_types(referral_id)
    partner = platform.partner()
    listed = (await platform.referral.get("/v1/partner/referrals", headers=partner)).json()
    assert listed["items"] == []
    read = await platform.referral.get(
        f"/v1/partner/referrals/{referral_id}/personal", headers=partner
    )
    assert read.status_code == 404, read.text
    assert await disclosures(platform, referral_id) == []
    page = (await worker.client.get(declined.headers["location"])).text
    assert page.count(translated(platform, "bn", CONSENT_DECLINED)) == 1
    assert declined.headers["location"].endswith(f"#consent-{referral_id}-safe-home")
    # Declining again is refused as a page, and writes nothing; agreeing is still offered.
    assert 'name="consent" value="declined"' not in page
    assert 'name="consent" value="given"' in page
    stream = await grievance_of(platform, referral_id)
    before = await platform.system.store.stream_version(stream)
    again = await answer(worker, referral_id, "declined")
    assert again.status_code == 409 and "text/html" in again.headers["content-type"]
    assert await platform.system.store.stream_version(stream) == before


async def test_bad_or_foreign_answers_change_nothing(platform):
    referral_id, worker = await asked(platform)
    stream = await grievance_of(platform, referral_id)
    before = await platform.system.store.stream_version(stream)
    unknown = await answer(worker, "referral-00000000-0000-0000-0000-000000000000", "given")
    assert unknown.status_code == 404
    bad = await answer(worker, referral_id, "maybe")
    assert bad.status_code == 422
    # Agreeing to share a field the partner did not ask for: refused, not quietly dropped.
    unasked = await answer(worker, referral_id, "given", fields=["passport"])
    assert unasked.status_code == 422 and unasked.headers["content-type"].startswith("text/html")
    stale = await worker.client.post(
        ANSWER,
        data={
            "csrf": "0" * 64,
            "referral": referral_id,
            "partner": "safe-home",
            "consent": "given",
        },
    )
    assert stale.status_code == 403
    # The address and the form naming two requests, or neither naming one: refused.
    csrf = await worker.csrf(STATUS)
    for address, form in ((f"{ANSWER}?referral=another&partner=safe-home",
                           {"referral": referral_id, "partner": "safe-home"}),
                          (ANSWER, {})):  # fmt: skip
        named = await worker.client.post(address, data={"csrf": csrf, "consent": "given", **form})
        assert named.status_code == 422, named.text
    worker.client.cookies.clear()
    ended = await answer(worker, referral_id, "given")
    assert ended.status_code == 401 and 'name="secret"' in ended.text
    assert await platform.system.store.stream_version(stream) == before
    assert await platform.log_types(referral_id) == [
        "ReferralOpened",
        "SafetyChecked",
        "PartnerSelected",
    ]


async def grievance_of(platform, referral_id: str) -> str:
    opened = (await platform.system.store.read_stream(referral_id))[0].data
    return f"grievance-{opened.grievance_id}"


async def _last_is(platform, stream: str, kind: str) -> bool:
    return (await platform.log_types(stream))[-1] == kind
