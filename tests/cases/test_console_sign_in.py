"""Signing in to the officer console at the identity provider (ADR 56): a real OpenID
provider (`oidc-provider-mock`, on loopback) and the cases service as `redress serve` builds
it, with `REDRESS_OIDC_ISSUER` and `REDRESS_OIDC_CLIENT_ID` set. The browser is an httpx
client with a cookie jar; the provider's login form is posted by the test, as a person would.

The full round trip ends on the console's queue; a return whose state is not the sign-in's,
one taken twice, one the provider refused, one whose ID token carries another nonce, one
after ten minutes, one the provider cannot finish, and one of a person without the console's
role each show the login page saying why, and sign no one in. Without a client id the login
page is as it was.
"""

from __future__ import annotations

import contextlib
import re
import time
from collections.abc import AsyncIterator, Iterator
from contextlib import AsyncExitStack
from urllib.parse import parse_qs, urlencode, urlsplit

import httpx
import oidc_provider_mock
import pytest

from redress.cases.app import service as cases_service
from redress.events.migrations import migrate
from redress.kit.service import app_for
from redress.kit.settings import Settings
from tests.intake.conftest import CLIENT_ADDRESS

CLIENT_ID = "redress-consoles"
# A confidential client: this provider takes only client_secret_basic at its token endpoint.
CLIENT = {"oidc_client_id": CLIENT_ID, "oidc_client_secret": "s3cret/with:reserved chars"}
USERS = [
    oidc_provider_mock.User(sub="officer-1", claims={"tenant": "acme", "roles": ["officer"]}),
    oidc_provider_mock.User(
        sub="acme-apparel-user",
        claims={"tenant": "acme", "roles": ["member"], "org": "acme-apparel"},
    ),
]


@contextlib.contextmanager
def provider() -> Iterator[str]:
    with oidc_provider_mock.run_server_in_thread(0, user_claims=USERS) as server:
        yield f"http://localhost:{server.server_port}"


@pytest.fixture
def issuer() -> Iterator[str]:
    with provider() as base:
        yield base


def identity_settings(system, tmp_path, issuer: str, **identity: object) -> Settings:
    return Settings(
        dev=True,  # for its keyset and root secret; the tokens are the provider's
        oidc_issuer=issuer,
        database_url=system.dsn,
        nats_url=system.nats_url,
        nats_stream=system.bus.stream,
        nats_subject_prefix=system.bus.prefix,
        data_dir=tmp_path,
        log_json=True,
        _env_file=None,
        **identity,  # type: ignore[arg-type]
    )


@contextlib.asynccontextmanager
async def cases_app(system, tmp_path, issuer: str, **identity: object) -> AsyncIterator[object]:
    settings = identity_settings(system, tmp_path, issuer, **identity)
    async with system.pool.acquire() as conn:
        await migrate(conn, [cases_service.component])
    app = app_for("cases", settings)
    async with AsyncExitStack() as stack:
        await stack.enter_async_context(app.router.lifespan_context(app))
        yield app


@pytest.fixture
async def app(system, tmp_path, issuer) -> AsyncIterator[object]:
    async with cases_app(system, tmp_path, issuer, **CLIENT) as served:
        yield served


def browser(app) -> httpx.AsyncClient:
    """One person's browser: a cookie jar, on https as the public reaches the console."""
    transport = httpx.ASGITransport(app=app, client=CLIENT_ADDRESS)
    return httpx.AsyncClient(transport=transport, base_url="https://console.example.org")


async def started(client: httpx.AsyncClient, issuer: str) -> dict[str, str]:
    """Start a sign-in from the login page; what the console asked the provider."""
    page = await client.get("/console/login")
    assert 'href="/console/login/start"' in page.text
    assert "Sign in with your organisation's account" in page.text
    assert 'action="/console/login"' in page.text  # the token form stays, below
    answer = await client.get("/console/login/start")
    assert answer.status_code == 303, answer.text
    where = urlsplit(answer.headers["location"])
    assert f"{where.scheme}://{where.netloc}{where.path}" == f"{issuer}/oauth2/authorize"
    cookie = answer.headers["set-cookie"].lower()
    for part in ("staff_sign_in=", "httponly", "samesite=lax", "secure", "path=/console",
                 "max-age=600"):  # fmt: skip
        assert part in cookie, cookie
    return {k: v[0] for k, v in parse_qs(where.query).items()}


async def at_provider(issuer: str, asked: dict[str, str], **form: str) -> str:
    """The person at the provider's login form: where it sends their browser back to."""
    async with httpx.AsyncClient(base_url=issuer, timeout=10) as client:
        answer = await client.post("/oauth2/authorize", params=asked, data=form)
    assert answer.status_code == 302, answer.text
    back = urlsplit(answer.headers["location"])
    assert f"{back.scheme}://{back.netloc}{back.path}" == asked["redirect_uri"]
    return f"{back.path}?{back.query}"


async def assert_not_signed_in(client: httpx.AsyncClient) -> None:
    assert "staff_token" not in client.cookies
    answer = await client.get("/console")
    assert answer.status_code == 303 and answer.headers["location"] == "/console/login"


def refused(answer: httpx.Response, status: int, said: str) -> None:
    assert answer.status_code == status, answer.text
    assert "staff_token" not in answer.headers.get("set-cookie", "")
    assert said in answer.text, answer.text
    assert 'href="/console/login/start"' in answer.text  # a way to start again


