"""What admins do about deliveries, transport-free: the admin API and the console call these;
and what a referral's page tells officers of its own (`messages_of`).

Each intervention changes the outbox and records who did it, in one transaction: it decides
on the tenant's directory (`partner` stream) through the application layer's `execute`
(ADR 14), once per Idempotency-Key, and the decision's effect on the outbox (`Webhooks.enable`,
`redeliver`, `skip`) runs on the write's connection, so that the event and the effect commit
together or not at all. What the outbox says (disabled? dead?) is read in that transaction,
and the row it changes is changed only from that state: two admins redelivering one dead
letter at once get one redelivery and one 409.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from redress.events.application import Recorded, Within, execute
from redress.events.envelope import Event, EventData
from redress.events.store import Conn
from redress.kit.auth import Principal
from redress.kit.authz import Action
from redress.kit.deps import authorise, metadata_for
from redress.kit.idempotency import Once, Retry
from redress.kit.webhooks import Delivery, Webhooks
from redress.referral import delivery_models as m
from redress.referral import directory as dr
from redress.referral import directory_commands as dc
from redress.referral.context import Desk
from redress.referral.policies import directory_stream

SCHEMA = "referral"
PAGE = 50


Effect = Callable[[Conn], Awaitable[tuple[dc.Command, Callable[[], Awaitable[bool]]]]]


async def _intervene(
    desk: Desk, p: Principal, state: str, effect: Effect, retry: Retry | None, raced: str
) -> m.Intervened:
    admin = authorise(p, Action.partner_directory_manage)
    stream = directory_stream(admin.tenant)

    def answered(done: Recorded) -> m.Intervened:
        return m.Intervened(stream=stream, version=done.version, state=state)

    write = Within(Once.of(retry, SCHEMA, admin, answered))

    async def decide(history: list[Event]) -> list[EventData]:
        assert write.conn is not None
        command, apply = await effect(write.conn)
        events = dr.DIRECTORY.deciding(stream, command)(history)
        if not await apply():  # another admin got there first, between our look and our change
            raise dr.DirectoryRefused(raced, "another admin acted on it at the same time")
        return events

    done = await execute(desk.store, stream, decide, metadata_for(admin), transaction=write)
    if done.earlier is not None:
        return m.Intervened.model_validate(done.earlier)
    return answered(done)


def _hooks(desk: Desk) -> Webhooks:
    return desk.referrals.hooks


async def _letter(desk: Desk, conn: Conn, tenant: str, delivery_id: int) -> Delivery:
    found = await _hooks(desk).delivery(conn, tenant, delivery_id)
    if found is None:
        raise dr.DirectoryRefused("unknown-delivery", "there is no such webhook delivery")
    return found


def _as_letter(d: Delivery) -> dc.Letter:
    return dc.Letter(d.id, d.webhook_id, d.event_type, d.ordering_key, d.state == "dead")


async def redeliver(
    desk: Desk, p: Principal, delivery_id: int, retry: Retry | None = None
) -> m.Intervened:
    """Try a dead letter again now (same webhook-id, a fresh retry schedule)."""

    async def effect(conn: Conn) -> Any:
        d = await _letter(desk, conn, p.tenant, delivery_id)
        command = dc.RedeliverDeadLetter(d.owner, d.endpoint_id, _as_letter(d))
        return command, lambda: _hooks(desk).redeliver(conn, p.tenant, delivery_id)

    return await _intervene(desk, p, "pending", effect, retry, "not-dead")


async def skip(
    desk: Desk, p: Principal, delivery_id: int, retry: Retry | None = None
) -> m.Intervened:
    """Give up on a dead letter for good: the later webhooks of its referral go out."""

    async def effect(conn: Conn) -> Any:
        d = await _letter(desk, conn, p.tenant, delivery_id)
        command = dc.SkipDeadLetter(d.owner, d.endpoint_id, _as_letter(d))
        return command, lambda: _hooks(desk).skip(conn, p.tenant, delivery_id)

    return await _intervene(desk, p, "skipped", effect, retry, "not-dead")


async def enable(
    desk: Desk, p: Principal, partner_id: str, endpoint_id: str, retry: Retry | None = None
) -> m.Intervened:
    """Send to an endpoint the delivery disabled: its breaker reset, what waited due now."""

    async def effect(conn: Conn) -> Any:
        found = await _hooks(desk).endpoint(conn, p.tenant, endpoint_id)
        disabled = found is not None and found.owner == partner_id and not found.enabled
        command = dc.EnableEndpoint(partner_id, endpoint_id, disabled)
        return command, lambda: _hooks(desk).enable(conn, p.tenant, endpoint_id, if_disabled=True)

    return await _intervene(desk, p, "enabled", effect, retry, "endpoint-enabled")


# Reads.


async def endpoint_report(
    desk: Desk, p: Principal, partner_id: str, endpoint_id: str, limit: int = 20
) -> m.EndpointReport:
    admin = authorise(p, Action.partner_directory_manage)
    hooks = _hooks(desk)
    async with desk.pool.acquire() as conn:
        found = await hooks.endpoint(conn, admin.tenant, endpoint_id)
        if found is None or found.owner != partner_id:
            # Also one added a moment ago, until the delivery has mirrored it from the log.
            raise dr.DirectoryRefused("unknown-endpoint", "the delivery knows no such endpoint")
        attempts = await hooks.recent_attempts(conn, admin.tenant, endpoint_id, limit=limit)
        dead = await dead_count(conn, hooks, admin.tenant, endpoint_id)
    return m.EndpointReport.of(found, hooks.clock.now(), attempts, dead)


async def dead_count(conn: Conn, hooks: Webhooks, tenant: str, endpoint_id: str | None) -> int:
    # Admin pages only; an endpoint with thousands of dead letters has other troubles.
    return len(await hooks.dead_letters(conn, tenant, endpoint_id=endpoint_id, limit=1000))


async def dead_letters(
    desk: Desk, p: Principal, *, endpoint_id: str | None = None, after: int | None = None,
    limit: int = PAGE,
) -> m.DeadLetters:  # fmt: skip
    admin = authorise(p, Action.partner_directory_manage)
    async with desk.pool.acquire() as conn:
        found = await _hooks(desk).dead_letters(
            conn, admin.tenant, endpoint_id=endpoint_id, after=after, limit=limit + 1
        )
    page = found[:limit]
    more = str(page[-1].id) if len(found) > limit else None
    return m.DeadLetters(items=[m.DeadLetterOut.of(d) for d in page], next=more)


async def notices(desk: Desk, p: Principal) -> m.Notices:
    """Endpoints the delivery disabled that are still disabled."""
    admin = authorise(p, Action.partner_directory_manage)
    async with desk.pool.acquire() as conn:
        found = await _hooks(desk).current_notices(conn, admin.tenant)
    return m.Notices(items=[m.NoticeOut.of(n) for n in found])


@dataclass
class Messages:
    """The webhooks of one referral to one partner, as its page tells an officer: whether the
    partner has them, and what is being done about those it has not (never a body)."""

    delivered: int = 0
    last_delivered: datetime | None = None
    skipped: int = 0
    waiting: list[Delivery] = field(default_factory=list)
    given_up: list[Delivery] = field(default_factory=list)
    held: set[int] = field(default_factory=set)
    """The waiting ones held behind one given up (to the same endpoint): tried no more until
    an admin sends that one again or skips it."""


async def messages_of(desk: Desk, conn: Conn, tenant: str, referral_id: str
                      ) -> dict[str, Messages]:  # fmt: skip
    """Each partner's messages of the referral (one key of the outbox), by partner."""
    found: dict[str, Messages] = {}
    for d in await _hooks(desk).deliveries(conn, tenant, ordering_key=referral_id, limit=500):
        shown = found.setdefault(d.owner, Messages())
        if d.state == "delivered":
            shown.delivered += 1
            shown.last_delivered = max(filter(None, (shown.last_delivered, d.settled_at)),
                                       default=None)  # fmt: skip
        elif d.state == "skipped":
            shown.skipped += 1
        else:
            (shown.waiting if d.state == "pending" else shown.given_up).append(d)
    for shown in found.values():
        first_dead: dict[str, int] = {}
        for d in shown.given_up:
            first_dead[d.endpoint_id] = min(d.sequence, first_dead.get(d.endpoint_id, d.sequence))
        shown.held = {w.id for w in shown.waiting
                      if w.sequence > first_dead.get(w.endpoint_id, w.sequence)}  # fmt: skip
    return found
