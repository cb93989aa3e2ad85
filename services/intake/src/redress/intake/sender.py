"""The sender: takes due texts from the outbox, checks consent again, sends, and records.

Any number of senders may run (claims are leased with SKIP LOCKED). A text is sent only
while the worker allows contact and only to the number they gave, opened in memory just
before the call. Passing failures are tried again with backoff until `horizon`; then, or on a
refusal, the text is given up (`TextNotSent`). The provider's answer and the event that
records it (`WorkerTexted`) land together with the row's state, so a restart never sends a
text twice; a sender that dies in the call leaves a lease that runs out, and the text goes
again under the same key, which the provider may use to drop the repeat (ADR 0025). The
loop that claims and tries is the kit's (`redress.kit.outbox_sender`), as for email alerts.
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

import asyncpg
import structlog

from redress.events.catalogue.grievance import GrievanceSubmitted, Sealed
from redress.events.catalogue.texts import TextKind, TextNotSent, WorkerTexted
from redress.events.envelope import SYSTEM, Event, EventData, Metadata
from redress.events.errors import ConcurrencyError
from redress.events.store import Conn, EventStore, read_stream_on
from redress.intake.context import Intake
from redress.intake.domain import Status, fold
from redress.intake.filing import grievance_stream
from redress.intake.lookup_keys import number_keys
from redress.intake.phones import contact_number
from redress.intake.provider import Outcome, Provider, TwilioStyle
from redress.intake.segments import segment
from redress.intake.sms_texts import render
from redress.kit.outbox_sender import Backoff, OutboxSender, run_sender
from redress.kit.runtime import Runtime
from redress.tenancy.handlers import read_tenant

log = structlog.get_logger("redress.intake.texts")
SENDER = SYSTEM


@dataclass(frozen=True)
class Retries(Backoff):
    """15 s, 1 min, 4 min, 16 min, then hourly, for a day; a provider's Retry-After wins."""

    first: timedelta = timedelta(seconds=15)
    factor: float = 4.0
    cap: timedelta = timedelta(hours=1)
    horizon: timedelta = timedelta(days=1)


