"""The files a worker sent open for staff, decrypted, each read recorded; never for anyone
else. They come from intake's report form, sealed by intake into the keyring (ADR 0032)."""

from __future__ import annotations

import re
from typing import Any

import asyncpg

from redress.cases.attachments import CaseAttachments
from redress.cases.reads import reads_stream
from redress.events.projection import rebuild_beside
from tests.cases.test_authz import (
    ACTION,
    FACILITATOR,
    file_case,
    officer_post,
    principals,
    read_back,
)
from tests.cases.test_console import bearer, browser_for, log_in
from tests.events.helpers import wait_until
from tests.intake.conftest import TENANT
from tests.intake.test_media import recording_with_tags
from tests.intake.test_web import report_fields, tiny_png

PDF = b"%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n"
FILES = [("files", ("p.png", tiny_png(), "image/png")),
         ("files", ("note.wav", recording_with_tags(), "audio/wav")),
         ("files", ("pay.pdf", PDF, "application/pdf"))]  # fmt: skip


async def filed_with_files(platform, **fields: str) -> tuple[str, dict[str, dict[str, Any]]]:
    """A worker files on the web form with a photo, a voice note and a PDF (and the form's
    other `fields`); the case opens. The case's files by content type."""
    client = platform.intake
    page = await client.get(f"/t/{TENANT}/report")
    tokens = {
        "csrf": re.search(r'name="csrf" value="([0-9a-f]+)"', page.text).group(1),
        "form_id": re.search(r'name="form_id" value="([^"]+)"', page.text).group(1),
    }
    sent = await client.post(f"/t/{TENANT}/report", data=report_fields(tokens, **fields),
                             files=FILES)  # fmt: skip
    assert sent.status_code == 303, sent.text
    await wait_until(lambda: _count(platform, 3))
    async with platform.system.pool.acquire() as conn:
        rows = await conn.fetch("SELECT * FROM cases.attachments")
    (case_id,) = {r["case_id"] for r in rows}
    await wait_until(lambda: _case_listed(platform, case_id))
    return case_id, {r["content_type"]: dict(r) for r in rows}


async def _count(platform, count: int) -> bool:
    async with platform.system.pool.acquire() as conn:
        return bool(await conn.fetchval("SELECT count(*) FROM cases.attachments") == count)


async def _case_listed(platform, case_id: str) -> bool:
    async with platform.system.pool.acquire() as conn:
        return bool(await conn.fetchval("SELECT count(*) FROM cases.cases WHERE case_id = $1",
                                        case_id))  # fmt: skip


async def reads_of(platform, case_id: str) -> list[tuple[str, tuple[str, ...], str]]:
    events = await platform.system.store.read_stream(reads_stream(case_id))
    return [(e.data.channel, tuple(e.data.fields), e.actor.id) for e in events]


async def test_an_officer_opens_each_file_decrypted_with_strict_headers_and_each_read_recorded(
    platform,
):
    case_id, files = await filed_with_files(platform)
    assert set(files) == {"image/png", "audio/x-wav", "application/pdf"}
    officer = platform.token()
    for content_type, disposition in [("image/png", "inline"), ("audio/x-wav", "inline"),
                                      ("application/pdf", "attachment")]:  # fmt: skip
        f = files[content_type]
        answer = await platform.cases.get(
            f"/v1/cases/{case_id}/attachments/{f['attachment_id']}", headers=officer
        )
        assert answer.status_code == 200, answer.text
        assert answer.headers["content-type"] == content_type
        assert answer.headers["content-disposition"].startswith(f"{disposition}; filename=")
        assert answer.headers["x-content-type-options"] == "nosniff"
        assert answer.headers["cache-control"] == "no-store"
        assert len(answer.content) == f["size"]
    assert files["application/pdf"]["size"] == len(PDF)
    pdf = await platform.cases.get(
        f"/v1/cases/{case_id}/attachments/{files['application/pdf']['attachment_id']}",
        headers=officer,
    )
    assert pdf.content == PDF
    # Three reads of files, then the fourth: each recorded, by whom, through which door.
    assert await reads_of(platform, case_id) == [("api", ("attachments",), "officer-1")] * 4


async def test_no_one_but_staff_opens_a_file_and_a_refusal_records_nothing(platform):
    case_id, files = await filed_with_files(platform)
    other = await file_case(platform)
    url = f"/v1/cases/{case_id}/attachments/{files['image/png']['attachment_id']}"
    wrong = []
    for who, headers in principals(platform).items():
        want = {"officer": 200, "supervisor": 200, "other-tenant-officer": 404,
                "anonymous": 401}.get(who, 403)  # fmt: skip
        answer = await platform.cases.get(url, headers=headers)
        if answer.status_code != want:
            wrong.append(f"{who}: {answer.status_code}, expected {want}")
        elif want != 200 and answer.headers["content-type"] != "application/problem+json":
            wrong.append(f"{who}: {answer.headers['content-type']}")
    assert not wrong, wrong
    assert [r[2] for r in await reads_of(platform, case_id)] == ["officer-1", "supervisor-1"]
    # A file asked for through another case, or an id that is no file, is not found.
    officer = platform.token()
    for path in (f"/v1/cases/{other}/attachments/{files['image/png']['attachment_id']}",
                 f"/v1/cases/{case_id}/attachments/no-such-file"):  # fmt: skip
        answer = await platform.cases.get(path, headers=officer)
        assert answer.status_code == 404
        assert answer.json()["type"] == "urn:redress:problem:not-found"
    bad = await platform.cases.get(f"/v1/cases/{case_id}/attachments/..%2F..%2Fx",
                                   headers=officer)  # fmt: skip
    assert bad.status_code in (404, 422)
    assert len(await reads_of(platform, case_id)) == 2


