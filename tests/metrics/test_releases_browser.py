"""The admins' releases pages in headless Chromium at 360 px wide, signed in by the console's
cookie: the list with its forms (and a refused form), a publication under way, refused and
published, with no serious or critical axe finding but one: the refreshing page's own
`meta-refresh` (WCAG 2.2.1), which the page answers with a link that stops it, first on the
page; stopped, the page has no finding at all."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from playwright.async_api import Route, expect

from redress.events.envelope import Actor, Metadata
from redress.metrics import publications, publishing
from tests.browser.conftest import PHONE, TIMEOUT_MS, browser  # noqa: F401
from tests.browser.test_worker_pages import describe, serious_violations
from tests.metrics.conftest import TENANT, TIMEOUT
from tests.metrics.test_dashboards import COOKIE, bearer

pytestmark = [pytest.mark.browser, pytest.mark.timeout(TIMEOUT)]


async def test_the_releases_pages_pass_axe_and_fit_a_phone(
    figures_site,
    browser,  # noqa: F811 (the browser tests' one Chromium)
    tmp_path,
):
    pool = figures_site.generated.pool
    meta = Metadata(tenant=TENANT, actor=Actor(id="admin-1", role="admin"))
    async with pool.acquire() as conn:
        job = await publications.ask(conn, meta, "2024-07", None, datetime.now(UTC))
        # Never stale while the browser looks: no process takes it up and publishes it.
        await conn.execute(
            """UPDATE metrics.publications SET state = 'working', step = 'protecting',
               audited = 120, to_audit = 310, heartbeat = 'infinity' WHERE id = $1""",
            job.id,
        )
    base = f"{figures_site.base_url}/dashboard/{TENANT}"
    here = f"{base}/publications/{job.id}"
    context = await browser.new_context(viewport=PHONE)
    context.set_default_timeout(TIMEOUT_MS)
    await context.add_cookies([{"name": COOKIE, "value": bearer(figures_site, ["admin"]),
                                "url": f"{figures_site.base_url}/dashboard"}])  # fmt: skip
    page = await context.new_page()
    findings: dict[str, list[dict]] = {}
    loads: list[str] = []

    async def once(route: Route) -> None:
        # The refresh two seconds on is answered 204: the page stays as axe reads it.
        loads.append(route.request.url)
        await (route.continue_() if len(loads) == 1 else route.fulfill(status=204))

    async def look(name: str, heading: str, allowed: frozenset[str] = frozenset()) -> None:
        await expect(page.locator("h1")).to_have_text(heading)
        found = [v for v in await serious_violations(page) if v["id"] not in allowed]
        if found:
            findings[name] = found
        width = await page.evaluate("document.documentElement.scrollWidth")
        assert width <= PHONE["width"], (name, width)
        await page.screenshot(path=str(tmp_path / f"{name}.png"), full_page=True)

    try:
        await page.goto(f"{base}/releases")
        await look("releases", "Releases")
        await page.fill("#publish-period", "2999-01")
        await page.click("button:text-is('Publish')")
        await expect(page.locator("#publish-period")).to_have_attribute("aria-invalid", "true")
        await look("releases refused", "Releases")
        await page.route(here, once)
        await page.goto(here)
        await expect(page.locator("#progress")).to_contain_text("120 of 310")
        await expect(page.locator("head meta[http-equiv=refresh]")).to_have_count(1)
        await look("under way", "Publishing 2024-07", frozenset({"meta-refresh"}))
        await page.unroute(here)
        await page.click("text=Stop refreshing")
        await expect(page.locator("head meta[http-equiv=refresh]")).to_have_count(0)
        await look("under way, not refreshing", "Publishing 2024-07")
        async with pool.acquire() as conn:
            await conn.execute(
                """UPDATE metrics.publications SET state = 'refused', step = 'refused',
                   problem = $2::jsonb WHERE id = $1""",
                job.id,
                publishing.refusal(409, "budget-exhausted", "Refused", "the budget is spent"),
            )
        await page.goto(here)
        await expect(page.locator("#outcome")).to_contain_text("Not published")
        await look("refused", "Publishing 2024-07")
        async with pool.acquire() as conn:
            await conn.execute(
                """UPDATE metrics.publications SET state = 'published', step = 'published',
                   problem = NULL, number = 1, release_id = $2 WHERE id = $1""",
                job.id,
                figures_site.release["document"]["release"],
            )
        await page.goto(here)
        await page.click("text=see release 1")
        await expect(page).to_have_url(
            f"{figures_site.base_url}/t/{TENANT}/figures/releases/"
            f"{figures_site.release['document']['release']}"
        )
    finally:
        await context.close()
        async with pool.acquire() as conn:
            await conn.execute("DELETE FROM metrics.publications WHERE id = $1", job.id)
    assert not findings, describe(findings)
