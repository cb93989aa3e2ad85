"""The API documentation in headless Chromium: it renders, and no request leaves the service
(so it works on a network without internet, and tells no third party who reads it)."""

from __future__ import annotations

from urllib.parse import urlsplit

import pytest
from playwright.async_api import expect

from tests.browser.conftest import DESKTOP, HAVE_CHROMIUM, TIMEOUT_MS

pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(not HAVE_CHROMIUM, reason="Debian chromium not installed"),
]


async def test_docs_render_from_the_service_alone(browser, site):
    context = await browser.new_context(viewport=DESKTOP)
    origin = urlsplit(site.base_url).netloc
    elsewhere: list[str] = []
    context.on(
        "request",
        lambda r: (
            elsewhere.append(r.url)
            if urlsplit(r.url).scheme in ("http", "https") and urlsplit(r.url).netloc != origin
            else None
        ),
    )
    page = await context.new_page()
    try:
        await page.goto(f"{site.base_url}/docs")
        operation = page.get_by_text("/v1/grievances/import", exact=True)
        await expect(operation).to_be_visible(timeout=TIMEOUT_MS)
        await operation.click()  # an operation opens, with its problem+json answers
        problem = page.locator("option[value='application/problem+json']").first
        await expect(problem).to_be_attached(timeout=TIMEOUT_MS)
        await page.wait_for_load_state("networkidle")
    finally:
        await context.close()
    assert elsewhere == []
