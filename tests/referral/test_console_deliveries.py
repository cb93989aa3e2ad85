"""The admin's delivery pages over HTTP: dead letters redelivered and skipped with a form each,
an endpoint disabled by its partner's 410 noticed on the queue and directory pages and enabled
again from its page, which shows its health and latest attempts.

The served apps with the relay, a real receiver on loopback verifying every request, and a
worker on the outbox with a clock the test moves (tests.referral.test_deliveries).
"""

from __future__ import annotations

from datetime import timedelta

from redress.referral.policies import directory_stream
from tests.cases.test_console import dd, refusal
from tests.intake.conftest import TENANT
from tests.referral.conftest import stop_delivery
from tests.referral.test_console import alert, page_of, post, staff, text
from tests.referral.test_deliveries import HORIZON, Delivering, receiver, sent_and_updated  # noqa: F401
from tests.referral.test_webhooks import assert_clean, deliveries, endpoint_for

LETTERS = "/console/dead-letters"


def no_script(page: str) -> None:
    """The console's pages run without JavaScript."""
    assert "<script" not in page.lower()


async def test_an_admin_redelivers_and_skips_dead_letters_and_enables_a_disabled_endpoint(
    platform,
    receiver,  # noqa: F811
):
    await stop_delivery(platform.referral_app)
    await platform.register_partners()
    made = await endpoint_for(platform, receiver)
    endpoint = made["endpoint_id"]
    redelivered, skipped = await sent_and_updated(platform), await sent_and_updated(platform)
    heads = {r: (await deliveries(platform, r))[0] for r in (redelivered, skipped)}
    receiver.fail_ids = {h.webhook_id for h in heads.values()}
    out = Delivering(platform)
    directory = directory_stream(TENANT)
    try:
        await out.tick()
        await out.tick(HORIZON)  # both heads are dead letters, each holding one back
        async with staff(platform, platform.admin()) as admin:
            shown = await page_of(admin, LETTERS)
            no_script(shown)
            for head in heads.values():
                row = shown[shown.index(f'data-delivery="{head.id}"') :]
                assert "referral.sent" in row[:400] and "1 later" in row[:1200]
                assert f'id="form-redeliver-{head.id}"' in shown
                assert f'id="form-skip-{head.id}"' in shown
            before = await platform.log_types(directory)

            # A form without the page's CSRF token is refused and changes nothing.
            forged = await admin.post(f"{LETTERS}/{heads[redelivered].id}/redeliver",
                                      data={"csrf": "f" * 64})  # fmt: skip
            assert forged.status_code == 403 and refusal(forged) == "csrf"
            assert await platform.log_types(directory) == before

            answer = await post(admin, LETTERS, f"{LETTERS}/{heads[redelivered].id}/redeliver",
                                {"back": LETTERS})  # fmt: skip
            assert answer.status_code == 303, answer.text
            shown = await page_of(admin, answer.headers["location"])
            assert 'id="notice"' in shown and "sent again now" in text(shown)
            answer = await post(admin, LETTERS, f"{LETTERS}/{heads[skipped].id}/skip")
            assert answer.status_code == 303, answer.text
            shown = await page_of(admin, answer.headers["location"])
            assert "was skipped" in text(shown) and 'data-delivery="' not in shown
            # Once more: not a dead letter any more, the page says so with a 409.
            again = await post(admin, LETTERS, f"{LETTERS}/{heads[skipped].id}/skip")
            assert again.status_code == 409 and "not a dead letter" in alert(again.text)
            assert await platform.log_types(directory) == [
                *before, "DeadLetterRedelivered", "DeadLetterSkipped"]  # fmt: skip

        receiver.fail_ids, receiver.status = set(), 410  # the partner now wants no webhooks
        await out.tick()
        async with staff(platform, platform.token()) as officer:
            queue = await page_of(officer, "/console")
            no_script(queue)
            notice = text(queue[queue.index('id="delivery-notices"') :])
            assert "Safe Home Dhaka gets no webhooks" in notice and "410" in notice
            assert "An admin of the initiative can enable it" in notice
            assert f"/endpoints/{endpoint}" not in queue  # not the officer's to fix
            refused = await officer.get(f"/console/partners/safe-home/endpoints/{endpoint}")
            assert refused.status_code == 403 and refusal(refused) == "forbidden"
        async with staff(platform, platform.admin()) as admin:
            for page in ("/console/partners", "/console/partners/safe-home"):
                shown = await page_of(admin, page)
                assert f'href="/console/partners/safe-home/endpoints/{endpoint}"' in shown
                assert 'id="delivery-notices"' in shown
            assert 'data-health="disabled"' in shown
            page = f"/console/partners/safe-home/endpoints/{endpoint}"
            shown = await page_of(admin, page)
            no_script(shown)
            assert dd(shown, "health").startswith("Disabled")
            assert "410" in dd(shown, "disabled-reason")
            attempts = text(shown[shown.index('id="attempt-list"') :])
            assert "HTTP 410" in attempts and "HTTP 500" in attempts and " ms" in attempts
            assert "whsec_" not in shown and "referral.sent" in attempts

            receiver.status = 204  # the partner fixed its side
            answer = await post(admin, page, f"{page}/enable")
            assert answer.status_code == 303, answer.text
            shown = await page_of(admin, answer.headers["location"])
            assert 'id="notice"' in shown and 'id="form-enable"' not in shown
            assert 'id="delivery-notices"' not in await page_of(admin, "/console/partners")
            again = await post(admin, page, f"{page}/enable")
            assert again.status_code == 409 and "not disabled" in alert(again.text)
            await out.tick()
            await out.tick(timedelta(seconds=1))
            assert dd(await page_of(admin, page), "health").startswith("Healthy")
        assert (await platform.log_types(directory)).count("WebhookEndpointEnabled") == 1
    finally:
        await out.worker.close()
    assert_clean(receiver)
    told = {r: [b["type"] for b in receiver.processed if b["subject"] == r]
            for r in (redelivered, skipped)}  # fmt: skip
    assert told == {redelivered: ["referral.sent", "referral.updated"],
                    skipped: ["referral.updated"]}  # fmt: skip
    assert heads[skipped].webhook_id not in receiver.seen


