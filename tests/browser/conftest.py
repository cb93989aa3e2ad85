"""The intake service served over real HTTP by uvicorn, and Debian's headless Chromium.

The app is built as in `tests.intake.conftest` (real PostgreSQL and NATS, the relay running,
tenant `acme`), but served on a free port of 127.0.0.1 so that a real browser can load it.
Chromium is Debian's `/usr/bin/chromium`; Playwright's own browsers are never installed.
`console_site` serves intake and cases side by side the same way, for the officer console;
`assessment_site` serves assessment, for its pages.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import socket
from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path

import pytest
import uvicorn
from fastapi import FastAPI

from redress.assessment.app import service as assessment_service
from redress.cases.app import service as cases_service
from redress.events.migrations import Component, migrate
from redress.events.relay import Relay
from redress.intake.app import service
from redress.kit.auth import TokenSigner, signer_for
from redress.kit.service import app_for
from redress.kit.serving import UVICORN
from tests.assessment.conftest import ACME, MEMBERS, admit
from tests.events.helpers import running, wait_until
from tests.intake.conftest import TENANT, intake_settings, register_tenant

CHROMIUM = Path("/usr/bin/chromium")
HAVE_CHROMIUM = CHROMIUM.exists()
CHROMIUM_ARGS = [
    "--headless=new",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
PHONE = {"width": 360, "height": 740}
DESKTOP = {"width": 1280, "height": 900}
TIMEOUT_MS = 15_000


@dataclass
class Site:
    """The intake app served at `base_url`, with the test system behind it."""

    base_url: str
    app: FastAPI
    system: object

    def url(self, path: str) -> str:
        return f"{self.base_url}/t/{TENANT}{path}"


@dataclass
class ConsoleSite:
    """Intake at `intake_url` and cases (with the officer console) at `cases_url`."""

    intake_url: str
    cases_url: str
    intake_app: FastAPI
    cases_app: FastAPI
    system: object
    signer: TokenSigner

    def url(self, path: str) -> str:
        return f"{self.cases_url}{path}"

    def token(self, roles: tuple[str, ...] = ("officer",), sub: str = "officer-1") -> str:
        return self.signer.issue(sub, TENANT, list(roles))


@contextlib.asynccontextmanager
async def serving(app: FastAPI) -> AsyncIterator[str]:
    """Serve `app` with uvicorn in this event loop (uvicorn runs its lifespan)."""
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.bind(("127.0.0.1", 0))
    port = sock.getsockname()[1]
    config = uvicorn.Config(
        app,
        host="127.0.0.1",
        port=port,
        lifespan="on",
        timeout_graceful_shutdown=10,
        **UVICORN,  # as `redress serve` runs it
    )
    server = uvicorn.Server(config)
    task = asyncio.create_task(server.serve(sockets=[sock]))

    async def up() -> bool:
        return server.started or task.done()

    try:
        await wait_until(up, timeout=60)
        if task.done():
            task.result()  # raises what stopped the server from starting
            raise RuntimeError("uvicorn stopped before it started")
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        await asyncio.wait_for(task, timeout=60)
        sock.close()


@pytest.fixture
def database_components() -> list[Component]:
    return [service.component, cases_service.component]


@pytest.fixture
async def site(system, tmp_path) -> AsyncIterator[Site]:
    settings = intake_settings(system, tmp_path)
    async with system.pool.acquire() as conn:
        await migrate(conn, [service.component])
    app = app_for("intake", settings)
    relay = Relay(system.dsn, system.js, system.bus, poll_interval=0.05)
    async with running(relay.run()), serving(app) as base_url:
        await register_tenant(system)
        yield Site(base_url, app, system)


@pytest.fixture(scope="session")
async def browser():
    if not HAVE_CHROMIUM:
        # Where browsers are required (.ci/run sets it) a missing one fails, never skips.
        if os.environ.get("REDRESS_REQUIRE_BROWSER") == "1":
            pytest.fail("Debian chromium is not installed: apt-get install chromium")
        pytest.skip("Debian chromium not installed")
    from playwright.async_api import async_playwright

    async with async_playwright() as playwright:
        chromium = await playwright.chromium.launch(
            executable_path=str(CHROMIUM), args=CHROMIUM_ARGS
        )
        yield chromium
        await chromium.close()


@pytest.fixture
async def page(browser, site):
    """A page on a phone-sized screen; closed before the server stops."""
    context = await browser.new_context(viewport=PHONE)
    context.set_default_timeout(TIMEOUT_MS)
    page = await context.new_page()
    yield page
    await context.close()


@pytest.fixture
async def page_without_js(browser, site):
    context = await browser.new_context(viewport=PHONE, java_script_enabled=False)
    context.set_default_timeout(TIMEOUT_MS)
    page = await context.new_page()
    yield page
    await context.close()


@pytest.fixture
async def console_site(system, tmp_path) -> AsyncIterator[ConsoleSite]:
    settings = intake_settings(system, tmp_path)
    async with system.pool.acquire() as conn:
        await migrate(conn, [service.component, cases_service.component])
    intake_app, cases_app = app_for("intake", settings), app_for("cases", settings)
    relay = Relay(system.dsn, system.js, system.bus, poll_interval=0.05)
    async with (
        running(relay.run()),
        serving(intake_app) as intake_url,
        serving(cases_app) as cases_url,
    ):
        await register_tenant(system)
        yield ConsoleSite(
            intake_url, cases_url, intake_app, cases_app, system, signer_for(settings)
        )


@pytest.fixture
async def console_page(browser, console_site):
    """A page on a desktop screen, where officers work; closed before the servers stop."""
    context = await browser.new_context(viewport=DESKTOP)
    context.set_default_timeout(TIMEOUT_MS)
    page = await context.new_page()
    yield page
    await context.close()


@pytest.fixture
async def console_page_without_js(browser, console_site):
    context = await browser.new_context(viewport=DESKTOP, java_script_enabled=False)
    context.set_default_timeout(TIMEOUT_MS)
    page = await context.new_page()
    yield page
    await context.close()


@dataclass
class AssessmentSite:
    base_url: str
    app: FastAPI
    signer: TokenSigner

    def url(self, path: str) -> str:
        return f"{self.base_url}{path}"

    def member(self) -> str:
        return self.signer.issue("acme-lead", TENANT, ["member"], ACME)

    def officer(self) -> str:
        return self.signer.issue("officer-1", TENANT, ["officer"])


@pytest.fixture
async def assessment_site(system, tmp_path) -> AsyncIterator[AssessmentSite]:
    settings = intake_settings(system, tmp_path)
    async with system.pool.acquire() as conn:
        await migrate(conn, [assessment_service.component])
    await admit(system, *MEMBERS)  # the initiative `acme`, with the members the tests start for
    app = app_for("assessment", settings)
    relay = Relay(system.dsn, system.js, system.bus, poll_interval=0.05)
    async with running(relay.run()), serving(app) as base_url:
        yield AssessmentSite(base_url, app, signer_for(settings))
