"""Evidence on the console: the finding form takes files, the case page lists them under
their finding with links that open each (a recorded read), and a file refused says why
beside the form, with nothing written."""

from __future__ import annotations

import re

from tests.cases.test_attachments import PDF
from tests.cases.test_console import (
    alert,
    browser_for,
    case_page,
    csrf_of,
    done,
    file_grievance,
    log_in,
    officer,
    versions,
)
from tests.cases.test_evidence import reads_of
from tests.intake.test_web import tiny_png

# A file's name as its uploader typed it, isolated (bdi).
LINK = r'<a href="(/console/cases/[^"]+/evidence/[^"]+)"( download)?><bdi>([^<]+)</bdi></a>'
FINDING = {"source": "document", "finding": "The passport register lists 12 workers."}


async def send_finding(client, case_id: str, files: list, **fields: str):
    """The finding form as a browser sends it: multipart, files in the `evidence` field."""
    token = csrf_of(await case_page(client, case_id))
    return await client.post(
        f"/console/cases/{case_id}/findings",
        data={"csrf": token, **FINDING, **fields},
        files=[("evidence", f) for f in files],
    )


async def test_a_finding_recorded_with_files_lists_them_with_links_that_open_each(platform):
    case_id = (await file_grievance(platform))["case_id"]
    async with officer(platform) as client:
        await done(client, case_id, "accept")
        page = await case_page(client, case_id)
        assert 'enctype="multipart/form-data"' in page
        assert re.search(r'<input type="file" id="finding-files" name="evidence" multiple', page)
        sent = [("register-Rahima.pdf", PDF, "application/pdf"),
                ("office.png", tiny_png(), "image/png")]  # fmt: skip
        answer = await send_finding(client, case_id, sent)
        assert answer.status_code == 303, answer.text
        page = (await client.get(answer.headers["location"])).text
        assert "The finding was recorded." in page
        links = re.findall(LINK, page)
        assert [(download, name) for _, download, name in links] == [
            (" download", "register-Rahima.pdf"), ("", "office.png")
        ]  # fmt: skip
        assert 'aria-label="Evidence of finding 1"' in page
        # The names shown on the page are a read of the evidence, as the findings are.
        assert {"evidence", "findings"} <= set((await reads_of(platform, case_id))[-1][1])
        opened = await client.get(links[0][0])
        assert opened.status_code == 200 and opened.content == PDF
        assert opened.headers["content-disposition"].startswith("attachment;")
        assert (await reads_of(platform, case_id))[-1] == ("console", ("evidence",), "officer-1")
        types = await platform.log_types(case_id)
        assert types[-3:] == ["VerificationFindingRecorded"] + ["VerificationEvidenceAttached"] * 2

        # Without a file (a browser then sends an empty part), the finding alone.
        answer = await send_finding(client, case_id, [("", b"", "application/octet-stream")])
        assert answer.status_code == 303, answer.text
        assert (await platform.log_types(case_id))[-1] == "VerificationFindingRecorded"


async def test_a_refused_file_says_why_beside_the_form_and_writes_nothing(platform):
    case_id = (await file_grievance(platform))["case_id"]
    async with officer(platform) as client:
        await done(client, case_id, "accept")
        before = await versions(platform, case_id)
        big = b"%PDF-1.4\n" + b"0" * (10 * 1024 * 1024)
        for files, status, reason in [
            ([("big.pdf", big, "application/pdf")], 413, "a file may be at most 10 MB"),
            ([("tool.exe", b"MZ\x90\x00" + bytes(200), "application/pdf")], 415,
             "evidence may be photos, recordings"),
            ([(f"{i}.pdf", PDF, "application/pdf") for i in range(6)], 422,
             "attach at most 5 files at once"),
        ]:  # fmt: skip
            answer = await send_finding(client, case_id, files)
            assert answer.status_code == status, answer.text
            assert answer.headers["content-type"].startswith("text/html")
            assert reason in alert(answer.text)
            assert "Recording the finding was refused" in alert(answer.text)
            # What the officer typed is kept in the form that failed.
            assert f">{FINDING['finding']}</textarea>" in answer.text
        assert await versions(platform, case_id) == before
        async with platform.system.pool.acquire() as conn:
            assert await conn.fetchval("SELECT count(*) FROM keyring.sealed_files") == 0


async def test_a_member_never_opens_evidence_through_the_console(platform):
    case_id = (await file_grievance(platform))["case_id"]
    async with officer(platform) as client:
        await done(client, case_id, "accept")
        answer = await send_finding(client, case_id, [("a.pdf", PDF, "application/pdf")])
        page = (await client.get(answer.headers["location"])).text
        (url,) = re.findall(r'href="(/console/cases/[^"]+/evidence/[^"]+)"', page)
    reads = len(await reads_of(platform, case_id))
    async with browser_for(platform) as member:
        refused = await log_in(member, bearer_of(platform.member()))
        assert refused.status_code == 403
        away = await member.get(url)
        assert away.status_code == 303 and away.headers["location"] == "/console/login"
    assert len(await reads_of(platform, case_id)) == reads


def bearer_of(headers: dict) -> str:
    return headers["Authorization"].removeprefix("Bearer ")
