"""Bearer tokens over HTTP: a correctly signed token with malformed claims, or with a lifetime
beyond the configured maximum, is refused with 401 problem+json, and every refusal says the
same thing, so that a caller learns nothing of how tokens are checked."""

import time

import jwt
import pytest

from redress.kit.auth import load_or_create_dev_key

GENERIC = "the token is invalid or expired"


def signed(settings, **claims):
    """A token signed with the platform's own key: only the claims are wrong."""
    now = int(time.time())
    base = {
        "iss": settings.jwt_issuer,
        "aud": settings.jwt_audience,
        "sub": "u1",
        "iat": now,
        "exp": now + 3600,
        "tenant": "acme",
        "roles": ["officer"],
    }
    base.update(claims)
    for name in [k for k, v in base.items() if v is DROP]:
        del base[name]
    key = load_or_create_dev_key(settings.signing_key_path)
    return jwt.encode(base, key, algorithm="EdDSA")


DROP = object()


async def post(client, token):
    return await client.post("/v1/cases", headers={"Authorization": f"Bearer {token}"})


def assert_refused(response):
    assert response.status_code == 401, response.text
    assert response.headers["content-type"] == "application/problem+json"
    problem = response.json()
    assert problem["type"] == "urn:redress:problem:invalid-token"
    assert problem["detail"] == GENERIC
    assert response.headers["www-authenticate"] == 'Bearer error="invalid_token"'


@pytest.mark.parametrize(
    "claims",
    [
        {"roles": [["officer"]]},
        {"roles": "officer"},
        {"roles": [{"name": "officer"}]},
        {"roles": ["officer", 7]},
        {"tenant": 7},
        {"tenant": ["acme"]},
        {"tenant": DROP},
        {"sub": 1234},
        {"org": ["m1"]},
        {"exp": "9999999999"},
        {"iat": "0"},
        {"iat": DROP},
    ],
    ids=lambda c: ",".join(f"{k}={'missing' if v is DROP else v!r}" for k, v in c.items()),
)
async def test_a_signed_token_with_malformed_claims_gets_401(service, settings, claims):
    client, _ = service
    response = await post(client, signed(settings, **claims))
    assert_refused(response)


async def test_a_token_living_longer_than_the_maximum_is_refused(service, settings):
    client, _ = service
    now = int(time.time())
    century = signed(settings, iat=now, exp=now + 100 * 365 * 86400)
    assert_refused(await post(client, century))
    over = signed(settings, iat=now, exp=now + 12 * 3600 + 1)
    assert_refused(await post(client, over))
    longest = signed(settings, iat=now, exp=now + 12 * 3600)
    assert (await post(client, longest)).status_code == 201


async def test_the_maximum_lifetime_is_a_setting(system, settings, tmp_path):
    from tests.kit.conftest import serve

    short = settings.model_copy(update={"token_max_lifetime": 3600})
    now = int(time.time())
    async with serve(system, short, tmp_path) as (client, _):
        assert_refused(await post(client, signed(short, iat=now, exp=now + 7200)))
        assert (await post(client, signed(short, iat=now, exp=now + 3600))).status_code == 201


async def test_every_refusal_reads_the_same(service, settings, token):
    """Expired, forged, wrong audience or garbage: the answer does not tell them apart."""
    client, _ = service
    now = int(time.time())
    tokens = [
        signed(settings, iat=now - 7200, exp=now - 3600),
        token()[:-4] + "AAAA",
        signed(settings, aud="elsewhere"),
        signed(settings, iss="someone-else"),
        "not.a.token",
        "x" * 50,
    ]
    bodies = []
    for t in tokens:
        response = await post(client, t)
        assert_refused(response)
        body = response.json()
        bodies.append((body["title"], body["detail"]))
        for leak in ("Signature", "audience", "issuer", "segments", "Invalid", "decode"):
            assert leak not in response.text
    assert len(set(bodies)) == 1
