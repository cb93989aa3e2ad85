"""The tenant admin's pages on a phone: the login and the settings page fit 360 px, and axe
finds nothing serious on either."""

from __future__ import annotations

from playwright.async_api import Page, expect

from redress.events.catalogue.tenant import MemberOrganisationJoined, SiteRegistered
from redress.events.envelope import Actor, Metadata
from redress.events.ids import derived_stream
from redress.kit.auth import signer_for
from tests.browser.conftest import PHONE, Site
from tests.browser.test_worker_pages import describe, serious_violations
from tests.intake.conftest import TENANT

# What sticks out past the page's right edge: its tag, id or name, and its right edge.
WIDER_THAN_THE_PAGE = """[...document.querySelectorAll('main *')]
  .filter(e => e.getBoundingClientRect().right > document.documentElement.clientWidth)
  .map(e => `${e.tagName.toLowerCase()}#${e.id || e.getAttribute('name') || ''}`
            + ` ${Math.round(e.getBoundingClientRect().right)}`)"""


async def test_the_tenant_admin_login_fits_a_phone(site: Site, page: Page):
    answer = await page.goto(site.url("/admin/login"))
    assert answer is not None and answer.status == 200
    width = await page.evaluate("document.documentElement.scrollWidth")
    assert width <= PHONE["width"], f"the login page scrolls sideways: {width} px"
    assert not (found := await serious_violations(page)), describe({"admin/login": found})


async def test_the_tenant_admin_page_reflows_on_a_phone(site: Site, page: Page):
    """WCAG 1.4.10: at 360 px nothing makes the settings page scroll sideways, not its boxes
    for addresses, nor a member's or a site's long unbroken id."""
    stream = derived_stream("tenant", TENANT)
    version = len(await site.system.store.read_stream(stream))
    # Ids as admins choose them: a member's may hold no place to break a line at all.
    org, site_id = "karnaphuli_knitwear_and_denim_works.chittagong_epz", "ctg-epz-3"
    joined = [MemberOrganisationJoined(org=org, name="Karnaphuli Knitwear and Denim Works"),
              SiteRegistered(site_id=site_id, name="Karnaphuli Knitwear", country="BD",
                             member_orgs=(org,))]  # fmt: skip
    meta = Metadata(tenant=TENANT, actor=Actor(id="admin", role="admin"))
    await site.system.store.append(stream, joined, version, meta)
    token = signer_for(site.app.state.runtime.settings).issue("admin-1", TENANT, ["admin"])
    await page.goto(site.url("/admin/login"))
    await page.fill("textarea[name=token]", token)
    await page.click("button[type=submit]")
    await expect(page.locator("#form-alert-recipients")).to_be_visible()
    await expect(page.locator("main")).to_contain_text("Karnaphuli Knitwear and Denim Works")
    width = await page.evaluate("document.documentElement.scrollWidth")
    wide = await page.evaluate(WIDER_THAN_THE_PAGE)
    assert width <= PHONE["width"], f"the admin page scrolls sideways: {width} px, {wide}"
    assert not (found := await serious_violations(page)), describe({"admin": found})
