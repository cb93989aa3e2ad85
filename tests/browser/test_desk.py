"""The hotline desk in headless Chromium on a 360 px screen: an operator logs in, opens an
Arabic-speaking and a Bengali-speaking worker's reports by their receipts, and reads each
back; the worker's words carry their language and direction, nothing scrolls sideways, and
axe-core finds nothing serious or critical on the login, desk, call, confirmation and filing
pages. With script off, a message is recorded and the report withdrawn, confirmed first.
"""

from __future__ import annotations

import httpx
import pytest
from playwright.async_api import Page

from redress.intake.texts import STATUS
from redress.kit.auth import signer_for
from tests.browser.test_worker_pages import assert_fits, describe, serious_violations
from tests.cases.test_worker_loop import NARRATIVES, Worker
from tests.events.helpers import wait_until
from tests.intake.conftest import TENANT
from tests.intake.test_operators import said

pytestmark = pytest.mark.browser
DIRECTIONS = {"ar": "rtl", "bn": "ltr"}


async def filed_with_a_message(site, operator: str, lang: str) -> tuple[str, str]:
    """A report filed on the web in `lang`, with a message the worker sent by phone."""
    async with httpx.AsyncClient(base_url=site.base_url, timeout=30) as client:
        reference, secret = await Worker(client).file(lang)
        receipt = {"reference": reference, "secret": secret}
        headers = {"Authorization": f"Bearer {operator}"}

        async def projected() -> bool:
            answer = await client.post("/v1/by-receipt/read", json=receipt, headers=headers)
            return answer.status_code == 200

        await wait_until(projected)
        body = receipt | {"text": NARRATIVES[lang]}
        answer = await client.post("/v1/by-receipt/reply", json=body, headers=headers)
        assert answer.status_code == 201, answer.text
    return reference, secret


async def check(page: Page, name: str, findings: dict) -> None:
    await assert_fits(page, name)
    violations = await serious_violations(page)
    if violations:
        findings[name] = violations


async def test_the_call_page_reads_in_the_worker_s_language_on_a_phone(site, page):
    signer = signer_for(site.app.state.runtime.settings)
    token = signer.issue("operator-1", TENANT, ["operator"])
    receipts = {lang: await filed_with_a_message(site, token, lang) for lang in DIRECTIONS}
    findings: dict = {}
    await page.goto(f"{site.base_url}/desk/login")
    await check(page, "login", findings)
    await page.fill("#token", token)
    await page.click("button[type=submit].primary")
    await page.wait_for_url(f"{site.base_url}/desk")
    await check(page, "desk", findings)
    for lang, (reference, secret) in receipts.items():
        await page.fill("#reference", reference)
        await page.fill("#secret", secret)
        await page.click("#open-receipt button")
        await page.wait_for_url(f"{site.base_url}/desk/call?done=opened")
        status = page.locator("#status")
        assert await status.get_attribute("lang") == lang
        assert await status.get_attribute("dir") == DIRECTIONS[lang]
        assert await status.inner_text() == said(lang, STATUS["received"])
        message = page.locator(".msg.worker .narrative")
        assert await message.inner_text() == NARRATIVES[lang]
        assert await message.get_attribute("lang") == lang
        await check(page, f"call ({lang})", findings)
        await page.click("#withdraw")
        await page.wait_for_url(f"{site.base_url}/desk/call/withdrawal")
        await check(page, f"confirm ({lang})", findings)
        await page.click("text=No, back to the call")
        await page.click("#end-call")
        await page.wait_for_url(f"{site.base_url}/desk?done=ended")
    await page.goto(f"{site.base_url}/desk/file")
    await check(page, "filing", findings)
    assert not findings, describe(findings)


async def test_a_call_is_worked_without_script(site, page_without_js):
    page = page_without_js
    signer = signer_for(site.app.state.runtime.settings)
    token = signer.issue("operator-1", TENANT, ["operator"])
    reference, secret = await filed_with_a_message(site, token, "ar")
    await page.goto(f"{site.base_url}/desk/login")
    await page.fill("#token", token)
    await page.click("button[type=submit].primary")
    await page.fill("#reference", reference)
    await page.fill("#secret", secret)
    await page.click("#open-receipt button")
    await page.fill("#reply-text", NARRATIVES["ar"])
    await page.click("#reply button")
    await page.wait_for_url(f"{site.base_url}/desk/call?done=reply*")
    assert "message was recorded" in await page.locator("#notice").inner_text()
    assert await page.locator(".msg.worker .narrative").count() == 2
    await page.click("#withdraw")
    await page.click("#confirm-withdrawal button")
    await page.wait_for_url(f"{site.base_url}/desk/call?done=withdrawal*")
    status = await page.locator("#status").inner_text()
    assert status == said("ar", STATUS["withdrawn"])
    await assert_fits(page, "withdrawn")
