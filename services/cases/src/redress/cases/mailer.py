"""The alert sender: takes due alerts from `cases.mail_alerts` and emails them to the
tenant's officers and supervisors, through the kit's mail sender (`redress.kit.mail`: leased
claims, a deadline on every wait, backoff, /health degraded while the server fails, skipped
without a server or recipients)."""

from __future__ import annotations

from datetime import timedelta
from email.message import EmailMessage
from typing import Any

import asyncpg

from redress.cases.mail_alerts import Alert, compose
from redress.events.store import Conn
from redress.kit.mail import MailSender, Retries, Smtp, Transport, smtp_of
from redress.kit.outbox_sender import run_sender
from redress.kit.runtime import Runtime
from redress.kit.settings import Settings
from redress.tenancy.handlers import read_tenant

__all__ = ["AlertSender", "Retries", "Smtp", "alert_sender", "send_alerts"]


class AlertSender(MailSender):
    def __init__(
        self,
        pool: asyncpg.Pool,
        transport: Transport | None,
        *,
        sender: str,
        console_url: str | None,
        retries: Retries | None = None,
        lease: timedelta = timedelta(minutes=2),
        interval: float = 1.0,
        io_timeout: float = 5.0,
    ) -> None:
        super().__init__(pool, transport, table="cases.mail_alerts", sender=sender,
                         retries=retries, lease=lease, interval=interval,
                         io_timeout=io_timeout)  # fmt: skip
        self.console_url = console_url

    async def recipients(self, conn: Conn, row: dict[str, Any]) -> list[str]:
        # Who is alerted now, as the tenant's stream says (ADR 18), not a read model.
        chosen = (await read_tenant(conn, row["tenant"])).alert_recipients
        return [*chosen.officers, *chosen.supervisors]

    async def compose(self, conn: Conn, row: dict[str, Any], to: list[str]) -> EmailMessage:
        alert = Alert(row["alert_id"], row["kind"], row["case_id"], row["stage"], row["due_on"])
        return compose(alert, self.sender, to, self.console_url)


def alert_sender(runtime: Runtime) -> AlertSender:
    settings: Settings = runtime.settings
    return AlertSender(
        runtime.pool, smtp_of(settings), sender=settings.smtp_sender,
        console_url=settings.console_url, io_timeout=settings.io_timeout,
    )  # fmt: skip


async def send_alerts(runtime: Runtime) -> None:
    """Cases' background alert sender, through the mail server the settings name."""
    await run_sender(runtime, alert_sender(runtime))
