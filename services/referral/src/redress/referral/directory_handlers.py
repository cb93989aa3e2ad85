"""What can be done to the partner directory, transport-free: its API and its console pages
call these.

Each decides on the tenant's `partner` stream as the log has it and appends through the
application layer's `execute` (ADR 14), once per Idempotency-Key when one is sent. A webhook
secret (`whsec_...`) is answered once, when an endpoint is added or its secret rotated: it
is derived, never stored (ADR 15), and no read shows it again.
"""

from __future__ import annotations

import secrets
from datetime import timedelta
from typing import Any

from redress.events.application import execute
from redress.kit.auth import Principal
from redress.kit.deps import metadata_for
from redress.kit.idempotency import Once, Retry
from redress.kit.webhooks import UnsafeEndpoint
from redress.referral import directory as dr
from redress.referral import directory_commands as dc
from redress.referral import requests as r
from redress.referral.context import Desk
from redress.referral.policies import directory_stream
from redress.referral.secrets import new_secret_id, webhook_secret

SCHEMA = "referral"


async def record(
    desk: Desk, p: Principal, command: dc.Command, retry: Retry | None = None, answer: Any = None
) -> Any:
    """Decide `command` on the directory as the log has it and append; once per key."""
    stream = directory_stream(p.tenant)

    def answered(done: Any) -> Any:
        return answer(done) if answer else r.Directoried(stream=stream, version=done.version)

    once = Once.of(retry, SCHEMA, p, answered)
    decide = dr.DIRECTORY.deciding(stream, command)
    done = await execute(desk.store, stream, decide, metadata_for(p), transaction=once)
    return done.earlier if done.earlier is not None else answered(done)


async def register(desk: Desk, p: Principal, partner_id: str, body: r.PartnerBody) -> r.Directoried:
    command = dc.RegisterPartner(
        partner_id, body.name, body.kind, tuple(body.countries), tuple(body.indicators),
        tuple(body.categories), tuple(body.languages), tuple(body.services), body.contact,
    )  # fmt: skip
    return r.Directoried.model_validate(await record(desk, p, command))


async def retire(
    desk: Desk, p: Principal, partner_id: str, retry: Retry | None = None
) -> r.Directoried:
    command = dc.RetirePartner(partner_id)
    return r.Directoried.model_validate(await record(desk, p, command, retry))


async def add_endpoint(
    desk: Desk, p: Principal, partner_id: str, body: r.EndpointBody, retry: Retry | None = None
) -> r.Secret:
    endpoint_id, secret_id = f"ep_{secrets.token_urlsafe(12)}", new_secret_id()
    plain_http = desk.referrals.plain_http
    try:  # what the delivery would refuse at every attempt is refused here, before it is kept
        await desk.referrals.guard.screen(body.url)
    except UnsafeEndpoint as exc:
        raise dr.DirectoryRefused("bad-url", str(exc)) from None
    command = dc.AddEndpoint(partner_id, endpoint_id, body.url, secret_id, plain_http)
    key = desk.referrals.webhook_key

    def answer(done: Any) -> r.Secret:
        secret = webhook_secret(key, p.tenant, partner_id, endpoint_id, secret_id)
        return r.Secret(endpoint_id=endpoint_id, secret=secret, stream=done.stream,
                        version=done.version)  # fmt: skip

    return r.Secret.model_validate(await record(desk, p, command, retry, answer))


async def rotate(
    desk: Desk,
    p: Principal,
    partner_id: str,
    endpoint_id: str,
    body: r.RotationBody,
    retry: Retry | None = None,
) -> r.Secret:
    secret_id, now = new_secret_id(), desk.referrals.now()
    overlap = timedelta(hours=body.overlap_hours)
    command = dc.RotateSecret(partner_id, endpoint_id, secret_id, now, overlap)
    key = desk.referrals.webhook_key

    def answer(done: Any) -> r.Secret:
        secret = webhook_secret(key, p.tenant, partner_id, endpoint_id, secret_id)
        return r.Secret(endpoint_id=endpoint_id, secret=secret, previous_until=now + overlap,
                        stream=done.stream, version=done.version)  # fmt: skip

    return r.Secret.model_validate(await record(desk, p, command, retry, answer))


async def remove_endpoint(
    desk: Desk, p: Principal, partner_id: str, endpoint_id: str
) -> r.Directoried:
    async with desk.pool.acquire() as conn:
        waiting = await desk.referrals.hooks.waiting(conn, p.tenant, endpoint_id)
    command = dc.RemoveEndpoint(partner_id, endpoint_id, waiting)
    return r.Directoried.model_validate(await record(desk, p, command))


async def set_hours(desk: Desk, p: Principal, body: r.SettingsBody) -> r.Directoried:
    command = dc.SetAcknowledgeHours(body.acknowledge_hours)
    return r.Directoried.model_validate(await record(desk, p, command))
