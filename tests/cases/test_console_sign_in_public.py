"""Signing in to the officer console as a public client (no secret: PKCE alone), at the
kit's loopback provider (`tests/kit/idp.py`), whose token endpoint checks the PKCE verifier
against the challenge and can be made to stall (ADR 56).

`oidc-provider-mock` (tests/cases/test_console_sign_in.py) takes only client_secret_basic
and ignores PKCE: this one shows that the console names itself in the token request without
a secret, that its verifier matches its challenge, and that a token endpoint which does not
answer within the deadline leaves the login page saying so. Its ID tokens can name several
audiences and an authorized party (`azp`), which `oidc-provider-mock` cannot: one issued to
another client, or to several without naming ours, signs no one in.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from urllib.parse import parse_qs, urlencode, urlsplit

import pytest

from tests.cases.test_console_sign_in import assert_not_signed_in, browser, cases_app, refused
from tests.kit.idp import AUDIENCE, Provider, provider


@pytest.fixture
def idp() -> Iterator[Provider]:
    with provider() as running:
        yield running


@pytest.fixture
async def app(system, tmp_path, idp) -> AsyncIterator[object]:
    # A short deadline: the stalled token endpoint is given up on within it.
    async with cases_app(system, tmp_path, idp.issuer, oidc_client_id=AUDIENCE,
                         jwks_timeout=1.0) as served:  # fmt: skip
        yield served


async def asked_of(client, idp: Provider) -> dict[str, str]:
    answer = await client.get("/console/login/start")
    assert answer.status_code == 303, answer.text
    where = urlsplit(answer.headers["location"])
    assert f"{where.scheme}://{where.netloc}{where.path}" == f"{idp.issuer}/authorize"
    return {k: v[0] for k, v in parse_qs(where.query).items()}


def returned(asked: dict[str, str], code: str) -> str:
    return f"/console/login/callback?{urlencode({'code': code, 'state': asked['state']})}"


async def test_a_public_client_signs_in_with_pkce_alone(app, idp):
    async with browser(app) as client:
        asked = await asked_of(client, idp)
        answer = await client.get(returned(asked, idp.grant(asked, sub="officer-2")))
        assert answer.status_code == 200, answer.text
        queue = await client.get("/console")
        assert '<strong id="who">officer-2</strong>' in queue.text
    [sent] = idp.exchanges
    assert sent["client_id"] == AUDIENCE and sent["authorization"] is None  # no secret
    assert sent["grant_type"] == "authorization_code"
    assert sent["redirect_uri"] == asked["redirect_uri"]


async def test_a_verifier_not_the_challenges_is_refused_by_the_provider(app, idp):
    async with browser(app) as client:
        asked = await asked_of(client, idp)
        code = idp.grant({**asked, "code_challenge": "another-challenge"})
        refused(await client.get(returned(asked, code)), 502, "did not finish signing you in")
        await assert_not_signed_in(client)


async def test_a_token_endpoint_that_does_not_answer_in_time_is_said_plainly(app, idp):
    async with browser(app) as client:
        asked = await asked_of(client, idp)
        code = idp.grant(asked)
        idp.stall.set()
        try:
            refused(await client.get(returned(asked, code)), 503, "could not be reached")
        finally:
            idp.release.set()
        await assert_not_signed_in(client)


@pytest.mark.parametrize(
    ("claims", "logged"),
    [
        ({"aud": [AUDIENCE, "another-client"]}, "several audiences and no azp"),
        ({"azp": "another-client"}, "azp is not this client"),
        ({"aud": [AUDIENCE, "another-client"], "azp": "another-client"}, "azp is not this"),
    ],
)
async def test_an_id_token_issued_to_another_client_is_refused(app, idp, claims, logged, capfd):
    async with browser(app) as client:
        asked = await asked_of(client, idp)
        answer = await client.get(returned(asked, idp.grant(asked, **claims)))
        refused(answer, 401, "its token was issued to another application")
        await assert_not_signed_in(client)
    assert logged in "".join(capfd.readouterr())


async def test_an_id_token_of_several_audiences_naming_us_as_its_party_signs_in(app, idp):
    async with browser(app) as client:
        asked = await asked_of(client, idp)
        claims = {"aud": [AUDIENCE, "another-client"], "azp": AUDIENCE}
        answer = await client.get(returned(asked, idp.grant(asked, sub="officer-3", **claims)))
        assert answer.status_code == 200, answer.text
        queue = await client.get("/console")
        assert '<strong id="who">officer-3</strong>' in queue.text
