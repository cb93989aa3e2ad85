"""The alert sender: takes due alerts from `cases.mail_alerts` and emails them.

Any number of senders may run (claims are leased with SKIP LOCKED). Every wait on the mail
server has a deadline; a server that fails leaves the alert pending, tried again with
backoff, and /health says the sender is degraded until an alert goes through. An alert is
marked sent in the transaction after the server took it; a sender that dies between the two
sends it again once its lease runs out, under the same Message-ID.

Without a mail server (`REDRESS_SMTP_HOST` unset, as in `redress dev`), alerts are settled
as skipped and logged by id and kind only.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from datetime import timedelta
from email.message import EmailMessage
from typing import Any, Protocol

import aiosmtplib
import asyncpg
import structlog

from redress.cases.mail_alerts import Alert, compose
from redress.events.recovery import Trouble, working
from redress.kit.runtime import Runtime
from redress.kit.settings import Settings
from redress.tenancy.handlers import read_tenant

log = structlog.get_logger("redress.cases.mail_alerts")


class Transport(Protocol):
    async def send(self, message: EmailMessage) -> None: ...


@dataclass(frozen=True)
class Smtp:
    """The configured mail server; `timeout` bounds each connect, command and reply."""

    host: str
    port: int
    starttls: bool
    user: str | None
    password: str | None
    timeout: float

    async def send(self, message: EmailMessage) -> None:
        await aiosmtplib.send(
            message, hostname=self.host, port=self.port, start_tls=self.starttls,
            username=self.user, password=self.password, timeout=self.timeout,
        )  # fmt: skip


@dataclass(frozen=True)
class Retries:
    """10 s, 40 s, 160 s, ... at most 30 min between tries."""

    first: timedelta = timedelta(seconds=10)
    factor: float = 4.0
    cap: timedelta = timedelta(minutes=30)

    def after(self, attempts: int) -> timedelta:
        return min(self.cap, self.first * self.factor ** min(attempts - 1, 20))


_CLAIM = """
UPDATE cases.mail_alerts a SET attempts = a.attempts + 1, next_try = now() + $2::interval
FROM (SELECT alert_id FROM cases.mail_alerts WHERE state = 'pending' AND next_try <= now()
      ORDER BY next_try LIMIT $1 FOR UPDATE SKIP LOCKED) due
WHERE a.alert_id = due.alert_id
RETURNING a.*
"""
_SETTLE = """UPDATE cases.mail_alerts SET state = $2, settled_at = now(), reason = $3
             WHERE alert_id = $1 AND state = 'pending'"""


class AlertSender:
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
        self.pool, self.transport = pool, transport
        self.sender, self.console_url = sender, console_url
        self.retries = retries or Retries()
        self.lease, self.interval, self.io_timeout = lease, interval, io_timeout
        # Connections are taken without a timeout of our own: the pool's deadline tells a
        # burst of requests from an outage (redress.kit.pools).
        # Shown on /health: degraded while the mail server fails.
        self.trouble = Trouble("cases.mail_alerts")

    async def run(self) -> None:
        while True:
            tried = await self.tick()
            working()  # the outbox was read: an outage its supervisor reported is over
            if not tried:
                await asyncio.sleep(self.interval)

    async def tick(self) -> int:
        """Try the alerts that are due now; how many were tried."""
        async with self.pool.acquire() as conn:
            rows = await conn.fetch(_CLAIM, 20, self.lease, timeout=self.io_timeout)
        for row in rows:
            await self._attempt(dict(row))
        return len(rows)

    async def _attempt(self, row: dict[str, Any]) -> None:
        alert = Alert(row["alert_id"], row["kind"], row["case_id"], row["stage"], row["due_on"])
        async with self.pool.acquire() as conn:
            # Who is alerted now, as the tenant's stream says (ADR 18), not a read model.
            chosen = (await read_tenant(conn, row["tenant"])).alert_recipients
        to = list(dict.fromkeys([*chosen.officers, *chosen.supervisors]))
        if self.transport is None or not to:
            reason = "no mail server" if self.transport is None else "no recipients"
            log.info("alert skipped", alert=alert.alert_id, kind=alert.kind, reason=reason)
            return await self._settle(alert.alert_id, "skipped", reason)
        try:
            await self.transport.send(compose(alert, self.sender, to, self.console_url))
        except (aiosmtplib.SMTPException, OSError, TimeoutError) as exc:
            self.trouble.report(exc)
            wait = self.retries.after(row["attempts"])
            async with self.pool.acquire() as conn:
                await conn.execute(
                    "UPDATE cases.mail_alerts SET next_try = now() + $2::interval, reason = $3 "
                    "WHERE alert_id = $1", alert.alert_id, wait, type(exc).__name__,
                )  # fmt: skip
            return None
        self.trouble.clear()
        log.info("alert sent", alert=alert.alert_id, kind=alert.kind, recipients=len(to))
        return await self._settle(alert.alert_id, "sent", None)

    async def _settle(self, alert_id: str, state: str, reason: str | None) -> None:
        async with self.pool.acquire() as conn:
            await conn.execute(_SETTLE, alert_id, state, reason, timeout=self.io_timeout)


def alert_sender(runtime: Runtime) -> AlertSender:
    settings: Settings = runtime.settings
    transport = None
    if settings.smtp_host:
        password = settings.smtp_password.get_secret_value() if settings.smtp_password else None
        transport = Smtp(settings.smtp_host, settings.smtp_port, settings.smtp_starttls,
                         settings.smtp_user, password, settings.io_timeout)  # fmt: skip
    return AlertSender(
        runtime.pool, transport, sender=settings.smtp_sender, console_url=settings.console_url,
        io_timeout=settings.io_timeout,
    )  # fmt: skip


async def send_alerts(runtime: Runtime) -> None:
    """Cases' background alert sender, through the mail server the settings name."""
    sender = alert_sender(runtime)
    runtime.background.append(sender.trouble)
    try:
        await sender.run()
    finally:
        runtime.background.remove(sender.trouble)