async def test_a_referrals_page_tells_officers_whether_its_partner_has_its_messages(
    platform,
    receiver,  # noqa: F811
):
    await stop_delivery(platform.referral_app)
    await platform.register_partners()
    await endpoint_for(platform, receiver)
    referral_id = await sent_and_updated(platform)
    head = (await deliveries(platform, referral_id))[0]
    receiver.fail_ids = {head.webhook_id}
    out = Delivering(platform)
    page = f"/console/referrals/{referral_id}"
    try:
        await out.tick()
        async with staff(platform, platform.token()) as officer:
            said = dd(await page_of(officer, page), "messages-safe-home")
            assert said.startswith("0 delivered")
            assert "referral.sent not delivered yet: 1 attempt since" in text(said)
            assert "the last answered 500; next try" in text(said)
            await out.tick(HORIZON)  # given up, the update held behind it
            said = text(dd(await page_of(officer, page), "messages-safe-home"))
            assert (
                "referral.sent given up after 2 attempts, the last answered 500, 1 later message "
                "waits behind it: an admin can send it again from the dead letters, or call the "
                "partner"
            ) in said
            # The one held behind it is tried no more: no next try is promised for it.
            held = "referral.updated not delivered yet: it waits behind the message given up"
            assert held in said and "next try" not in said
        async with staff(platform, platform.admin()) as admin:
            await post(admin, LETTERS, f"{LETTERS}/{head.id}/redeliver")
        receiver.fail_ids = set()
        await out.tick()
        async with staff(platform, platform.token()) as officer:
            said = text(dd(await page_of(officer, page), "messages-safe-home"))
            assert said.startswith("2 delivered, the last ") and "given up" not in said
    finally:
        await out.worker.close()
    assert_clean(receiver)
