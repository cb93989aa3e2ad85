"""ID tokens issued by a real OpenID provider (`oidc-provider-mock`, on loopback) through its
authorization-code flow, checked by the kit's test service over HTTP with only
`REDRESS_OIDC_ISSUER` configured: discovery, JWKS, the platform's claims (`tenant`, `roles`,
`org`, set on the provider's user), audience, issuer, expiry with leeway, and a key
rotation by the provider (restarted on the same address: same issuer, new key, new kid).

This provider signs without a `kid` header and publishes one key, as some real providers do;
tests/kit/test_oidc_keys.py covers kid-based rotation and clock skew in both directions with
a provider whose keys the test controls."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from contextlib import contextmanager
from datetime import timedelta
from urllib.parse import parse_qs, urlparse

import httpx
import oidc_provider_mock
import pytest

from tests.kit.conftest import serve
from tests.kit.idp import AUDIENCE
from tests.kit.test_oidc_keys import settings_for
from tests.kit.test_tokens import assert_refused, post

CLAIMS = {"tenant": "acme", "roles": ["officer"], "org": "m1"}
CALLBACK = "http://127.0.0.1:1/callback"


@contextmanager
def running(port: int = 0, max_age: timedelta = timedelta(hours=1)) -> Iterator[str]:
    users = [
        oidc_provider_mock.User(sub="officer-1", claims=CLAIMS),
        oidc_provider_mock.User(sub="no-tenant", claims={"roles": ["officer"]}),
    ]
    with oidc_provider_mock.run_server_in_thread(
        port, user_claims=users, access_token_max_age=max_age
    ) as server:
        yield f"http://localhost:{server.server_port}"


async def id_token(base: str, sub: str = "officer-1", client_id: str = AUDIENCE) -> str:
    """An ID token through the provider's authorization-code flow, as a login would get it."""
    async with httpx.AsyncClient(base_url=base, timeout=10) as client:
        authorized = await client.post(
            "/oauth2/authorize",
            params={
                "client_id": client_id,
                "redirect_uri": CALLBACK,
                "response_type": "code",
                "scope": "openid",
            },
            data={"sub": sub},
        )
        assert authorized.status_code == 302, authorized.text
        code = parse_qs(urlparse(authorized.headers["location"]).query)["code"][0]
        issued = await client.post(
            "/oauth2/token",
            data={
                "grant_type": "authorization_code",
                "code": code,
                "redirect_uri": CALLBACK,
                "client_id": client_id,
                "client_secret": "any",
            },
        )
        assert issued.status_code == 200, issued.text
        token: str = issued.json()["id_token"]
        return token


@pytest.fixture
def issuer() -> Iterator[str]:
    with running() as base:
        yield base


@pytest.fixture
async def client(system, tmp_path, issuer) -> AsyncIterator[httpx.AsyncClient]:
    async with serve(system, settings_for(system, tmp_path, issuer), tmp_path) as (c, _):
        yield c


async def test_an_id_token_of_the_provider_is_accepted(client, issuer):
    response = await post(client, await id_token(issuer))
    assert response.status_code == 201, response.text


async def test_a_token_without_the_platform_claims_is_refused(client, issuer):
    assert_refused(await post(client, await id_token(issuer, sub="no-tenant")))


async def test_a_token_for_another_application_is_refused(client, issuer):
    assert_refused(await post(client, await id_token(issuer, client_id="another-app")))


async def test_a_token_of_another_issuer_is_refused(client, issuer):
    # The same provider reached by another name issues tokens under that name: same key,
    # another `iss`, so only the issuer check can refuse it.
    other = issuer.replace("localhost", "127.0.0.1")
    assert_refused(await post(client, await id_token(other)))


@pytest.mark.parametrize(
    ("max_age", "status"), [(-30, 201), (-120, 401)], ids=["within-leeway", "beyond-leeway"]
)
async def test_expiry_is_checked_with_the_leeway(system, tmp_path, max_age, status):
    with running(max_age=timedelta(seconds=max_age)) as issuer:
        settings = settings_for(system, tmp_path, issuer)
        async with serve(system, settings, tmp_path) as (client, _):
            response = await post(client, await id_token(issuer))
    assert response.status_code == status, response.text


async def test_a_provider_replacing_its_key_is_followed_without_a_restart(system, tmp_path):
    first = running()
    issuer = first.__enter__()
    try:
        settings = settings_for(system, tmp_path, issuer, jwks_refresh_interval=0)
        async with serve(system, settings, tmp_path) as (client, _):
            old = await id_token(issuer)
            assert (await post(client, old)).status_code == 201
            first.__exit__(None, None, None)
            first = None
            # Restarted on the same address: the same issuer, with a new key and kid.
            with running(port=urlparse(issuer).port or 0) as again:
                assert again == issuer
                response = await post(client, await id_token(issuer))
                assert response.status_code == 201, response.text
                assert_refused(await post(client, old))
    finally:
        if first is not None:
            first.__exit__(None, None, None)
