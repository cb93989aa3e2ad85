"""The SSRF guard of the referral service in production mode: the directory's admin API refuses
an endpoint at loopback, private, link-local or metadata addresses, literal or behind a name
that resolves there now (422 problem+json, nothing written), and the service's outbox
refuses, at delivery time, a name re-pointed at loopback after it was registered.

The service runs outside dev mode (tokens from an identity provider on loopback, a root
secret and a keyset of its own). Names resolve through a table the test controls, and the
delivery's transport lets only loopback through, so a guard that let something pass would
fail the test rather than send a packet anywhere but this machine.
"""

from __future__ import annotations

import base64
import os
from collections.abc import AsyncIterator
from contextlib import AsyncExitStack
from dataclasses import dataclass
from datetime import UTC, datetime

import httpx
import pytest
from fastapi import FastAPI

from redress.events.migrations import migrate
from redress.events.projection import wait_for_version
from redress.events.relay import Relay
from redress.kit.admin import init_keys
from redress.kit.service import app_for
from redress.kit.settings import Settings
from redress.kit.webhooks import Deliverer, Guard, Message, Sender
from redress.kit.webhooks.service import webhooks_for
from redress.referral.app import service as referral_service
from redress.referral.delivery import PartnerWebhooks
from redress.referral.policies import directory_stream
from tests.cases.conftest import serve
from tests.events.helpers import running
from tests.kit.idp import AUDIENCE, Provider, provider
from tests.kit.webhooks.receiver import Receiver
from tests.kit.webhooks.test_guard import LoopbackOnly, resolver
from tests.referral.conftest import SHELTER, stop_delivery

TENANT = "acme"


@dataclass
class Production:
    client: httpx.AsyncClient
    app: FastAPI
    settings: Settings
    idp: Provider
    names: dict[str, list[str]]  # what each name resolves to, now

    def admin(self) -> dict[str, str]:
        token = self.idp.token(sub="admin-1", tenant=TENANT, roles=["admin"], org="msi")
        return {"Authorization": f"Bearer {token}"}


@pytest.fixture
async def production(system, tmp_path) -> AsyncIterator[Production]:
    with provider() as idp:
        settings = Settings(
            dev=False,
            oidc_issuer=idp.issuer,
            jwt_audience=AUDIENCE,
            database_url=system.dsn,
            nats_url=system.nats_url,
            nats_stream=system.bus.stream,
            nats_subject_prefix=system.bus.prefix,
            data_dir=tmp_path / "data",
            keyset_file=tmp_path / "keys" / "keyset.json",
            secret_key=base64.b64encode(os.urandom(32)).decode(),
            log_json=False,
            _env_file=None,
        )  # type: ignore[call-arg]
        init_keys(settings)
        async with system.pool.acquire() as conn:
            await migrate(conn, [referral_service.component])
        app = app_for("referral", settings)
        names: dict[str, list[str]] = {}
        relay = Relay(system.dsn, system.js, system.bus, poll_interval=0.05)
        async with running(relay.run()), AsyncExitStack() as stack:
            client = await serve(stack, app)
            referrals = app.state.runtime.extras["referral"]
            assert referrals.guard.allow_private is False  # production mode, as served
            referrals.guard = Guard(allow_private=False, resolver=resolver(names))
            yield Production(client, app, settings, idp, names)


async def test_registration_refuses_a_url_carrying_credentials_saying_so(production):
    admin = production.admin()
    answer = await production.client.put("/v1/partners/safe-home", json=SHELTER, headers=admin)
    assert answer.status_code == 200, answer.text
    production.names["partner.example"] = ["8.8.8.8"]
    for url in ("https://user:pw@partner.example/hooks", "https://user@partner.example/hooks"):
        answer = await production.client.post(
            "/v1/partners/safe-home/endpoints", json={"url": url}, headers=admin
        )
        assert answer.status_code == 422, (url, answer.text)
        problem = answer.json()
        assert problem["type"] == "urn:redress:problem:bad-url", problem
        assert problem["detail"] == "the URL must not carry credentials", problem


