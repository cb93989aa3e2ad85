"""Admins are emailed when referrals stop reaching a partner: a delivery given up, an endpoint
disabled. Once per incident, through a real SMTP server on loopback (aiosmtpd), naming the
partner and the endpoint and linking to the console, without a word of the worker's.

The served apps with the relay send real referrals to a real receiver on loopback; a worker
on the outbox with a clock the test moves delivers them, given what the service gives its
own worker (tests.referral.test_deliveries), except where the service's own worker is meant.
"""

from __future__ import annotations

import asyncio
import contextlib
from datetime import UTC, datetime, timedelta
from email import message_from_bytes

from redress.events.timers import FixedClock
from redress.kit.mail import Retries, Smtp
from redress.kit.webhooks import Deliverer
from redress.kit.webhooks.service import webhooks_for
from redress.referral.admin_alerts import HOOKS, AdminAlertSender
from tests.cases.test_alerts import Inbox, inbox  # noqa: F401
from tests.events.helpers import wait_until
from tests.referral.conftest import stop_delivery
from tests.referral.test_deliveries import HORIZON, receiver, sent_and_updated  # noqa: F401
from tests.referral.test_webhooks import PRIVATE, deliveries, endpoint_for

ADMINS = ["root@acme.example", "ops@acme.example"]
OFFICERS = ["officer@acme.example"]
CONSOLE = "https://referral.acme.example"


class Delivering:
    """The outbox delivered on a clock the test moves, by a worker given the service's
    hooks."""

    def __init__(self, platform) -> None:
        self.hooks = webhooks_for("referral", platform.settings)
        self.clock = FixedClock(datetime.now(UTC))
        self.hooks.clock = self.clock
        self.worker = Deliverer(platform.system.pool, self.hooks, interval=0.05, **HOOKS)

    async def tick(self, after: timedelta = timedelta(0)) -> int:
        self.clock.at += after
        return await self.worker.tick()


async def stop_sender(platform) -> None:
    """Stop the service's own alert sender, so that only the test's takes the alerts."""
    runtime = platform.referral_app.state.runtime
    for task in [t for t in runtime.tasks if t.get_name() == "referral.send_admin_alerts"]:
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await task


def sender_to(platform, inbox: Inbox) -> AdminAlertSender:  # noqa: F811
    """A sender to the loopback server, tried again at once after a failure."""
    smtp = Smtp("127.0.0.1", inbox.port, False, None, None, timeout=5.0)
    return AdminAlertSender(platform.system.pool, smtp, sender="alerts@acme.example",
                            console_url=CONSOLE, retries=Retries(first=timedelta(0)))  # fmt: skip


async def name_recipients(platform, admins: list[str]) -> None:
    chosen = {"officers": OFFICERS, "supervisors": [], "admins": admins}
    answer = await platform.intake.put("/v1/tenant/alert-recipients", headers=platform.admin(),
                                       json=chosen)  # fmt: skip
    assert answer.status_code == 200, answer.text


async def alert_states(platform) -> list[tuple[str, str | None]]:
    async with platform.system.pool.acquire() as conn:
        rows = await conn.fetch(
            "SELECT state, reason FROM referral.admin_alerts ORDER BY queued_at"
        )
    return [(r["state"], r["reason"]) for r in rows]


def mail_of(raw: bytes, *referrals: str) -> tuple[str, str]:
    """The subject and body; nothing of the worker, nor which referrals wait, in the bytes."""
    for word in (*PRIVATE, "Rahima", "passports", *referrals):
        assert word.encode() not in raw, word
    mail = message_from_bytes(raw)
    return mail["Subject"], mail.get_payload(decode=True).decode()


