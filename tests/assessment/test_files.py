"""Evidence files: sealed under the assessment's data key, listed by the views, read back by
whoever may read the assessment, and by nobody else."""

from __future__ import annotations

from redress.kit.crypto import evidence_key_id

PDF = b"%PDF-1.4\n% the grievance policy, signed\n%%EOF\n"


async def upload(p, assessment_id: str, criterion: str, content=PDF, media="application/pdf",
                 headers=None, name="policy.pdf"):  # fmt: skip
    return await p.client.post(
        f"/v1/assessments/{assessment_id}/answers/{criterion}/files",
        files={"file": (name, content, media)}, headers=headers or p.member(),
    )  # fmt: skip


async def test_a_member_attaches_a_file_sealed_and_readers_download_it(platform):
    p = platform
    assessment_id = await p.start()
    added = await upload(p, assessment_id, "gov-l2")
    assert added.status_code == 201, added.text
    file_id = added.json()["file_id"]
    async with p.system.pool.acquire() as conn:
        sealed = await conn.fetchval(
            "SELECT sealed FROM assessment.evidence_files WHERE file_id = $1", file_id
        )
        key = await conn.fetchval(
            "SELECT count(*) FROM keyring.data_keys WHERE key_id = $1",
            evidence_key_id(assessment_id),
        )
    assert b"grievance policy" not in sealed.encode() and key == 1
    (event,) = [e.data for e in await p.system.store.read_stream(assessment_id)
                if e.type == "EvidenceFileAttached"]  # fmt: skip
    assert (event.name, event.media_type, event.size) == ("policy.pdf", "application/pdf",
                                                          len(PDF))  # fmt: skip
    second = await upload(p, assessment_id, "gov-l2", b"hello", "text/plain", name="note.txt")
    assert second.status_code == 201  # the same key seals the second
    shown = await p.read(assessment_id)
    listed = [(f["name"], f["criterion"]) for f in shown["files"]]
    assert listed == [("policy.pdf", "gov-l2"), ("note.txt", "gov-l2")]
    for headers in (p.member(), p.token()):
        got = await p.client.get(f"/v1/assessments/{assessment_id}/files/{file_id}",
                                 headers=headers)  # fmt: skip
        assert got.status_code == 200 and got.content == PDF
        assert got.headers["content-type"] == "application/pdf"
    for headers in (p.member("brand-b"), p.token(tenant="other")):
        got = await p.client.get(f"/v1/assessments/{assessment_id}/files/{file_id}",
                                 headers=headers)  # fmt: skip
        assert got.status_code == 404


async def test_files_are_refused_when_they_should_be_and_nothing_is_written(platform):
    p = platform
    assessment_id = await p.start()
    before = await p.log_types(assessment_id)
    assert (await upload(p, assessment_id, "gov-l1", b"MZ", "application/x-msdownload")
            ).status_code == 415  # fmt: skip
    assert (await upload(p, assessment_id, "gov-l1", b"")).status_code == 422
    assert (await upload(p, assessment_id, "gov-zz")).status_code == 404
    big = await upload(p, assessment_id, "gov-l1", b"x" * 10_000_001, "text/plain")
    assert big.status_code == 413
    theirs = await upload(p, assessment_id, "gov-l1", headers=p.member("brand-b"))
    assert theirs.status_code == 404
    officer = await upload(p, assessment_id, "gov-l1", headers=p.token())
    assert officer.status_code == 403
    assert await p.log_types(assessment_id) == before
    async with p.system.pool.acquire() as conn:
        assert await conn.fetchval("SELECT count(*) FROM assessment.evidence_files") == 0


async def test_a_vague_type_is_read_from_the_files_name_among_the_kinds_taken(platform):
    p = platform
    assessment_id = await p.start()
    # Windows browsers send a CSV as an Excel file; some clients send anything as bytes.
    csv = await upload(p, assessment_id, "gov-l1", b"site,received\nA,12\n",
                       "application/vnd.ms-excel", name="figures.csv")  # fmt: skip
    assert csv.status_code == 201, csv.text
    text = await upload(p, assessment_id, "gov-l1", b"minutes", "application/octet-stream",
                        name="minutes.txt")  # fmt: skip
    assert text.status_code == 201, text.text
    types = [e.data.media_type for e in await p.system.store.read_stream(assessment_id)
             if e.type == "EvidenceFileAttached"]  # fmt: skip
    assert types == ["text/csv", "text/plain"]
    for name in ("old.xls", "tool.exe", "noname"):
        refused = await upload(p, assessment_id, "gov-l1", b"\xd0\xcf\x11\xe0",
                               "application/vnd.ms-excel", name=name)  # fmt: skip
        assert refused.status_code == 415, name
