"""A worker asked for their consent on the phone, at the hotline desk: the operator opens the
worker's receipt, reads the request out in Bengali, ticks what the worker agrees to share and
records the answer; referral records consent given by the worker on the phone. A second
answer the request no longer takes is refused beside its form, and the worker later
withdraws their agreement the same way.
"""

from __future__ import annotations

from types import SimpleNamespace

from redress.intake.filing import grievance_stream
from redress.intake.texts import (
    CONSENT_QUESTION,
    CONTACT_WITH_NAME,
    MAY_WITHDRAW,
    SHARED_FIELDS,
    STILL_HELPING,
)
from tests.events.helpers import wait_until
from tests.intake.test_desk import DESK, call_held, open_receipt, operator, recorded, send
from tests.referral.test_consent_by_phone import _last_is, asked, bn


def served(platform) -> SimpleNamespace:
    """The served intake app as the desk's helpers take it."""
    return SimpleNamespace(app=platform.intake_app, signer=platform.signer, system=platform.system)


async def test_the_desk_records_the_workers_consent_given_on_the_phone(platform):
    referral_id, receipt, _ = await asked(platform)
    intake = served(platform)
    form = f"consent/{referral_id}/safe-home"
    async with operator(intake, "operator-7") as client:
        assert (await open_receipt(client, **receipt)).status_code == 303
        assert call_held(intake, client)["g"] == platform.filed["grievance_id"]
        page = (await client.get(f"{DESK}/call")).text
        # What the status page shows, in the worker's language, for the operator to read out.
        assert 'id="due">' in page  # the case is open: its stage is due on a day
        assert "<bdi>Safe Home Dhaka</bdi>" in page and 'dir="ltr">আশ্রয়কেন্দ্র<' in page
        assert bn(CONSENT_QUESTION) in page
        for field, words in (("narrative", SHARED_FIELDS["narrative"]),
                             ("contact", CONTACT_WITH_NAME)):  # fmt: skip
            assert f'name="fields" value="{field}">' in page and bn(words) in page
        assert 'value="given"' in page and 'value="declined"' in page
        assert 'value="revoked"' not in page

        # The worker agrees to their contact details, not to what they wrote.
        page = await recorded(client, form, answer="given", fields="contact")
        assert "the worker agrees" in page
        await wait_until(lambda: _last_is(platform, referral_id, "ReferralSent"))
        given = (await platform.system.store.read_stream(referral_id))[-2]
        assert (given.type, given.data.given_by, given.data.channel, given.data.fields) == (
            "ConsentGiven", "worker", "phone", ("contact",),
        )  # fmt: skip
        grievance = grievance_stream(platform.filed["grievance_id"])
        answered = (await platform.system.store.read_stream(grievance))[-1]
        assert (answered.type, answered.actor.role) == ("ReferralConsentAnswered", "operator")

        async def agreed_shown() -> bool:
            shown = (await client.get(f"{DESK}/call")).text
            return 'value="revoked"' in shown

        await wait_until(agreed_shown)
        shown = (await client.get(f"{DESK}/call")).text
        # What the worker agreed to, in their words, and what the page says of it, to read out.
        assert f'dir="ltr">{bn(CONTACT_WITH_NAME)}</span></dd>' in shown
        assert "SharedField" not in shown and bn(MAY_WITHDRAW) in shown
        # Withdrawing the report would not end the shelter's help: read out before it.
        asked_first = (await client.get(f"{DESK}/call/withdrawal")).text
        assert bn(STILL_HELPING) in asked_first and 'id="read-out"' in asked_first
        # A no, once the worker agreed, is refused beside the request's form; nothing written.
        before = await platform.system.store.stream_version(grievance)
        refused = await send(client, f"{DESK}/call", f"{DESK}/call/{form}", answer="declined")
        assert refused.status_code == 409 and "The worker&#39;s answer was refused" in refused.text
        assert await platform.system.store.stream_version(grievance) == before

        await recorded(client, form, answer="revoked")
        await wait_until(lambda: _last_is(platform, referral_id, "ConsentRevoked"))
        withdrawn = (await platform.system.store.read_stream(referral_id))[-1]
        assert withdrawn.data.channel == "phone"
