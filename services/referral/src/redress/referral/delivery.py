"""Partners' webhooks: the directory's endpoints mirrored into the outbox, and the notices of
referral events enqueued there, in the batch's transaction (docs/referral.md, ADR 16).

One projection reads both the `partner` and the `referral` streams, in the log's order: an
endpoint added before a referral is sent is in the outbox when the `ReferralSent` is
enqueued, which two projections with checkpoints of their own could not promise. Everything
it does is idempotent on replay: endpoints and rotations carry the directory's own ids, and
a message's id is derived from its event and partner, so enqueueing it again is a no-op.

It writes the outbox, not a read model: it is never rebuilt, and `redress replay` refuses it
(a replay would put removed endpoints back until their removal is replayed, and queue
webhooks to them meanwhile).
"""

from __future__ import annotations

from dataclasses import dataclass, field

import structlog

from redress.events.catalogue.partner import (
    WebhookEndpointAdded,
    WebhookEndpointRemoved,
    WebhookSecretRotated,
)
from redress.events.envelope import Event
from redress.events.projection import Policy
from redress.events.store import Conn
from redress.kit.keyset import derive, root_secret
from redress.kit.settings import Settings
from redress.kit.webhooks import UnsafeEndpoint, Webhooks
from redress.kit.webhooks.service import webhooks_for
from redress.referral.domain import REFERRAL
from redress.referral.notices import notices
from redress.referral.secrets import PURPOSE, webhook_secret
from redress.referral.state import Referral

log = structlog.get_logger("redress.referral")
SCHEMA = "referral"


@dataclass
class _Replay:
    """A referral's log, folded up to the event being applied (one read per batch)."""

    history: list[Event]
    applied: int = 0
    state: Referral = field(default_factory=Referral)

    def before(self, version: int) -> Referral:
        for event in self.history[self.applied : version - 1]:
            self.state = REFERRAL.evolve(self.state, event.data)
        self.applied = max(self.applied, version - 1)
        return self.state


class PartnerWebhooks(Policy):
    """A policy whose effects are webhooks, not events: it appends nothing to the log; it
    reads each referral's history from it to know what the partner was told before."""

    name = "webhooks"
    schema = SCHEMA
    stream_types = ("partner", "referral")
    # Its rows are the outbox, not a read model; replayed, a removed endpoint would come back
    # until its removal is replayed, and webhooks would be queued to it again meanwhile.
    replayable = False

    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self._hooks: Webhooks | None = None
        self._key: bytes | None = None

    def _outbox(self) -> tuple[Webhooks, bytes]:
        # Derived at the first event, not when the service's parts are listed.
        if self._hooks is None or self._key is None:
            self._hooks = webhooks_for(SCHEMA, self.settings)
            self._key = derive(root_secret(self.settings), PURPOSE)
        return self._hooks, self._key

    async def apply(self, conn: Conn, event: Event) -> None:
        await self.apply_batch(conn, [event])

    async def apply_batch(self, conn: Conn, events: list[Event]) -> None:
        referrals: dict[str, _Replay] = {}
        for event in events:
            if event.stream_type == "partner":
                await self._directory(conn, event)
            elif event.stream_type == "referral":
                if event.stream not in referrals:
                    history = await self.store.read_stream(event.stream, conn=conn)
                    referrals[event.stream] = _Replay(history)
                await self._referral(conn, event, referrals[event.stream])

    async def _directory(self, conn: Conn, event: Event) -> None:
        hooks, key = self._outbox()
        tenant, data = event.tenant, event.data
        match data:
            case WebhookEndpointAdded(partner_id=p, endpoint_id=e, url=url, secret_id=s):
                try:
                    await hooks.add_endpoint(
                        conn, tenant=tenant, owner=p, url=url, endpoint_id=e, secret_id=s,
                        secret=webhook_secret(key, tenant, p, e, s), at=event.time,
                    )  # fmt: skip
                except UnsafeEndpoint as exc:
                    # Registered before the outbox's own check refused such URLs: nothing
                    # can be sent there; the partner registers another.
                    log.warning("webhook endpoint not mirrored", endpoint_id=e, reason=str(exc))
            case WebhookSecretRotated(partner_id=p, endpoint_id=e, secret_id=s):
                await hooks.rotate_secret(
                    conn, tenant, e, secret=webhook_secret(key, tenant, p, e, s), secret_id=s,
                    until=data.previous_until, at=event.time,
                )  # fmt: skip
            case WebhookEndpointRemoved(endpoint_id=e):
                await hooks.remove(conn, tenant, e)

    async def _referral(self, conn: Conn, event: Event, replay: _Replay) -> None:
        before = replay.before(event.version)
        told = notices(before, event)
        if not told:
            return
        hooks, _ = self._outbox()
        after = REFERRAL.evolve(before, event.data)
        for notice in told:
            await hooks.enqueue(
                conn, tenant=event.tenant, owner=notice.partner_id,
                message=notice.message(after), ordering_key=event.stream,
                sequence=event.version,
            )  # fmt: skip