async def test_registration_refuses_inner_addresses_literal_or_behind_a_name(production):
    admin = production.admin()
    answer = await production.client.put("/v1/partners/safe-home", json=SHELTER, headers=admin)
    assert answer.status_code == 200, answer.text
    production.names.update(
        {
            "intranet.example": ["10.1.2.3"],
            "metadata.example": ["169.254.169.254"],
            "partner.example": ["8.8.8.8"],
            "later.example": [],
        }
    )
    stream = directory_stream(TENANT)
    store = production.app.state.runtime.store
    before = await store.stream_version(stream)
    refused = [
        "https://127.0.0.1/hooks",
        "https://[::1]/hooks",
        "https://10.0.0.1/hooks",
        "https://169.254.169.254/latest/meta-data/",
        "https://intranet.example/hooks",  # a name resolving to a private address
        "https://metadata.example/hooks",
        "https://localhost/hooks",
        "http://partner.example/hooks",  # plain http outside dev mode
    ]
    for url in refused:
        answer = await production.client.post(
            "/v1/partners/safe-home/endpoints", json={"url": url}, headers=admin
        )
        assert answer.status_code == 422, (url, answer.text)
        assert answer.headers["content-type"] == "application/problem+json", url
    problem = answer.json()
    assert "secret" not in problem
    assert await store.stream_version(stream) == before  # nothing written
    # The control: a public name is registered, and one that does not resolve yet is too
    # (each attempt resolves it again).
    for url in ("https://partner.example/hooks", "https://later.example/hooks"):
        answer = await production.client.post(
            "/v1/partners/safe-home/endpoints", json={"url": url}, headers=admin
        )
        assert answer.status_code == 201, (url, answer.text)
    assert await store.stream_version(stream) == before + 2


async def test_a_name_re_pointed_at_loopback_after_registration_is_refused_at_delivery(
    production,
):
    receiver = Receiver(secrets=[])
    await receiver.start()
    try:
        await _re_pointed(production, receiver)
    finally:
        await receiver.stop()


async def _re_pointed(production: Production, receiver: Receiver) -> None:
    admin, runtime = production.admin(), production.app.state.runtime
    # The service's own delivery worker is stopped: this test delivers with a resolver it
    # controls, through the service's outbox.
    await stop_delivery(production.app)
    await production.client.put("/v1/partners/safe-home", json=SHELTER, headers=admin)
    url = f"https://partner.example:{receiver.port}/hooks"
    production.names["partner.example"] = ["8.8.8.8"]
    added = await production.client.post(
        "/v1/partners/safe-home/endpoints", json={"url": url}, headers=admin
    )
    assert added.status_code == 201, added.text
    receiver.secrets.append(added.json()["secret"])
    done = added.json()
    pool = runtime.pool
    mirrored = await wait_for_version(
        pool, PartnerWebhooks(production.settings), done["stream"], done["version"], timeout=30
    )
    assert mirrored
    hooks = webhooks_for("referral", production.settings)
    assert hooks.guard.allow_private is False
    message = Message(
        id="ssrf-1",
        type="org.redress.referral.sent",
        source="/redress/referral",
        time=datetime.now(UTC),
        subject="referral-x",
        data={"referral_id": "referral-x"},
    )
    async with pool.acquire() as conn:
        made = await hooks.enqueue(
            conn, tenant=TENANT, owner="safe-home", message=message,
            ordering_key="referral-x", sequence=1,
        )  # fmt: skip
    assert made == 1
    production.names["partner.example"] = ["127.0.0.1"]  # re-pointed since registration
    net = LoopbackOnly()
    guard = Guard(allow_private=False, resolver=resolver(production.names))
    worker = Deliverer(pool, hooks, sender=Sender(guard, transport=net))
    try:
        assert await worker.tick() == 1
    finally:
        await worker.close()
    assert net.hosts == [] and receiver.requests == 0
    async with pool.acquire() as conn:
        [delivery] = await hooks.deliveries(conn, TENANT, ordering_key="referral-x")
    assert delivery.state == "pending"
    assert (
        delivery.last_error == "refused: partner.example resolves to 127.0.0.1, which is not public"
    )
