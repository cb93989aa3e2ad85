"""Signing in to a tenant's admin pages at the identity provider (ADR 56): intake as `redress
serve` builds it with `REDRESS_OIDC_ISSUER` and `REDRESS_OIDC_CLIENT_ID` set, and a real
OpenID provider (`oidc-provider-mock`, on loopback) whose login form the test posts, as a
person would. The pages sign in through the kit's `sign_in`, as the consoles do.

An admin of the tenant reaches the settings page, the session kept in the admin pages'
own cookie; an admin of another tenant, a sign-in the provider refused and a return
replayed each show the login page saying why, and sign no one in. Without a client id the
login page is the token form alone.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from urllib.parse import parse_qs, urlencode, urlsplit

import httpx
import oidc_provider_mock
import pytest

from tests.cases.test_console_sign_in import CLIENT, at_provider, browser, identity_settings
from tests.intake.conftest import TENANT, intake_settings, serving

ADMIN = f"/t/{TENANT}/admin"
USERS = [
    oidc_provider_mock.User(sub="admin-1", claims={"tenant": TENANT, "roles": ["admin"]}),
    oidc_provider_mock.User(sub="admin-9", claims={"tenant": "globex-msi", "roles": ["admin"]}),
]


@pytest.fixture
def issuer() -> Iterator[str]:
    with oidc_provider_mock.run_server_in_thread(0, user_claims=USERS) as server:
        yield f"http://localhost:{server.server_port}"


@pytest.fixture
async def app(system, tmp_path, issuer) -> AsyncIterator[object]:
    settings = identity_settings(system, tmp_path, issuer, **CLIENT)
    async with serving(system, settings) as harness:
        yield harness.app


async def started(client: httpx.AsyncClient, issuer: str) -> dict[str, str]:
    """Start a sign-in from the admin login page; what the pages asked the provider."""
    page = await client.get(f"{ADMIN}/login")
    assert page.status_code == 200, page.text
    assert f'href="{ADMIN}/login/start"' in page.text
    assert f'action="{ADMIN}/login"' in page.text  # the token form stays beside it
    answer = await client.get(f"{ADMIN}/login/start")
    assert answer.status_code == 303, answer.text
    where = urlsplit(answer.headers["location"])
    assert f"{where.scheme}://{where.netloc}{where.path}" == f"{issuer}/oauth2/authorize"
    cookie = answer.headers["set-cookie"].lower()
    for part in ("staff_sign_in=", "httponly", "samesite=lax", "secure", f"path={ADMIN}"):
        assert part in cookie, cookie
    asked = {k: v[0] for k, v in parse_qs(where.query).items()}
    assert asked["redirect_uri"] == f"https://console.example.org{ADMIN}/login/callback"
    return asked


async def assert_not_signed_in(client: httpx.AsyncClient) -> None:
    assert "admin_token" not in client.cookies
    answer = await client.get(ADMIN)
    assert answer.status_code == 303 and answer.headers["location"] == f"{ADMIN}/login"


def refused(answer: httpx.Response, status: int, said: str) -> None:
    assert answer.status_code == status, answer.text
    assert "admin_token" not in answer.headers.get("set-cookie", "")
    assert said in answer.text, answer.text
    assert f'href="{ADMIN}/login/start"' in answer.text  # a way to start again
    assert f'action="{ADMIN}/login"' in answer.text


async def test_an_admin_signs_in_at_the_provider_and_sees_the_tenants_settings(app, issuer):
    async with browser(app) as client:
        back = await at_provider(issuer, await started(client, issuer), sub="admin-1")
        answer = await client.get(back)
        assert answer.status_code == 200, answer.text
        assert f'http-equiv="refresh" content="0; url={ADMIN}"' in answer.text
        kept = next(
            c.lower() for c in answer.headers.get_list("set-cookie") if c.startswith("admin_token=")
        )
        for part in ("httponly", "samesite=strict", "secure", f"path={ADMIN}"):
            assert part in kept, kept
        assert "staff_sign_in" not in client.cookies  # one return per sign-in
        page = await client.get(ADMIN)
        assert page.status_code == 200 and "Acme Initiative" in page.text


async def test_an_admin_of_another_tenant_is_refused(app, issuer):
    async with browser(app) as client:
        back = await at_provider(issuer, await started(client, issuer), sub="admin-9")
        refused(await client.get(back), 403, "not as an admin of this initiative")
        await assert_not_signed_in(client)


async def test_a_sign_in_the_provider_refused_is_said_plainly(app, issuer):
    async with browser(app) as client:
        back = await at_provider(issuer, await started(client, issuer), action="deny")
        refused(await client.get(back), 400, "cancelled or refused at your organisation")
        await assert_not_signed_in(client)


async def test_a_return_taken_twice_is_refused_the_second_time(app, issuer):
    async with browser(app) as first:
        back = await at_provider(issuer, await started(first, issuer), sub="admin-1")
        pending = first.cookies["staff_sign_in"]
        assert (await first.get(back)).status_code == 200
    async with browser(app) as replayed:
        replayed.cookies.set("staff_sign_in", pending, domain="console.example.org")
        refused(await replayed.get(back), 400, "was already used")
        await assert_not_signed_in(replayed)


async def test_a_sign_in_started_for_another_tenant_is_refused(app, issuer):
    """The sealed sign-in is bound to the pages' path: one started at another tenant's admin
    pages does not finish at these."""
    async with browser(app) as client:
        asked = await started(client, issuer)
        back = await at_provider(issuer, asked, sub="admin-1")
        pending = client.cookies["staff_sign_in"]
        elsewhere = back.replace(ADMIN, "/t/globex-msi/admin")
        client.cookies.clear()
        client.cookies.set("staff_sign_in", pending, domain="console.example.org")
        refused_elsewhere = await client.get(elsewhere)
        assert refused_elsewhere.status_code == 400, refused_elsewhere.text
        assert "was not started in this browser" in refused_elsewhere.text
        assert "admin_token" not in client.cookies


async def test_without_a_client_id_the_login_page_is_the_token_form_alone(system, tmp_path):
    async with serving(system, intake_settings(system, tmp_path)) as harness:
        client = browser(harness.app)
        async with client:
            page = await client.get(f"{ADMIN}/login")
            assert page.status_code == 200 and f'action="{ADMIN}/login"' in page.text
            assert "/login/start" not in page.text and "organisation" not in page.text
            assert (await client.get(f"{ADMIN}/login/start")).status_code == 404
            query = urlencode({"code": "c", "state": "s"})
            assert (await client.get(f"{ADMIN}/login/callback?{query}")).status_code == 404
