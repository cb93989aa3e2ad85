"""Tokens from an identity provider, checked over HTTP by the kit's test service configured
outside dev mode with only `REDRESS_OIDC_ISSUER`: the keys are found by discovery, a rotation
at the provider is picked up without a restart, clock skew within the leeway is accepted, and
every refusal is the same 401 problem+json. The provider is tests/kit/idp.py (its docstring
says why it is not oidc-provider-mock)."""

from __future__ import annotations

import time
from collections.abc import AsyncIterator, Iterator

import pytest
from cryptography.hazmat.primitives.asymmetric import ec

from redress.kit.settings import Settings
from tests.kit.conftest import serve
from tests.kit.idp import AUDIENCE, Provider, provider
from tests.kit.test_tokens import assert_refused, post


@pytest.fixture
def idp() -> Iterator[Provider]:
    with provider() as running:
        yield running


def settings_for(system, tmp_path, issuer: str | None, **overrides: object) -> Settings:
    values: dict[str, object] = {
        "dev": False,
        "oidc_issuer": issuer,
        "jwt_audience": AUDIENCE,
        "database_url": system.dsn,
        "nats_url": system.nats_url,
        "nats_stream": system.bus.stream,
        "nats_subject_prefix": system.bus.prefix,
        "data_dir": tmp_path,
        "log_json": False,
        # The provider runs in a thread of this process: on two busy cores its answer may take
        # seconds, so the tests wait as long as a service does by default.
        "jwks_timeout": 5.0,
    }
    values.update(overrides)
    return Settings(**values)  # type: ignore[arg-type]


@pytest.fixture
async def client(system, tmp_path, idp) -> AsyncIterator[object]:
    """The service with the default refresh interval (30 s) and leeway (60 s)."""
    async with serve(system, settings_for(system, tmp_path, idp.issuer), tmp_path) as (c, _):
        yield c


@pytest.fixture
async def eager(system, tmp_path, idp) -> AsyncIterator[object]:
    """The service allowed to refetch keys at once, as it is when a rotation comes long after
    its last fetch."""
    settings = settings_for(system, tmp_path, idp.issuer, jwks_refresh_interval=0)
    async with serve(system, settings, tmp_path) as (c, _):
        yield c


async def test_a_token_of_the_provider_is_accepted_through_discovery(client, idp):
    response = await post(client, idp.token())
    assert response.status_code == 201, response.text
    assert idp.jwks_fetches == 1
    again = await post(client, idp.token())
    assert again.status_code == 201, again.text
    assert idp.jwks_fetches == 1, "the key set is cached"


async def test_an_explicit_jwks_url_overrides_discovery(system, tmp_path, idp):
    settings = settings_for(
        system, tmp_path, None, jwks_url=f"{idp.issuer}/keys", jwt_issuer=idp.issuer
    )
    async with serve(system, settings, tmp_path) as (client, _):
        response = await post(client, idp.token())
        assert response.status_code == 201, response.text
        assert_refused(await post(client, idp.token(iss="https://idp.elsewhere.example")))
    assert (idp.discoveries, idp.jwks_fetches) == (0, 1)


async def test_a_rotated_key_is_picked_up_without_a_restart(eager, idp):
    before = idp.token()
    assert (await post(eager, before)).status_code == 201
    # Rotation with overlap: the new key is published beside the old, then signs.
    idp.rotate(keep_old=True)
    response = await post(eager, idp.token())
    assert response.status_code == 201, response.text
    assert idp.jwks_fetches == 2
    assert (await post(eager, before)).status_code == 201, "the old key is still published"
    # Hard rotation: the old key is withdrawn, so its tokens are refused from the next refresh.
    idp.rotate()
    assert (await post(eager, idp.token())).status_code == 201
    assert_refused(await post(eager, before))


async def test_a_token_signed_by_an_unknown_key_is_refused(client, idp):
    stranger = ec.generate_private_key(ec.SECP256R1())
    assert_refused(await post(client, idp.token(key=stranger, kid="not-published")))
    # A known kid with another key's signature: the kid names a key, it proves nothing.
    assert_refused(await post(client, idp.token(key=stranger)))


async def test_unknown_kids_refetch_the_keys_at_most_once_per_interval(client, idp):
    assert (await post(client, idp.token())).status_code == 201
    stranger = ec.generate_private_key(ec.SECP256R1())
    for n in range(10):
        assert_refused(await post(client, idp.token(key=stranger, kid=f"made-up-{n}")))
    # The first fetch was moments ago: within the 30 s interval no made-up kid causes another.
    assert idp.jwks_fetches == 1


@pytest.mark.parametrize(
    "claims",
    [
        {"iss": "https://idp.elsewhere.example"},
        {"aud": "another-application"},
        {"skew": -3600, "ttl": 3600 - 61},  # expired 61 s ago: beyond the 60 s leeway
        {"skew": 180},  # issued and valid from 3 minutes in our future, beyond the leeway
        {"nbf": int(time.time()) + 3600},
    ],
    ids=["unknown-issuer", "wrong-audience", "expired", "from-the-future", "not-yet-valid"],
)
async def test_a_token_the_provider_signed_but_that_does_not_fit_is_refused(client, idp, claims):
    assert_refused(await post(client, idp.token(**claims)))


@pytest.mark.parametrize(
    "claims",
    [{"skew": -3600, "ttl": 3600 - 50}, {"skew": 50}],
    ids=["expired-50s-ago", "provider-clock-50s-ahead"],
)
async def test_clock_skew_within_the_leeway_is_accepted(client, idp, claims):
    response = await post(client, idp.token(**claims))
    assert response.status_code == 201, response.text


async def test_the_cached_keys_serve_while_the_provider_is_down(eager, idp):
    token = idp.token()
    assert (await post(eager, token)).status_code == 201
    idp.down = True
    stranger = ec.generate_private_key(ec.SECP256R1())
    assert_refused(await post(eager, idp.token(key=stranger, kid="during-outage")))
    assert (await post(eager, token)).status_code == 201
    idp.down = False
    idp.rotate()
    assert (await post(eager, idp.token())).status_code == 201, "recovered after the outage"


async def test_a_provider_that_never_answers_costs_one_deadline_and_a_503(system, tmp_path, idp):
    idp.stall.set()
    settings = settings_for(system, tmp_path, idp.issuer, jwks_timeout=0.5)
    async with serve(system, settings, tmp_path) as (client, _):
        started = time.monotonic()
        response = await post(client, idp.token())
        assert time.monotonic() - started < 3
        assert response.status_code == 503, response.text
        assert response.headers["content-type"] == "application/problem+json"
        assert response.json()["type"] == "urn:redress:problem:identity-provider-unavailable"
        assert response.headers["retry-after"] == "30"
        health = await client.get("/health")
        assert health.status_code == 200, "the event loop was not blocked"


async def test_a_discovery_document_naming_another_issuer_is_not_trusted(system, tmp_path, idp):
    # The configured issuer differs from the one the document names (a trailing slash).
    settings = settings_for(system, tmp_path, idp.issuer + "/")
    async with serve(system, settings, tmp_path) as (client, _):
        response = await post(client, idp.token(iss=idp.issuer + "/"))
        assert response.status_code == 503, response.text
    assert idp.jwks_fetches == 0
