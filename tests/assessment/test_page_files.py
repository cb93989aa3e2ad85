"""Evidence files and the PDF from the pages: a member attaches a document with an ordinary
form, sealed as through the API; a bad file is a page saying why, with nothing saved; the
PDF and the files download with the console's cookie; `/console` leads to the pages."""

from __future__ import annotations

import re

from redress.assessment.files_api import MAX_BYTES
from tests.assessment.conftest import ACME
from tests.assessment.test_files import PDF
from tests.assessment.test_pages import logged_in


async def attach(p, assessment_id: str, csrf: str, criterion="gov-l2", name="policy.pdf",
                 content=PDF, media="application/pdf"):  # fmt: skip
    return await p.client.post(
        f"/assessments/{assessment_id}/answers/{criterion}/files",
        data={"csrf": csrf}, files={"file": (name, content, media)},
    )  # fmt: skip


async def test_a_member_attaches_a_file_from_the_page_and_downloads_it(platform):
    p = platform
    assessment_id = await p.start()
    _, csrf = await logged_in(p, p.member()["Authorization"].split()[1])
    await p.caught_up(assessment_id)
    page = await p.client.get(f"/assessments/{assessment_id}")
    assert 'enctype="multipart/form-data"' in page.text and 'id="file-gov-l2"' in page.text
    added = await attach(p, assessment_id, csrf)
    assert added.status_code == 303
    assert added.headers["location"].endswith("#c-gov-l2")
    shown = await p.client.get(added.headers["location"].split("#")[0])
    link = re.search(rf'href="(/assessments/{assessment_id}/files/file-[0-9a-f]{{32}})"',
                     shown.text)  # fmt: skip
    assert link and "policy.pdf" in shown.text
    (event,) = [e.data for e in await p.system.store.read_stream(assessment_id)
                if e.type == "EvidenceFileAttached"]  # fmt: skip
    assert (event.criterion, event.name, event.size) == ("gov-l2", "policy.pdf", len(PDF))
    async with p.system.pool.acquire() as conn:
        sealed = await conn.fetchval("SELECT sealed::text FROM assessment.evidence_files")
    assert "grievance policy" not in sealed
    got = await p.client.get(link[1])
    assert got.status_code == 200 and got.content == PDF
    assert got.headers["content-type"] == "application/pdf"
    # Another organisation's member has no such file.
    await logged_in(p, p.member("brand-b")["Authorization"].split()[1])
    assert (await p.client.get(link[1])).status_code == 404


async def test_a_bad_file_is_a_page_that_says_why_and_nothing_is_saved(platform):
    p = platform
    assessment_id = await p.start()
    _, csrf = await logged_in(p, p.member()["Authorization"].split()[1])
    await p.caught_up(assessment_id)
    before = await p.log_types(assessment_id)
    refusals = [
        ({"name": "tool.exe", "content": b"MZ", "media": "application/x-msdownload"},
         415, "must be a PDF, PNG, JPEG"),
        ({"content": b"%PDF" + b"0" * MAX_BYTES}, 413, "at most 10 MB"),
        ({"content": b""}, 422, "The file is empty"),
        ({"criterion": "gov-l99"}, 404, "No criterion"),
    ]  # fmt: skip
    for sent, status, says in refusals:
        answer = await attach(p, assessment_id, csrf, **sent)
        assert answer.status_code == status, (sent.get("name"), answer.text[:300])
        assert "text/html" in answer.headers["content-type"]
        assert "The file was not attached" in answer.text and says in answer.text
        assert f'href="/assessments/{assessment_id}#c-' in answer.text
    path = f"/assessments/{assessment_id}/answers/gov-l2/files"
    forged = await p.client.post(path, files={"file": ("policy.pdf", PDF, "application/pdf")})
    assert forged.status_code == 403  # no CSRF token
    await p.answer(assessment_id, "gov-l1")
    await p.post(f"/v1/assessments/{assessment_id}/submit")
    submitted = await attach(p, assessment_id, csrf)
    assert submitted.status_code == 409 and "The file was not attached" in submitted.text
    assert await p.log_types(assessment_id) == [*before, "AnswerRecorded", "AssessmentSubmitted"]
    async with p.system.pool.acquire() as conn:
        assert await conn.fetchval("SELECT count(*) FROM assessment.evidence_files") == 0
    # Someone else's assessment stays unknown, as every page of the console keeps it.
    await logged_in(p, p.member("brand-b")["Authorization"].split()[1])
    _, csrf = await logged_in(p, p.member("brand-b")["Authorization"].split()[1])
    theirs = await attach(p, assessment_id, csrf)
    assert theirs.status_code == 404 and "not attached" not in theirs.text


