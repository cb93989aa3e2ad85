"""Behind the TLS-terminating Ingress: the headers a proxy sends, from a trusted peer or not.

The test client's address (203.0.113.77) is the proxy that `REDRESS_TRUSTED_PROXIES` names;
another address sending the same headers is a client forging them.
"""

from __future__ import annotations

from contextlib import asynccontextmanager
from types import SimpleNamespace

import httpx
from starlette.requests import Request

from redress.intake.sms import signature
from redress.kit.proxy import public_url, secure_cookies
from redress.kit.settings import Settings
from tests.intake.conftest import TENANT, intake_settings, serving

HTTPS = {"X-Forwarded-Proto": "https", "X-Forwarded-Host": "report.example.org"}
PUBLIC = f"https://report.example.org/v1/sms/{TENANT}/inbound"
INTERNAL = f"http://test/v1/sms/{TENANT}/inbound"
UNTRUSTED = ("198.51.100.9", 40999)


@asynccontextmanager
async def behind_proxy(system, tmp_path, **settings):
    base = intake_settings(system, tmp_path).model_dump()
    built = Settings(**{**base, "trusted_proxies": ["203.0.113.0/24"], **settings}, _env_file=None)
    async with serving(system, built) as harness:
        yield harness


def stranger(harness) -> httpx.AsyncClient:
    transport = httpx.ASGITransport(app=harness.app, client=UNTRUSTED)
    return httpx.AsyncClient(transport=transport, base_url="http://test")


def cookies_secure(answer: httpx.Response) -> list[bool]:
    cookies = answer.headers.get_list("set-cookie")
    assert cookies, "the page sets its CSRF cookie"
    return ["; secure" in c.lower() for c in cookies]


async def test_cookies_are_secure_when_a_trusted_proxy_says_https(system, tmp_path):
    async with behind_proxy(system, tmp_path) as harness:
        form = f"/t/{TENANT}/report"
        assert cookies_secure(await harness.client.get(form, headers=HTTPS)) == [True]
        # Plain http in dev mode (make run on a laptop): no Secure, or the browser drops it.
        assert cookies_secure(await harness.client.get(form)) == [False]
        async with stranger(harness) as forger:
            # Forging https from elsewhere changes nothing (nor does forging http below).
            assert cookies_secure(await forger.get(form, headers=HTTPS)) == [False]


async def test_the_public_url_setting_wins_over_any_header(system, tmp_path):
    async with behind_proxy(system, tmp_path, public_url="https://report.example.org") as harness:
        plain = {"X-Forwarded-Proto": "http"}
        answer = await harness.client.get(f"/t/{TENANT}/report", headers=plain)
        assert cookies_secure(answer) == [True]


def request(settings: Settings, peer: str, headers: dict[str, str]) -> Request:
    app = SimpleNamespace(state=SimpleNamespace(runtime=SimpleNamespace(settings=settings)))
    return Request({
        "type": "http", "method": "POST", "scheme": "http", "server": ("intake", 8000),
        "path": "/v1/sms/acme/inbound", "query_string": b"", "app": app, "client": (peer, 1),
        "headers": [(k.lower().encode(), v.encode()) for k, v in headers.items()],
    })  # fmt: skip


def test_cookies_are_secure_outside_dev_mode_even_over_plain_http():
    production = Settings(dev=False, jwks_url="https://idp.example.org/jwks", _env_file=None)
    assert secure_cookies(request(production, "10.0.0.5", {}))
    assert not secure_cookies(request(Settings(dev=True, _env_file=None), "10.0.0.5", {}))


def test_the_public_url_is_rebuilt_only_from_a_trusted_proxys_headers():
    settings = Settings(dev=True, trusted_proxies=["10.0.0.0/8"], _env_file=None)
    assert public_url(request(settings, "10.1.2.3", HTTPS)) == PUBLIC.replace(TENANT, "acme")
    assert (
        public_url(request(settings, "192.0.2.1", HTTPS))
        == "http://intake:8000/v1/sms/acme/inbound"
    )


async def text(client: httpx.AsyncClient, signed_over: str, headers: dict[str, str]):
    params = {"From": "+66811113333", "To": "+6620000000", "Body": "They took my passport."}
    sig = signature("dev-sms-token", signed_over, params)
    return await client.post(INTERNAL, data=params, headers={**headers, "X-Twilio-Signature": sig})


async def test_an_sms_signed_over_the_public_url_is_accepted_and_over_the_internal_one_not(
    system, tmp_path
):
    async with behind_proxy(system, tmp_path, public_url="https://report.example.org") as harness:
        assert (await text(harness.client, PUBLIC, {})).status_code == 200
        refused = await text(harness.client, INTERNAL, {})
        assert refused.status_code == 403, refused.text


async def test_an_sms_through_a_trusted_proxy_is_checked_over_the_url_it_forwarded(
    system, tmp_path
):
    async with behind_proxy(system, tmp_path) as harness:
        assert (await text(harness.client, PUBLIC, HTTPS)).status_code == 200
        assert (await text(harness.client, INTERNAL, HTTPS)).status_code == 403
        async with stranger(harness) as forger:
            # From an untrusted peer the forwarded headers are ignored: only the URL it
            # called itself signs its request.
            assert (await text(forger, PUBLIC, HTTPS)).status_code == 403
            assert (await text(forger, INTERNAL, HTTPS)).status_code == 200
