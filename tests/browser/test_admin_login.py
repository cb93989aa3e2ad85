"""The tenant admin's login page on a phone: it fits 360 px, and axe finds nothing serious."""

from __future__ import annotations

from playwright.async_api import Page

from tests.browser.conftest import PHONE, Site
from tests.browser.test_worker_pages import describe, serious_violations


async def test_the_tenant_admin_login_fits_a_phone(site: Site, page: Page):
    answer = await page.goto(site.url("/admin/login"))
    assert answer is not None and answer.status == 200
    width = await page.evaluate("document.documentElement.scrollWidth")
    assert width <= PHONE["width"], f"the login page scrolls sideways: {width} px"
    assert not (found := await serious_violations(page)), describe({"admin/login": found})