async def test_the_page_links_the_pdf_once_submitted_and_console_leads_to_the_pages(platform):
    p = platform
    assessment_id = await p.submitted(["gov-l1"])
    for path in ("/console", "/console/"):
        moved = await p.client.get(path)
        assert moved.status_code == 307 and moved.headers["location"] == "/assessments"
    await logged_in(p, p.member()["Authorization"].split()[1])
    await p.caught_up(assessment_id)
    page = await p.client.get(f"/assessments/{assessment_id}")
    link = f"/assessments/{assessment_id}/export.pdf"
    assert f'href="{link}"' in page.text
    got = await p.client.get(link)
    assert got.status_code == 200 and got.headers["content-type"] == "application/pdf"
    assert got.content.startswith(b"%PDF-") and ACME.encode() not in got.content[:8]
    await logged_in(p, p.member("brand-b")["Authorization"].split()[1])
    assert (await p.client.get(link)).status_code == 404


async def test_a_document_chosen_with_a_reply_is_sent_with_it_or_nothing_is(platform):
    """Under a challenged answer, the reply and its document are one form: a bad file sends
    neither (the reply kept as typed, the file to choose again), a good one is recorded in
    the reply's write."""
    p = platform
    assessment_id = await p.submitted(["gov-l1", "gov-l2"])
    base = f"/v1/assessments/{assessment_id}"
    await p.post(f"{base}/answers/gov-l2/challenge", {"comment": "Unsigned."}, p.token())
    await p.caught_up(assessment_id)
    await logged_in(p, p.member()["Authorization"].split()[1])
    page = (await p.client.get(f"/assessments/{assessment_id}")).text
    section = page.split('id="c-gov-l2"')[1].split("</section>")[0]
    assert "/answers/gov-l2/files" not in section  # no form of its own under the reply's button
    reply = section.split('action="/assessments/')[1].split("</form>")[0]
    assert 'enctype="multipart/form-data"' in reply and 'name="file" type="file"' in reply
    before = await p.log_types(assessment_id)
    path = f"/assessments/{assessment_id}/answers/gov-l2/reply"
    typed = {"csrf": re.search(r'name="csrf" value="([0-9a-f]+)"', page).group(1),
             "comment": "Signed now: the minutes are attached.", "answer": "",
             "keep": re.findall(r'name="keep" value="([0-9a-f]+)" checked', reply)}  # fmt: skip
    bad = await p.client.post(
        path, data=typed, files={"file": ("tool.exe", b"MZ", "application/x-msdownload")}
    )
    assert bad.status_code == 415, bad.text[:2000]
    assert await p.log_types(assessment_id) == before
    assert ">Signed now: the minutes are attached.</textarea>" in bad.text
    assert re.search(r'id="reply-gov-l2-file"[^>]*aria-invalid="true"', bad.text)
    assert 'href="#reply-gov-l2-file"' in bad.text and "must be a PDF" in bad.text
    typed["csrf"] = re.search(r'name="csrf" value="([0-9a-f]+)"', bad.text).group(1)
    sent = await p.client.post(
        path, data=typed, files={"file": ("minutes.pdf", PDF, "application/pdf")}
    )
    assert sent.status_code == 303, sent.text[:2000]
    events = (await p.system.store.read_stream(assessment_id))[len(before) :]
    assert [e.type for e in events] == ["EvidenceFileAttached", "ChallengeAnswered"]
    assert len({e.tx_id for e in events}) == 1  # one write: both, or neither
    shown = await p.client.get(sent.headers["location"].split("#")[0])
    link = re.search(rf'href="(/assessments/{assessment_id}/files/file-[0-9a-f]{{32}})"',
                     shown.text)  # fmt: skip
    assert link and (await p.client.get(link[1])).content == PDF
