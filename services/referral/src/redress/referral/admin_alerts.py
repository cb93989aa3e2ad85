"""Alerts to the tenant's admins when referrals stop reaching a partner: its webhook endpoint
was disabled (days without success, or a 410), or a delivery to it was given up.

The delivery worker tells of both in the transaction that records them (`on_notice`,
`on_given_up`), and each is queued there in `referral.admin_alerts`, under an id of its own:
a notice's, or a delivery's and its attempts'. Nothing else writes the outbox, so no replay,
rebuild or restart queues an alert again. Deliveries given up one after another to one
endpoint are one incident: an alert is queued for the first, while no other is given up.

The sender (`AdminAlertSender`, the kit's mail sender) emails the admins the tenant names
(`AlertRecipientsSet.admins`) the partner's name and id, the endpoint's id, how many
deliveries wait, and the console's page that fixes it: nothing of a referral nor of a worker.
"""

from __future__ import annotations

from datetime import timedelta
from email.message import EmailMessage
from typing import Any
from urllib.parse import urlencode

import asyncpg

from redress.events.store import Conn, read_stream_on
from redress.kit.mail import MailSender, Retries, Transport, smtp_of
from redress.kit.outbox_sender import run_sender
from redress.kit.runtime import Runtime
from redress.kit.settings import Settings
from redress.kit.webhooks import GivenUp, Notice
from redress.referral.console_deliveries import DEAD_LETTERS, endpoint_url
from redress.referral.directory import DIRECTORY
from redress.referral.policies import directory_stream
from redress.tenancy.handlers import read_tenant

ENDPOINT_DISABLED, DELIVERY_GIVEN_UP = "endpoint_disabled", "delivery_given_up"

_QUEUE = """
INSERT INTO referral.admin_alerts
    (alert_id, tenant, kind, partner_id, endpoint_id, detail, held, given_up)
SELECT $1, $2, $3, $4, $5, $6,
       count(*) FILTER (WHERE state IN ('pending', 'dead')),
       count(*) FILTER (WHERE state = 'dead')
FROM referral.webhook_deliveries WHERE endpoint_id = $5
-- A delivery given up while another to the endpoint is given up already: the same incident.
HAVING $7::bigint IS NULL OR count(*) FILTER (WHERE state = 'dead' AND id <> $7) = 0
ON CONFLICT (alert_id) DO NOTHING
"""


async def endpoint_disabled(conn: Conn, notice: Notice) -> None:
    """Queue the alert of an endpoint the delivery disabled (`on_notice`)."""
    await conn.execute(_QUEUE, f"endpoint-disabled:{notice.id}", notice.tenant,
                       ENDPOINT_DISABLED, notice.owner, notice.endpoint_id, notice.detail,
                       None)  # fmt: skip


async def delivery_given_up(conn: Conn, letter: GivenUp) -> None:
    """Queue the alert of a delivery given up (`on_given_up`), unless another to its
    endpoint is given up already; the same delivery given up again after a redelivery is a
    new incident (its attempts say which)."""
    last = await conn.fetchval(
        "SELECT last_error FROM referral.webhook_deliveries WHERE id = $1", letter.delivery_id
    )
    await conn.execute(_QUEUE, f"delivery-given-up:{letter.delivery_id}:{letter.attempts}",
                       letter.tenant, DELIVERY_GIVEN_UP, letter.owner, letter.endpoint_id,
                       last, letter.delivery_id)  # fmt: skip


HOOKS = {"on_notice": endpoint_disabled, "on_given_up": delivery_given_up}
"""What the delivery worker is given, in the service and wherever else it is run."""


def _one_line(text: str) -> str:
    return " ".join(text.split())


def compose(row: dict[str, Any], partner: str, sender: str, to: list[str],
            console_url: str | None) -> EmailMessage:  # fmt: skip
    """The email: the partner, the endpoint, what waits and the console's page, nothing more."""
    pid, endpoint = row["partner_id"], row["endpoint_id"]
    named = f"{_one_line(partner)} ({pid})"
    waiting = f"Deliveries to this endpoint waiting: {row['held']} (given up: {row['given_up']})."
    message = EmailMessage()
    message["From"], message["To"] = sender, ", ".join(to)
    if row["kind"] == ENDPOINT_DISABLED:
        message["Subject"] = f"Webhooks to {named} are disabled"
        page = endpoint_url(pid, endpoint)
        lines = [
            f"The webhook endpoint {endpoint} of the partner {named} was disabled:",
            _one_line(row["detail"] or "") + ".",
            waiting,
            "No referral reaches the partner there until an admin enables the endpoint.",
            "Tell the partner, then enable it on its page in the referral console.",
        ]
    else:
        message["Subject"] = f"A webhook to {named} was given up"
        page = f"{DEAD_LETTERS}?{urlencode({'endpoint': endpoint})}"
        lines = [
            f"A delivery to the webhook endpoint {endpoint} of the partner {named} was given up"
            f" (its last answer: {_one_line(row['detail'] or 'none')}).",
            waiting,
            "The later webhooks of its referral wait until an admin redelivers or skips it.",
        ]
    if console_url:
        lines.append(f"Open it: {console_url.rstrip('/')}{page}")
    lines += ["", "This alert holds no personal data; the deliveries are in the console."]
    message.set_content("\n".join(lines))
    # One id per alert: a mail server or client that sees it twice knows it is a repeat.
    message["Message-ID"] = f"<{row['alert_id'].replace(':', '.')}@redress.alerts>"
    return message


class AdminAlertSender(MailSender):
    def __init__(
        self, pool: asyncpg.Pool, transport: Transport | None, *, sender: str,
        console_url: str | None, retries: Retries | None = None,
        lease: timedelta = timedelta(minutes=2), interval: float = 1.0, io_timeout: float = 5.0,
    ) -> None:  # fmt: skip
        super().__init__(pool, transport, table="referral.admin_alerts", sender=sender,
                         retries=retries, lease=lease, interval=interval,
                         io_timeout=io_timeout)  # fmt: skip
        self.console_url = console_url

    @classmethod
    def of(cls, pool: asyncpg.Pool, settings: Settings) -> AdminAlertSender:
        """Through the mail server the settings name, to the console they name."""
        return cls(pool, smtp_of(settings), sender=settings.smtp_sender,
                   console_url=settings.console_url, io_timeout=settings.io_timeout)  # fmt: skip

    async def recipients(self, conn: Conn, row: dict[str, Any]) -> list[str]:
        # Who is alerted now, as the tenant's stream says (ADR 18), not a read model.
        return list((await read_tenant(conn, row["tenant"])).alert_recipients.admins)

    async def compose(self, conn: Conn, row: dict[str, Any], to: list[str]) -> EmailMessage:
        # The partner's name as the directory's log has it now (ADR 18).
        stream = directory_stream(row["tenant"])
        found = DIRECTORY.fold(stream, await read_stream_on(conn, stream))
        partner = found.partners.get(row["partner_id"])
        name = partner.card.name if partner else row["partner_id"]
        return compose(row, name, self.sender, to, self.console_url)


async def send_admin_alerts(runtime: Runtime) -> None:
    """Referral's background alert sender, through the mail server the settings name."""
    await run_sender(runtime, AdminAlertSender.of(runtime.pool, runtime.settings))