async def test_a_delivery_given_up_and_an_endpoint_disabled_each_email_the_admins_once(
    platform,
    receiver,  # noqa: F811
    inbox,  # noqa: F811
):
    await stop_delivery(platform.referral_app)
    await stop_sender(platform)
    await name_recipients(platform, ADMINS)
    await platform.register_partners()
    endpoint = (await endpoint_for(platform, receiver))["endpoint_id"]
    first, second = await sent_and_updated(platform), await sent_and_updated(platform)
    receiver.fail_ids = {(await deliveries(platform, r))[0].webhook_id for r in (first, second)}
    out, sender = Delivering(platform), sender_to(platform, inbox)
    try:
        await out.tick()
        assert await sender.tick() == 0  # failing, retried: nothing to tell anyone yet
        await out.tick(HORIZON)  # both heads given up at once: one incident, one alert
        assert await sender.tick() == 1 and await sender.tick() == 0
        ((to, raw),) = inbox.received
        assert sorted(to) == sorted(ADMINS)  # the admins, not the officers
        subject, body = mail_of(raw, first, second)
        assert subject == "A webhook to Safe Home Dhaka (safe-home) was given up"
        assert f"endpoint {endpoint} of the partner Safe Home Dhaka (safe-home)" in body
        assert "Deliveries to this endpoint waiting: 4 (given up: 1)." in body
        assert "HTTP 500" in body
        assert f"{CONSOLE}/console/dead-letters?endpoint={endpoint}" in body

        # A restarted sender, and delivery going on: nothing more is sent.
        again = sender_to(platform, inbox)
        await out.tick(timedelta(hours=6))
        assert await again.tick() == 0 and len(inbox.received) == 1

        # The partner now answers 410: the endpoint is disabled, a second incident.
        receiver.fail_ids, receiver.status = set(), 410
        third = await sent_and_updated(platform)
        await out.tick()
        assert await again.tick() == 1
        to, raw = inbox.received[1]
        assert sorted(to) == sorted(ADMINS)
        subject, body = mail_of(raw, first, second, third)
        assert subject == "Webhooks to Safe Home Dhaka (safe-home) are disabled"
        assert "410" in body and f"endpoint {endpoint} of the partner" in body
        assert "Deliveries to this endpoint waiting: 6 (given up: 2)." in body
        assert f"{CONSOLE}/console/partners/safe-home/endpoints/{endpoint}" in body
        await out.tick(timedelta(days=6))
        assert await sender.tick() == 0 and await again.tick() == 0
    finally:
        await out.worker.close()
    assert len(inbox.received) == 2
    assert await alert_states(platform) == [("sent", None), ("sent", None)]


async def test_a_failing_mail_server_shows_degraded_and_the_alert_goes_once_it_is_back(
    platform,
    receiver,  # noqa: F811
    inbox,  # noqa: F811
):
    """The service's own delivery worker disables the endpoint and queues the alert."""
    await stop_sender(platform)
    await name_recipients(platform, ADMINS)
    await platform.register_partners()
    await endpoint_for(platform, receiver)
    receiver.status = 410
    await sent_and_updated(platform)

    async def queued() -> bool:
        return len(await alert_states(platform)) == 1

    await wait_until(queued, timeout=30)
    settings = platform.settings.model_copy(update={
        "smtp_host": "127.0.0.1", "smtp_port": inbox.port, "smtp_starttls": False,
        "console_url": CONSOLE})  # fmt: skip
    sender = AdminAlertSender.of(platform.system.pool, settings)  # as the service makes it
    sender.retries = Retries(first=timedelta(0))
    runtime = platform.referral_app.state.runtime
    runtime.background.append(sender.trouble)
    inbox.failing = True
    assert await sender.tick() == 1
    assert inbox.received == [] and await alert_states(platform) == [("pending", "SMTPDataError")]
    health = (await platform.referral.get("/health")).json()
    assert health["status"] == "degraded"
    assert any(b["task"] == "referral.admin_alerts" and b["status"] == "degraded"
               and "SMTP" in b["reason"] for b in health["background"])  # fmt: skip
    inbox.failing = False
    assert await sender.tick() == 1
    assert len(inbox.received) == 1 and sender.trouble.as_status()["status"] == "ok"
    assert "are disabled" in message_from_bytes(inbox.received[0][1])["Subject"]
    assert await sender.tick() == 0 and len(inbox.received) == 1


async def test_without_admins_or_a_mail_server_alerts_are_skipped_and_logged_without_data(
    platform,
    receiver,  # noqa: F811
    inbox,  # noqa: F811
    capsys,
):
    await stop_delivery(platform.referral_app)
    await stop_sender(platform)
    await name_recipients(platform, [])  # officers only: no admin to alert
    await platform.register_partners()
    endpoint = (await endpoint_for(platform, receiver))["endpoint_id"]
    receiver.status = 410
    referral = await sent_and_updated(platform)
    out = Delivering(platform)
    try:
        await out.tick()
        assert await sender_to(platform, inbox).tick() == 1
        assert inbox.received == [] and await alert_states(platform) == [
            ("skipped", "no recipients")]  # fmt: skip

        # Enabled again, it answers 410 again: a new incident, with no mail server now.
        await name_recipients(platform, ADMINS)
        enabled = await platform.referral.post(
            f"/v1/partners/safe-home/endpoints/{endpoint}/enable", headers=platform.admin()
        )
        assert enabled.status_code == 200, enabled.text
        assert await out.tick(timedelta(minutes=1)) == 1  # what waited is due: 410 again
        unsent = AdminAlertSender(platform.system.pool, None, sender="alerts@acme.example",
                                  console_url=CONSOLE)  # fmt: skip
        assert await unsent.tick() == 1 and await unsent.tick() == 0
    finally:
        await out.worker.close()
    assert inbox.received == []
    assert await alert_states(platform) == [("skipped", "no recipients"),
                                            ("skipped", "no mail server")]  # fmt: skip
    out = capsys.readouterr()
    logged = [line for line in (out.out + out.err).splitlines() if "alert skipped" in line]
    assert sum("endpoint-disabled:" in line for line in logged) == 2
    for word in (*PRIVATE, referral, "Safe Home"):
        assert word not in "".join(logged), word