class TextSender(OutboxSender):
    def __init__(
        self,
        pool: asyncpg.Pool,
        store: EventStore,
        intake: Intake,
        provider: Provider,
        *,
        status_url: Callable[[str], str | None] = lambda _: None,
        retries: Retries | None = None,
        lease: timedelta = timedelta(minutes=2),
        interval: float = 1.0,
        batch: int = 20,
        io_timeout: float = 5.0,
    ) -> None:
        # Shown on /health: degraded while the provider fails.
        super().__init__(pool, trouble="intake.texts", lease=lease, interval=interval,
                         batch=batch, io_timeout=io_timeout)  # fmt: skip
        self.store, self.intake, self.provider = store, intake, provider
        self.status_url = status_url
        self.retries = retries or Retries()

    async def claim(self, conn: Conn) -> Sequence[Any]:
        return await conn.fetch(
            """UPDATE intake.texts t SET state = 'sending', attempts = t.attempts + 1,
                   lease_until = now() + $2::interval
               FROM (SELECT text_id FROM intake.texts
                     WHERE state IN ('pending', 'sending') AND due_at <= now()
                       AND (state = 'pending' OR lease_until < now())
                     ORDER BY due_at LIMIT $1 FOR UPDATE SKIP LOCKED) due
               WHERE t.text_id = due.text_id
               RETURNING t.*, (SELECT language FROM intake.followers f
                               WHERE f.grievance_id = t.grievance_id) AS language,
                              (SELECT reference FROM intake.followers f
                               WHERE f.grievance_id = t.grievance_id) AS reference""",
            self.batch, self.lease, timeout=self.io_timeout,
        )  # fmt: skip

    async def attempt(self, row: dict[str, Any]) -> None:
        kind = TextKind(row["kind"])
        stream = grievance_stream(row["grievance_id"])
        async with self.pool.acquire() as conn:
            history = await read_stream_on(conn, stream)
            state = fold([e.data for e in history])
            submitted = next((e.data for e in history if isinstance(e.data, GrievanceSubmitted)),
                             None)  # fmt: skip
            # Consent is read again now: the worker may have stopped contact since. A withdrawn
            # report is not texted about (a lost receipt still reaches its worker).
            ended = state.status is Status.withdrawn and kind is not TextKind.receipt
            if submitted is None or not state.contact_me or state.status is Status.erased or ended:
                return await self._settle(conn, row, "skipped")
            phone = await contact_number(conn, self.intake, submitted.personal)
            if phone is None:
                return await self._settle(conn, row, "skipped")
            params = json.loads(row["params"])
            params.setdefault("reference", row["reference"] or "")
            if kind is TextKind.question:  # the number as it is now, not when it was queued
                params["hotline"] = (await read_tenant(conn, row["tenant"])).hotline or ""
            for field, name in (("sealed", "text"), ("sealed_secret", "secret")):
                if field in params:
                    opened = await self.intake.keyring.open(
                        conn, Sealed.model_validate(params.pop(field))
                    )
                    params[name] = opened.decode() if opened else ""
        language = row["language"] or submitted.language
        body = render(kind, params, self.intake.pages.gettext(language))
        parts = segment(body)
        outcome = await self.provider.send(
            phone, body, row["text_id"], self.status_url(row["tenant"])
        )
        if outcome.taken:
            self.trouble.clear()
            sent = WorkerTexted(
                grievance_id=row["grievance_id"],
                text_id=row["text_id"],
                kind=kind,
                segments=min(parts.count, 20),
                encoding=parts.encoding,
            )
            asked = phone if kind is TextKind.satisfaction else None
            await self._record(row, sent, "sent", outcome, asked, history)
            return None
        age = await self._age(row)
        if outcome.retry and age < self.retries.horizon:
            self.trouble.report(ConnectionError(f"SMS provider: {outcome.reason}"))
            wait = self.retries.after(row["attempts"])
            if outcome.retry_after is not None:
                wait = max(wait, timedelta(seconds=outcome.retry_after))
            log.info("text not sent; trying again", text_id=row["text_id"],
                     attempt=row["attempts"], reason=outcome.reason)  # fmt: skip
            async with self.pool.acquire() as conn:
                await conn.execute(
                    """UPDATE intake.texts SET state = 'pending', lease_until = NULL,
                       due_at = now() + $2::interval WHERE text_id = $1""",
                    row["text_id"], wait,
                )  # fmt: skip
            return None
        log.warning("text given up", text_id=row["text_id"], reason=outcome.reason)
        given_up = TextNotSent(grievance_id=row["grievance_id"], text_id=row["text_id"],
                               kind=kind, reason=outcome.reason or "gave up")  # fmt: skip
        await self._record(row, given_up, "failed", outcome, None, history)
        return None

    async def _age(self, row: dict[str, Any]) -> timedelta:
        async with self.pool.acquire() as conn:
            age: timedelta = await conn.fetchval(
                "SELECT now() - created_at FROM intake.texts WHERE text_id = $1", row["text_id"]
            )
        return age

    @staticmethod
    async def _settle(conn: Conn, row: dict[str, Any], state: str) -> None:
        await conn.execute(
            # The sealed words (a message, a secret) are dropped once nothing will send them.
            "UPDATE intake.texts SET state = $2, lease_until = NULL, params = '{}'::jsonb "
            "WHERE text_id = $1",
            row["text_id"], state,
        )  # fmt: skip

    async def _record(
        self, row: dict[str, Any], event: EventData, state: str, outcome: Outcome,
        asked: str | None, seen: list[Event],
    ) -> None:  # fmt: skip
        """The event, the row's state and (for the satisfaction question, `asked` at a number)
        where a reply goes, in one transaction; an event already there (a repeat after a
        lost lease) is kept.

        `seen`, the stream as read before sending, is trusted first: an event appended since
        (a reply, or this very event by a process whose lease ran out) fails the append, and
        the stream is read again."""
        stream = grievance_stream(row["grievance_id"])
        metadata = Metadata(tenant=row["tenant"], actor=SENDER)
        history: list[Event] | None = seen
        for _ in range(5):
            try:
                async with self.pool.acquire() as conn, conn.transaction():
                    if history is None:
                        history = await read_stream_on(conn, stream)
                    if not any(getattr(e.data, "text_id", None) == row["text_id"]
                               for e in history):  # fmt: skip
                        await self.store.append(stream, [event], len(history), metadata,
                                                conn=conn)  # fmt: skip
                    await conn.execute(
                        """UPDATE intake.texts SET state = $2, lease_until = NULL,
                           provider_id = $3, params = '{}'::jsonb WHERE text_id = $1""",
                        row["text_id"], state, outcome.provider_id,
                    )  # fmt: skip
                    if asked is not None:
                        await self._asked(conn, row, asked)
                return
            except ConcurrencyError:
                history = None
        raise RuntimeError(f"{stream} kept changing while a text was recorded")

    async def _asked(self, conn: Conn, row: dict[str, Any], phone: str) -> None:
        """A reply of "1" to "5" from the number now answers this grievance's question."""
        keys = await number_keys(conn, self.intake, row["tenant"], phone)
        await conn.execute(
            "DELETE FROM intake.sms_questions WHERE tenant = $1 AND thread_key = ANY($2::text[])",
            row["tenant"], keys.candidates,
        )  # fmt: skip
        await conn.execute(
            """INSERT INTO intake.sms_questions (tenant, thread_key, grievance_id, asked_at,
                   lookup_key) VALUES ($1, $2, $3, now(), $4)""",
            row["tenant"], keys.hash, row["grievance_id"], keys.key_id,
        )  # fmt: skip


async def send_texts(runtime: Runtime) -> None:
    """Intake's background sender, through the provider the settings name; without one,
    texts wait in the outbox."""
    settings = runtime.settings
    if not settings.sms_provider_url:
        await asyncio.Event().wait()
    intake: Intake = runtime.extras["intake"]
    provider = TwilioStyle(
        settings.sms_provider_url or "", settings.sms_account, intake.sms_auth_token or "",
        settings.sms_sender, timeout=2 * settings.io_timeout,
    )  # fmt: skip
    public = (settings.public_url or "").rstrip("/")
    sender = TextSender(
        runtime.pool, runtime.store, intake, provider,
        status_url=lambda tenant: f"{public}/v1/sms/{tenant}/status" if public else None,
        retries=Retries(first=timedelta(seconds=settings.sms_first_retry)),
        io_timeout=settings.io_timeout, interval=0.5,
    )  # fmt: skip
    try:
        await run_sender(runtime, sender)
    finally:
        await provider.aclose()