async def test_staff_find_the_files_in_the_case_and_no_one_else_learns_of_them(platform):
    """The staff's case view lists each file (id, type, size: no content, no name, no read
    recorded), by which the API opens it. A member company, even one the worker let know who
    they are, the case's supplier and its facilitator are never told there are files."""
    case_id, files = await filed_with_files(platform, reveal_identity_to_company="yes")
    # The plan gives the case's supplier and a facilitator an action each: both reach it.
    await officer_post(platform, case_id, "/assign", {"facilitator": FACILITATOR})
    for path, body in [("/accept", {}), ("/advance", {"to": "response"}),
                       ("/advance", {"to": "remediation_plan"})]:  # fmt: skip
        await officer_post(platform, case_id, path, body)
    for owner in ("supplier", "facilitator"):
        written = await officer_post(platform, case_id, "/actions", {**ACTION, "owner": owner})
    await read_back(platform, case_id, written["version"])
    who = principals(platform)
    expected = sorted(
        ({k: f[k] for k in ("attachment_id", "content_type", "size")} for f in files.values()),
        key=lambda f: f["attachment_id"],
    )
    for staff in ("officer", "supervisor"):
        answer = await platform.cases.get(f"/v1/cases/{case_id}", headers=who[staff])
        assert answer.status_code == 200, answer.text
        listed = answer.json()["attachments"]
        assert sorted(listed, key=lambda f: f["attachment_id"]) == expected, staff
    assert all("attachments" not in fields for _, fields, _ in await reads_of(platform, case_id))
    for f in listed:
        opened = await platform.cases.get(
            f"/v1/cases/{case_id}/attachments/{f['attachment_id']}", headers=who["officer"]
        )
        assert opened.status_code == 200 and len(opened.content) == f["size"]
        assert opened.headers["content-type"] == f["content_type"]
    for party in ("member", "supplier", "facilitator"):
        answer = await platform.cases.get(f"/v1/cases/{case_id}", headers=who[party])
        assert answer.status_code == 200, (party, answer.text)
        assert "attachments" not in answer.json(), party
        assert not any(f["attachment_id"] in answer.text for f in expected), party
    assert "grievance" in (await platform.cases.get(f"/v1/cases/{case_id}",
                                                    headers=who["member"])).json()  # fmt: skip


async def test_an_erased_grievance_takes_its_files_with_it(platform):
    case_id, files = await filed_with_files(platform)
    grievance_id = files["image/png"]["grievance_id"]
    async with platform.system.pool.acquire() as conn:
        # What the erasure does to the key (redress.intake.erasure): the files go with it.
        await conn.execute("DELETE FROM keyring.data_keys WHERE key_id = $1",
                           f"grievance-{grievance_id}")  # fmt: skip
        assert await conn.fetchval("SELECT count(*) FROM keyring.sealed_files") == 0
    answer = await platform.cases.get(
        f"/v1/cases/{case_id}/attachments/{files['image/png']['attachment_id']}",
        headers=platform.token(),
    )
    assert answer.status_code == 410 and answer.json()["type"] == "urn:redress:problem:erased"
    assert await reads_of(platform, case_id) == []


async def test_the_case_page_previews_plays_and_offers_the_download(platform):
    case_id, files = await filed_with_files(platform)
    client = browser_for(platform)
    await log_in(client, bearer(platform.token()))
    page = await client.get(f"/console/cases/{case_id}")
    assert page.status_code == 200
    base = f"/console/cases/{case_id}/attachments/"
    assert f'<img src="{base}{files["image/png"]["attachment_id"]}"' in page.text
    audio = files["audio/x-wav"]["attachment_id"]
    assert f'<audio controls preload="none" src="{base}{audio}"' in page.text
    assert f'href="{base}{files["application/pdf"]["attachment_id"]}" download' in page.text
    csp = page.headers["content-security-policy"]
    assert "img-src 'self'" in csp and "media-src 'self'" in csp
    shown = await client.get(base + files["image/png"]["attachment_id"])
    assert shown.status_code == 200 and shown.content.startswith(b"\x89PNG")
    assert ("console", ("attachments",), "officer-1") in await reads_of(platform, case_id)


async def test_a_rebuild_gives_the_live_rows(platform):
    await filed_with_files(platform)
    async with platform.system.pool.acquire() as conn:
        live = await conn.fetch("SELECT * FROM cases.attachments ORDER BY attachment_id")
    system = platform.system
    as_service = await asyncpg.create_pool(
        system.dsn, min_size=1, max_size=2, server_settings={"role": "redress_cases"}
    )
    try:
        await rebuild_beside(CaseAttachments(), as_service, system.js, system.bus,
                             store=system.store)  # fmt: skip
    finally:
        await as_service.close()
    async with platform.system.pool.acquire() as conn:
        rebuilt = await conn.fetch("SELECT * FROM cases.attachments ORDER BY attachment_id")
    assert [dict(r) for r in rebuilt] == [dict(r) for r in live] and len(live) == 3
