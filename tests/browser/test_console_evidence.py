"""Evidence of verification on the console, by keyboard, axe clean: the officer chooses a
photo and a PDF on the finding form, records the finding, and opens each from the case
page's links; a file of another type is refused beside the form; a member company never
opens one."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest
from playwright.async_api import expect

from tests.browser.test_console import expect_notice, file_grievance, log_in, press
from tests.browser.test_worker_pages import check, describe
from tests.cases.test_attachments import PDF
from tests.intake.conftest import TENANT
from tests.intake.test_web import tiny_png

pytestmark = [pytest.mark.browser]

FINDING = "The register lists twelve passports held in the office."


def choosers(page) -> asyncio.Queue:
    """The file choosers the page opens, from now on. Listening early: Playwright turns the
    interception of the system's dialog on without waiting for the browser's answer, so a
    chooser opened at once may still go to the dialog."""
    opened: asyncio.Queue = asyncio.Queue()
    page.on("filechooser", opened.put_nowait)
    return opened


async def choose(page, opened: asyncio.Queue, files: list[dict]) -> None:
    """Open the file chooser from the keyboard (Space on the focused field) and pick."""
    field = page.locator("#finding-files")
    await field.focus()
    await expect(field).to_be_focused()
    await page.keyboard.press("Space")
    chooser = await asyncio.wait_for(opened.get(), timeout=15)
    await chooser.set_files(files)


async def test_an_officer_records_a_finding_with_its_files_and_opens_each_by_keyboard(
    console_site, console_page, browser
):
    site, page = console_site, console_page
    findings: dict[str, list[dict]] = {}
    opened = choosers(page)
    case_id = await file_grievance(site, "identity_documents")
    await log_in(page, site)
    await press(page, f'a[href="/console/cases/{case_id}"]')
    await press(page, "#form-accept button[type=submit]")
    await expect(page.locator("#case-stage")).to_have_text("Verification")
    await check(page, "case with the finding form and its file field", findings)

    # A file of a type evidence may not have: refused beside the form, the text kept.
    await page.select_option("#finding-source", "document")
    await page.locator("#finding-text").press_sequentially(FINDING)
    await choose(page, opened, [{"name": "tool.exe", "mimeType": "application/pdf",
                         "buffer": b"MZ\x90\x00" + bytes(200)}])  # fmt: skip
    await press(page, "#form-finding button[type=submit]")
    await expect(page.locator("#error")).to_contain_text("evidence may be photos, recordings")
    await expect(page.locator("#finding-text")).to_have_value(FINDING)
    await check(page, "finding form with a refused file", findings)

    # The field, reached by keyboard, takes the files (the system's dialog is no part of
    # the page: opening it by keyboard is shown above, once).
    field = page.locator("#finding-files")
    await field.focus()
    await expect(field).to_be_focused()
    await field.set_input_files([
        {"name": "register.pdf", "mimeType": "application/pdf", "buffer": PDF},
        {"name": "cabinet.png", "mimeType": "image/png", "buffer": tiny_png()},
    ])  # fmt: skip
    await press(page, "#form-finding button[type=submit]")
    await expect_notice(page, "The finding was recorded.")
    evidence = page.locator("#findings .evidence a")
    await expect(evidence).to_have_text(["register.pdf", "cabinet.png"])
    await check(page, "case with a finding and its evidence", findings)

    # The PDF downloads by keyboard, as it was sent.
    async with page.expect_download() as download:
        await press(page, "#findings .evidence a[download]")
    saved = await (await download.value).path()
    assert await asyncio.to_thread(Path(saved).read_bytes) == PDF
    # The photo opens in the browser, by keyboard.
    photo = page.locator("#findings .evidence a:not([download])")
    url = site.url(await photo.get_attribute("href"))
    await press(page, "#findings .evidence a:not([download])")
    await expect(page).to_have_url(url)
    assert not findings, describe(findings)

    # A member company: the console does not let it in, and the API refuses it the file.
    context = await browser.new_context()
    member_page = await context.new_page()
    try:
        member = site.signer.issue("acme-apparel-user", TENANT, ["member"], "acme-apparel")
        await member_page.goto(url)
        await expect(member_page).to_have_url(site.url("/console/login"))
        answer = await member_page.request.get(
            url.replace("/console/", "/v1/"), headers={"Authorization": f"Bearer {member}"}
        )
        assert answer.status == 403
        assert answer.headers["content-type"] == "application/problem+json"
    finally:
        await context.close()
