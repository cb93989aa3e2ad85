"""The files a worker sent, on the console's case page: the photo previewed, the voice note
playable, the PDF downloaded, all by keyboard and axe clean; a member company never gets
one, neither through the console nor through the API."""

from __future__ import annotations

import asyncio
import re
from pathlib import Path

import httpx
import pytest
from playwright.async_api import expect

from tests.browser.test_console import log_in, press
from tests.browser.test_worker_pages import check, describe
from tests.cases.test_attachments import FILES, PDF
from tests.events.helpers import wait_until
from tests.intake.conftest import TENANT
from tests.intake.test_web import report_fields

pytestmark = [pytest.mark.browser]


async def file_with_files(site) -> tuple[str, dict[str, str]]:
    """A worker files on intake's web form with a photo, a voice note and a PDF."""
    async with httpx.AsyncClient(base_url=site.intake_url, timeout=30) as client:
        form = await client.get(f"/t/{TENANT}/report")
        tokens = {
            "csrf": re.search(r'name="csrf" value="([0-9a-f]+)"', form.text).group(1),
            "form_id": re.search(r'name="form_id" value="([^"]+)"', form.text).group(1),
        }
        sent = await client.post(f"/t/{TENANT}/report", data=report_fields(tokens), files=FILES)
    assert sent.status_code == 303, sent.text
    await wait_until(lambda: _shown(site), timeout=30)
    async with site.system.pool.acquire() as conn:
        rows = await conn.fetch("SELECT * FROM cases.attachments")
    return rows[0]["case_id"], {r["content_type"]: r["attachment_id"] for r in rows}


async def _shown(site) -> bool:
    """The case and its three files are in the console's views."""
    async with site.system.pool.acquire() as conn:
        return bool(await conn.fetchval(
            "SELECT count(*) FROM cases.attachments a JOIN cases.cases c USING (case_id)"
        ) == 3)  # fmt: skip


async def test_an_officer_sees_plays_and_downloads_the_files_and_a_member_never(
    console_site, console_page, browser
):
    site, page = console_site, console_page
    findings: dict[str, list[dict]] = {}
    case_id, files = await file_with_files(site)
    await log_in(page, site)
    await press(page, f'a[href="/console/cases/{case_id}"]')
    photo = page.locator("#attachments img")
    await expect(photo).to_have_attribute("alt", "Photo 1 sent by the worker")
    # Decrypted and shown: the 4-pixel-wide photo the worker sent.
    await page.wait_for_function(
        "() => { const i = document.querySelector('#attachments img');"
        " return i && i.complete && i.naturalWidth === 4; }"
    )
    await expect(page.locator("#attachments audio[controls]")).to_have_count(1)
    await check(page, "case with the worker's files", findings)

    # The PDF downloads by keyboard, as sent.
    async with page.expect_download() as download:
        await press(page, "#attachments a[download]")
    saved = await (await download.value).path()
    assert await asyncio.to_thread(Path(saved).read_bytes) == PDF

    # The photo opens on its own, by keyboard.
    await press(page, "#attachments figcaption a")
    await expect(page).to_have_url(site.url(f"/console/cases/{case_id}/attachments/"
                                            f"{files['image/png']}"))  # fmt: skip
    assert not findings, describe(findings)

    # A member company: the console does not let it in, and the API refuses it the file.
    context = await browser.new_context()
    member_page = await context.new_page()
    try:
        await member_page.goto(site.url("/console/login"))
        member = site.signer.issue("acme-apparel-user", TENANT, ["member"], "acme-apparel")
        await member_page.locator("#token").fill(member)
        await member_page.locator("#token").press("Enter")
        await expect(member_page.locator("[role=alert]")).to_contain_text("may not read cases")
        url = site.url(f"/console/cases/{case_id}/attachments/{files['image/png']}")
        await member_page.goto(url)
        await expect(member_page).to_have_url(site.url("/console/login"))
        answer = await member_page.request.get(
            site.url(f"/v1/cases/{case_id}/attachments/{files['image/png']}"),
            headers={"Authorization": f"Bearer {member}"},
        )
        assert answer.status == 403
        assert answer.headers["content-type"] == "application/problem+json"
    finally:
        await context.close()