async def test_an_officer_signs_in_at_the_provider_and_sees_the_queue(app, issuer, capfd):
    async with browser(app) as client:
        asked = await started(client, issuer)
        assert asked["response_type"] == "code" and asked["client_id"] == CLIENT_ID
        assert asked["redirect_uri"] == "https://console.example.org/console/login/callback"
        assert asked["scope"] == "openid" and asked["code_challenge_method"] == "S256"
        assert len(asked["code_challenge"]) == 43 and asked["state"] != asked["nonce"]
        back = await at_provider(issuer, asked, sub="officer-1")
        answer = await client.get(back)
        assert answer.status_code == 200, answer.text
        session = answer.headers.get_list("set-cookie")
        kept = next(c.lower() for c in session if c.startswith("staff_token="))
        for part in ("httponly", "samesite=strict", "secure", "path=/console"):
            assert part in kept, kept
        assert 'http-equiv="refresh" content="0; url=/console"' in answer.text
        assert "staff_sign_in" not in client.cookies  # one return per sign-in
        queue = await client.get("/console")
        assert queue.status_code == 200, queue.text
        assert '<strong id="who">officer-1</strong>' in queue.text
    # Nothing of the code or the ID token reaches a log line.
    code, token = parse_qs(urlsplit(back).query)["code"][0], client.cookies["staff_token"]
    logged = "".join(capfd.readouterr())
    assert '"route": "/console/login/callback"' in logged  # the request was logged
    assert code not in logged and token not in logged and token.split(".")[1] not in logged


async def test_logging_out_ends_the_consoles_session_and_says_the_providers_goes_on(app, issuer):
    async with browser(app) as client:
        back = await at_provider(issuer, await started(client, issuer), sub="officer-1")
        assert (await client.get(back)).status_code == 200
        queue = await client.get("/console")
        csrf = re.search(r'name="csrf" value="([^"]+)"', queue.text).group(1)
        out = await client.post("/console/logout", data={"csrf": csrf})
        assert out.status_code == 303 and out.headers["location"] == "/console/login?done=out"
        said = (await client.get(out.headers["location"])).text
        assert "You have logged out. You are still signed in at your organisation" in said
        await assert_not_signed_in(client)


async def test_a_return_whose_state_is_not_the_sign_ins_is_refused(app, issuer):
    async with browser(app) as client:
        asked = await started(client, issuer)
        back = await at_provider(issuer, {**asked, "state": "someone-elses"}, sub="officer-1")
        refused(await client.get(back), 400, "was not started in this browser")
        await assert_not_signed_in(client)


async def test_a_return_taken_twice_is_refused_the_second_time(app, issuer):
    async with browser(app) as first:
        back = await at_provider(issuer, await started(first, issuer), sub="officer-1")
        pending = first.cookies["staff_sign_in"]
        assert (await first.get(back)).status_code == 200
        # The same browser again, then another holding the return and its cookie.
        refused(await first.get(back), 400, "was already used")
    async with browser(app) as replayed:
        replayed.cookies.set("staff_sign_in", pending, domain="console.example.org")
        refused(await replayed.get(back), 400, "was already used")
        await assert_not_signed_in(replayed)


async def test_a_sign_in_the_provider_refused_is_said_plainly(app, issuer):
    async with browser(app) as client:
        back = await at_provider(issuer, await started(client, issuer), action="deny")
        assert "error=access_denied" in back
        refused(await client.get(back), 400, "cancelled or refused at your organisation")
        await assert_not_signed_in(client)


async def test_a_person_without_the_consoles_role_is_refused(app, issuer):
    async with browser(app) as client:
        back = await at_provider(issuer, await started(client, issuer), sub="acme-apparel-user")
        refused(await client.get(back), 403, "the console is for the MSI&#39;s grievance")
        await assert_not_signed_in(client)


async def test_an_id_token_of_another_nonce_is_refused(app, issuer):
    async with browser(app) as client:
        asked = await started(client, issuer)
        back = await at_provider(issuer, {**asked, "nonce": "another"}, sub="officer-1")
        refused(await client.get(back), 401, "its token is invalid or expired")
        await assert_not_signed_in(client)


async def test_a_sign_in_left_longer_than_ten_minutes_is_refused(app, issuer, monkeypatch):
    async with browser(app) as client:
        back = await at_provider(issuer, await started(client, issuer), sub="officer-1")
        from redress.kit.console import sign_in  # its clock, not the provider's

        later = time.time() + 10 * 60 + 1
        monkeypatch.setattr(
            sign_in, "time", type("Later", (), {"time": staticmethod(lambda: later)})
        )
        refused(await client.get(back), 400, "took longer than 10 minutes")
        await assert_not_signed_in(client)


async def test_a_provider_gone_before_the_exchange_is_said_plainly(system, tmp_path):
    running = provider()
    issuer = running.__enter__()
    try:
        served = cases_app(system, tmp_path, issuer, **CLIENT)
        async with served as app, browser(app) as client:
            back = await at_provider(issuer, await started(client, issuer), sub="officer-1")
            running.__exit__(None, None, None)
            running = None
            refused(await client.get(back), 503, "could not be reached")
            await assert_not_signed_in(client)
    finally:
        if running is not None:
            running.__exit__(None, None, None)


async def test_a_provider_never_reached_is_said_plainly(system, tmp_path):
    nowhere = "http://localhost:1"
    served = cases_app(system, tmp_path, nowhere, **CLIENT)
    async with served as app, browser(app) as client:
        refused(await client.get("/console/login/start"), 503, "could not be reached")


async def test_without_a_client_id_the_login_page_is_as_it_was(system, tmp_path, issuer):
    async with cases_app(system, tmp_path, issuer) as app, browser(app) as client:
        page = await client.get("/console/login")
        assert page.status_code == 200 and 'action="/console/login"' in page.text
        assert "/login/start" not in page.text and "organisation" not in page.text
        assert (await client.get("/console/login/start")).status_code == 404
        query = urlencode({"code": "c", "state": "s"})
        assert (await client.get(f"/console/login/callback?{query}")).status_code == 404
