"""Email alerts to staff, sent from an outbox table through the deployment's mail server.

A service queues alerts as rows of its own outbox (`<schema>.<table>`, ADR 33) and runs a
`MailSender` over it as background work (`redress.kit.outbox_sender.run_sender`); the
subclass says who is alerted and what the message says. The outbox has these columns,
whatever else it holds: `alert_id` (its key), `tenant`, `kind`, `state` (`pending`, `sent`
or `skipped`), `attempts`, `next_try`, `settled_at` and `reason`.

Any number of senders may run (claims are leased with SKIP LOCKED). Every wait on the mail
server has a deadline; a server that fails leaves the alert pending, tried again with
backoff, and /health says the sender is degraded until an alert goes through. An alert is
marked sent in the transaction after the server took it; a sender that dies between the two
sends it again once its lease runs out, under the same Message-ID.

Without a mail server (`REDRESS_SMTP_HOST` unset, as in `redress dev`), or with nobody to
alert, alerts are settled as skipped and logged by id and kind only.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import timedelta
from email.message import EmailMessage
from typing import Any, Protocol

import aiosmtplib
import asyncpg
import structlog

from redress.events.store import Conn
from redress.kit.outbox_sender import Backoff, OutboxSender
from redress.kit.settings import Settings


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


def smtp_of(settings: Settings) -> Smtp | None:
    """The mail server the settings name; None when they name none."""
    if not settings.smtp_host:
        return None
    password = settings.smtp_password.get_secret_value() if settings.smtp_password else None
    return Smtp(settings.smtp_host, settings.smtp_port, settings.smtp_starttls,
                settings.smtp_user, password, settings.io_timeout)  # fmt: skip


@dataclass(frozen=True)
class Retries(Backoff):
    """10 s, 40 s, 160 s, ... at most 30 min between tries."""

    first: timedelta = timedelta(seconds=10)
    factor: float = 4.0
    cap: timedelta = timedelta(minutes=30)


_CLAIM = """
UPDATE {t} a SET attempts = a.attempts + 1, next_try = now() + $2::interval
FROM (SELECT alert_id FROM {t} WHERE state = 'pending' AND next_try <= now()
      ORDER BY next_try LIMIT $1 FOR UPDATE SKIP LOCKED) due
WHERE a.alert_id = due.alert_id
RETURNING a.*
"""
_SETTLE = """UPDATE {t} SET state = $2, settled_at = now(), reason = $3
             WHERE alert_id = $1 AND state = 'pending'"""
_LATER = "UPDATE {t} SET next_try = now() + $2::interval, reason = $3 WHERE alert_id = $1"


class MailSender(OutboxSender):
    """Sends the alerts of the outbox `table` (schema-qualified); a subclass names the
    recipients and composes the message, each read on a connection of the pool that is
    given back before the mail server is spoken to."""

    def __init__(
        self,
        pool: asyncpg.Pool,
        transport: Transport | None,
        *,
        table: str,
        sender: str,
        retries: Retries | None = None,
        lease: timedelta = timedelta(minutes=2),
        interval: float = 1.0,
        io_timeout: float = 5.0,
    ) -> None:
        # Shown on /health: degraded while the mail server fails.
        super().__init__(pool, trouble=table, lease=lease, interval=interval,
                         io_timeout=io_timeout)  # fmt: skip
        self.transport, self.table, self.sender = transport, table, sender
        self.retries = retries or Retries()
        self.log = structlog.get_logger(f"redress.{table}")

    async def recipients(self, conn: Conn, row: dict[str, Any]) -> list[str]:
        """Who is alerted of `row`, each once; empty: nobody, and the alert is skipped."""
        raise NotImplementedError

    async def compose(self, conn: Conn, row: dict[str, Any], to: list[str]) -> EmailMessage:
        """The message of `row` to `to`, with a Message-ID of its own."""
        raise NotImplementedError

    async def claim(self, conn: Conn) -> Sequence[Any]:
        return await conn.fetch(
            _CLAIM.format(t=self.table), self.batch, self.lease, timeout=self.io_timeout
        )

    async def attempt(self, row: dict[str, Any]) -> None:
        alert_id, kind = row["alert_id"], row["kind"]
        async with self.pool.acquire() as conn:
            to = list(dict.fromkeys(await self.recipients(conn, row)))
            message = await self.compose(conn, row, to) if to and self.transport else None
        if self.transport is None or message is None:
            reason = "no mail server" if self.transport is None else "no recipients"
            self.log.info("alert skipped", alert=alert_id, kind=kind, reason=reason)
            return await self._settle(alert_id, "skipped", reason)
        try:
            await self.transport.send(message)
        except (aiosmtplib.SMTPException, OSError, TimeoutError) as exc:
            self.trouble.report(exc)
            wait = self.retries.after(row["attempts"])
            async with self.pool.acquire() as conn:
                await conn.execute(_LATER.format(t=self.table), alert_id, wait,
                                   type(exc).__name__, timeout=self.io_timeout)  # fmt: skip
            return None
        self.trouble.clear()
        self.log.info("alert sent", alert=alert_id, kind=kind, recipients=len(to))
        return await self._settle(alert_id, "sent", None)

    async def _settle(self, alert_id: str, state: str, reason: str | None) -> None:
        async with self.pool.acquire() as conn:
            await conn.execute(
                _SETTLE.format(t=self.table), alert_id, state, reason, timeout=self.io_timeout
            )
