"""The SSRF guard in production mode, at delivery time: loopback, private, link-local and
metadata addresses are refused, literal or behind a name, and nothing is connected to.

Names resolve through a resolver the test controls; a transport that lets only loopback
through stands behind the guard, so a guard that let something pass would fail the test
rather than send a packet anywhere but this machine.
"""

from __future__ import annotations

import ipaddress

import httpx
import pytest

from redress.kit.webhooks import Guard, Refused, Sender, Webhooks, parse_url, public
from tests.kit.webhooks.conftest import TENANT, Outbox, register
from tests.kit.webhooks.receiver import Receiver


class LoopbackOnly(httpx.AsyncBaseTransport):
    def __init__(self) -> None:
        self.inner = httpx.AsyncHTTPTransport()
        self.hosts: list[str] = []

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        self.hosts.append(request.url.host)
        assert request.url.host in ("127.0.0.1", "::1"), f"tried to reach {request.url.host}"
        return await self.inner.handle_async_request(request)


def resolver(table: dict[str, list[str]]):  # type: ignore[no-untyped-def]
    async def resolve(host: str, port: int) -> list[str]:
        return table[host]

    return resolve


NAMES = {
    "private.example": ["10.20.30.40"],
    "loopback.example": ["127.0.0.1"],
    "metadata.example": ["169.254.169.254"],
    "mixed.example": ["8.8.8.8", "192.168.0.10"],
    "mapped.example": ["::ffff:10.0.0.1"],
    "public.example": ["8.8.8.8"],
}


async def test_delivery_time_refuses_every_inner_address(
    outbox: Outbox, receiver: Receiver
) -> None:
    port = receiver.port
    urls = [
        f"https://127.0.0.1:{port}/hooks",
        f"https://[::1]:{port}/hooks",
        "https://10.0.0.1/hooks",
        "https://169.254.169.254/latest/meta-data/",
        f"https://private.example:{port}/hooks",
        f"https://loopback.example:{port}/hooks",
        "https://metadata.example/hooks",
        "https://mixed.example/hooks",
        "https://mapped.example/hooks",
    ]
    # Registered while the names looked harmless (or in dev mode): only delivery time knows.
    async with outbox.pool.acquire() as conn:
        for n, url in enumerate(urls):
            made = await outbox.hooks.add_endpoint(conn, tenant=TENANT, owner=f"p{n}", url=url)
            receiver.secrets.append(made.secret)
    for n in range(len(urls)):
        await outbox.enqueue(f"p{n}", "ref-1", 1)

    net = LoopbackOnly()
    production = Guard(allow_private=False, resolver=resolver(NAMES))
    worker = outbox.deliverer(sender=Sender(production, transport=net))
    try:
        assert await worker.tick() == len(urls)
    finally:
        await worker.close()
    assert net.hosts == [] and receiver.requests == 0
    async with outbox.pool.acquire() as conn:
        errors = await conn.fetch(
            """SELECT e.url, a.error FROM hooks.webhook_attempts a
               JOIN hooks.webhook_deliveries d ON d.id = a.delivery_id
               JOIN hooks.webhook_endpoints e ON e.id = d.endpoint_id"""
        )
    refused = {r["url"]: r["error"] for r in errors}
    assert set(refused) == set(urls)
    for url, error in refused.items():
        assert error.startswith("refused: "), (url, error)
        assert "not a public address" in error or "which is not public" in error, (url, error)
    assert "10.20.30.40" in refused[f"https://private.example:{port}/hooks"]
    assert "192.168.0.10" in refused["https://mixed.example/hooks"]
    assert await outbox.states() == {"pending": len(urls)}


async def test_dev_mode_reaches_loopback_through_the_resolved_name(
    outbox: Outbox, receiver: Receiver
) -> None:
    """The control: the resolver is what the guard connects by, pinned to what it checked."""
    await register(outbox, receiver)
    async with outbox.pool.acquire() as conn:
        [endpoint] = await outbox.hooks.endpoints(conn, TENANT)
        await outbox.hooks.set_url(
            conn, TENANT, endpoint.id, receiver.url.replace("127.0.0.1", "partner.test")
        )
    await outbox.enqueue("partner-1", "ref-1", 1)
    net = LoopbackOnly()
    dev = Guard(allow_private=True, resolver=resolver({"partner.test": ["127.0.0.1"]}))
    worker = outbox.deliverer(sender=Sender(dev, transport=net))
    try:
        assert await worker.tick() == 1
    finally:
        await worker.close()
    assert net.hosts == ["127.0.0.1"]
    assert receiver.hosts == [f"partner.test:{receiver.port}"]
    assert receiver.rejected == [] and len(receiver.processed) == 1


async def test_a_public_name_is_pinned_to_the_address_checked() -> None:
    guard = Guard(allow_private=False, resolver=resolver(NAMES))
    target = await guard.target("https://public.example/hooks?x=1")
    assert str(target.url) == "https://8.8.8.8/hooks?x=1"
    assert target.host == "public.example" and target.server_name == "public.example"


async def test_registration_in_production_refuses_what_it_can_see(outbox: Outbox) -> None:
    production = Webhooks(outbox.hooks.schema, outbox.hooks.box, guard=Guard(), clock=outbox.clock)
    bad = [
        "http://partner.example/hooks",  # not https
        "https://127.0.0.1/hooks",
        "https://[::1]/hooks",
        "https://10.0.0.1/hooks",
        "https://169.254.169.254/latest/meta-data/",
        "https://localhost/hooks",
        "https://user:secret@partner.example/hooks",
        "ftp://partner.example/",
        "https:///nohost",
    ]
    async with outbox.pool.acquire() as conn:
        for url in bad:
            with pytest.raises(Refused):
                await production.add_endpoint(conn, tenant=TENANT, owner="p", url=url)
        assert await production.endpoints(conn, TENANT) == []
        made = await production.add_endpoint(
            conn, tenant=TENANT, owner="p", url="https://partner.example/hooks"
        )
    assert made.endpoint.url == "https://partner.example/hooks"


@pytest.mark.parametrize(
    ("address", "allowed"),
    [
        ("8.8.8.8", True),
        ("2001:4860:4860::8888", True),
        ("127.0.0.1", False),
        ("::1", False),
        ("10.0.0.1", False),
        ("172.16.0.1", False),
        ("192.168.1.1", False),
        ("169.254.169.254", False),
        ("fe80::1", False),
        ("fd00:ec2::254", False),  # a cloud's IPv6 metadata address (unique local)
        ("100.64.0.1", False),  # carrier-grade NAT
        ("0.0.0.0", False),  # noqa: S104 (an address checked, not bound)
        ("224.0.0.1", False),
        ("::ffff:10.0.0.1", False),
        ("64:ff9b::a9fe:a9fe", False),  # NAT64 of 169.254.169.254
        ("2002:0a00:0001::1", False),  # 6to4 of 10.0.0.1
    ],
)
def test_which_addresses_are_public(address: str, allowed: bool) -> None:
    assert public(ipaddress.ip_address(address)) is allowed


def test_parse_url_in_dev_mode_takes_loopback_over_http() -> None:
    assert parse_url("http://127.0.0.1:8080/x", allow_private=True).port == 8080
    with pytest.raises(Refused):
        parse_url("http://127.0.0.1:8080/x")
