"""Signing in to the officer console at the identity provider in headless Chromium, without
scripts: the console served by uvicorn at 127.0.0.1 and `oidc-provider-mock` at localhost,
another site, so that the browser's SameSite rules are those of a real provider. The sign-in
cookie (Lax) must come back with the provider's redirect, and the session's (Strict) must
reach the console on the way on from the callback (ADR 56)."""

from __future__ import annotations

import pytest
from playwright.async_api import expect

from redress.cases.app import service as cases_service
from redress.events.migrations import migrate
from redress.kit.service import app_for
from tests.browser.conftest import DESKTOP, TIMEOUT_MS, browser, serving  # noqa: F401
from tests.cases.test_console_sign_in import CLIENT, identity_settings, provider

pytestmark = pytest.mark.browser


async def test_an_officer_signs_in_at_the_provider_in_a_browser(
    browser,  # noqa: F811
    system,
    tmp_path,
):
    with provider() as issuer:
        settings = identity_settings(system, tmp_path, issuer, **CLIENT)
        async with system.pool.acquire() as conn:
            await migrate(conn, [cases_service.component])
        async with serving(app_for("cases", settings)) as cases_url:
            context = await browser.new_context(viewport=DESKTOP, java_script_enabled=False)
            context.set_default_timeout(TIMEOUT_MS)
            page = await context.new_page()
            try:
                await page.goto(f"{cases_url}/console")
                await page.get_by_role(
                    "link", name="Sign in with your organisation's account"
                ).click()
                assert page.url.startswith(f"{issuer}/oauth2/authorize?")  # another site
                await page.get_by_role("button", name="officer-1").click()
                await expect(page.locator("#who")).to_have_text("officer-1")
                assert page.url == f"{cases_url}/console"
                # Back at the login page, the console sees the session and moves on.
                await page.goto(f"{cases_url}/console/login")
                assert page.url == f"{cases_url}/console"
            finally:
                await context.close()
