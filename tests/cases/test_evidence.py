"""The evidence of verification over HTTP: an officer attaches files to a finding; staff open
them, decrypted, each read recorded; a member never; nothing of a file or its name is in
the log in clear; bad input writes nothing; the worker's erasure takes the files."""

from __future__ import annotations

import base64
import hashlib
import uuid

from redress.cases.reads import reads_stream
from tests.cases.test_attachments import PDF
from tests.cases.test_authz import file_case, officer_post, principals, read_back
from tests.cases.test_rebuild import Workload
from tests.intake.test_media import recording_with_tags
from tests.intake.test_web import tiny_png

FINDING = {"source": "site_visit", "finding": "Passports in a locked cabinet in the office."}
TEXT = b"Register of passports held, March: 12 names.\n"
# A worker's name in a file's name: it must never reach the log in clear.
FILES = {
    "cabinet-of-Rahima.png": (tiny_png(), "image/png", "inline"),
    "interview-Rahima.wav": (recording_with_tags(), "audio/x-wav", "inline"),
    "register.pdf": (PDF, "application/pdf", "attachment"),
    "register.txt": (TEXT, "text/plain", "attachment"),
}


async def in_verification(platform, case_id: str | None = None) -> tuple[str, int]:
    """A case accepted into verification, with one finding: the case and the finding."""
    case_id = case_id or await file_case(platform)
    await officer_post(platform, case_id, "/triage", {"indicators": [], "severity": "medium"})
    await officer_post(platform, case_id, "/accept", {})
    return case_id, (await officer_post(platform, case_id, "/findings", FINDING))["version"]


async def upload(platform, case_id: str, finding: int, name: str, data: bytes, headers=None):
    return await platform.cases.post(
        f"/v1/cases/{case_id}/findings/{finding}/evidence",
        files={"file": (name, data, "application/octet-stream")},
        headers=platform.token() if headers is None else headers,
    )


async def attached(platform, case_id: str, finding: int) -> dict[str, str]:
    """Each of FILES attached to the finding: file ids by name."""
    ids = {}
    for name, (data, _, _) in FILES.items():
        answer = await upload(platform, case_id, finding, name, data)
        assert answer.status_code == 201, answer.text
        assert answer.json()["finding"] == finding
        (ids[name],) = answer.json()["file_ids"]
    await read_back(platform, case_id, answer.json()["version"])
    return ids


async def reads_of(platform, case_id: str) -> list[tuple[str, tuple[str, ...], str]]:
    events = await platform.system.store.read_stream(reads_stream(case_id))
    return [(e.data.channel, tuple(e.data.fields), e.actor.id) for e in events]


async def test_an_officer_attaches_files_to_a_finding_and_opens_each_read_recorded(platform):
    case_id, finding = await in_verification(platform)
    ids = await attached(platform, case_id, finding)
    officer = platform.token()
    body = (await platform.cases.get(f"/v1/cases/{case_id}", headers=officer)).json()
    (shown,) = body["findings"]
    assert shown["finding"] == finding and shown["text"] == FINDING["finding"]
    assert [(e["name"], e["content_type"], e["size"], e["sha256"]) for e in shown["evidence"]] == [
        (name, kind, len(data), hashlib.sha256(data).hexdigest())
        for name, (data, kind, _) in FILES.items()
    ]
    assert "evidence" in (await reads_of(platform, case_id))[-1][1]
    before = len(await reads_of(platform, case_id))
    for name, (data, kind, disposition) in FILES.items():
        answer = await platform.cases.get(f"/v1/cases/{case_id}/evidence/{ids[name]}",
                                          headers=officer)  # fmt: skip
        assert answer.status_code == 200, answer.text
        assert answer.content == data
        assert answer.headers["content-type"].split(";")[0] == kind
        assert answer.headers["content-disposition"].startswith(f"{disposition}; filename=")
        assert answer.headers["content-disposition"].endswith(f"UTF-8''{name}")
        assert answer.headers["x-content-type-options"] == "nosniff"
        assert answer.headers["cache-control"] == "no-store"
    assert (await reads_of(platform, case_id))[before:] == [("api", ("evidence",), "officer-1")] * 4
    # Sealed in the keyring under the worker's own key, as the worker's files are.
    grievance_id = body["grievance_id"]
    async with platform.system.pool.acquire() as conn:
        keys = await conn.fetch("SELECT DISTINCT key_id FROM keyring.sealed_files")
        logged = [r[0] for r in await conn.fetch("SELECT data::text FROM eventlog.events")]
    assert [r["key_id"] for r in keys] == [f"grievance-{grievance_id}"]
    # Neither a file's name nor its bytes, nor its digest, is in any event in clear.
    for name, (data, _, _) in FILES.items():
        for secret in (name, "Rahima", base64.b64encode(data).decode()[:40],
                       hashlib.sha256(data).hexdigest()):  # fmt: skip
            assert not [d for d in logged if secret in d], secret
    timeline = (await platform.cases.get(f"/v1/cases/{case_id}/timeline", headers=officer)).json()
    entries = [i for i in timeline["items"] if i["type"] == "VerificationEvidenceAttached"]
    assert [set(i["details"]) for i in entries] == [
        {"finding_version", "file_id", "content_type", "size"}
    ] * 4


async def test_a_retried_upload_attaches_once_and_another_file_under_its_key_is_refused(platform):
    case_id, finding = await in_verification(platform)
    headers = {**platform.token(), "Idempotency-Key": str(uuid.uuid4())}
    first = await upload(platform, case_id, finding, "a.png", tiny_png(), headers)
    again = await upload(platform, case_id, finding, "a.png", tiny_png(), headers)
    assert first.status_code == again.status_code == 201, (first.text, again.text)
    assert again.json() == first.json()
    other = await upload(platform, case_id, finding, "a.pdf", PDF, headers)
    assert other.status_code == 422
    assert other.json()["type"] == "urn:redress:problem:idempotency-key-reused"
    types = await platform.log_types(case_id)
    assert types.count("VerificationEvidenceAttached") == 1
    async with platform.system.pool.acquire() as conn:
        assert await conn.fetchval("SELECT count(*) FROM keyring.sealed_files") == 1


async def test_no_one_but_staff_attaches_or_opens_evidence_and_members_never_learn_of_it(
    platform,
):
    case_id, finding = await in_verification(platform)
    ids = await attached(platform, case_id, finding)
    url = f"/v1/cases/{case_id}/evidence/{ids['register.pdf']}"
    before = await platform.system.store.stream_version(case_id)
    reads_before = len(await reads_of(platform, case_id))
    wrong = []
    for who, headers in principals(platform).items():
        opened = await platform.cases.get(url, headers=headers)
        sent = await upload(platform, case_id, finding, "x.pdf", PDF, headers)
        want = {
            "officer": (200, 201),
            "supervisor": (200, 201),
            "other-tenant-officer": (404, 404),
            "anonymous": (401, 401),
        }.get(who, (403, 403))
        if (opened.status_code, sent.status_code) != want:
            wrong.append(f"{who}: {opened.status_code}, {sent.status_code}; expected {want}")
    assert not wrong, wrong
    assert await platform.system.store.stream_version(case_id) == before + 2  # staff's two
    assert [r[2] for r in (await reads_of(platform, case_id))[reads_before:]] == [
        "officer-1", "supervisor-1"
    ]  # fmt: skip
    member = platform.member()
    body = (await platform.cases.get(f"/v1/cases/{case_id}", headers=member)).json()
    assert "findings" not in body and ids["register.pdf"] not in str(body)
    timeline = (await platform.cases.get(f"/v1/cases/{case_id}/timeline", headers=member)).json()
    assert "VerificationEvidenceAttached" not in {i["type"] for i in timeline["items"]}
    # A file asked for through another case, or an id that is no file, is not found.
    other = await file_case(platform)
    for path in (f"/v1/cases/{other}/evidence/{ids['register.pdf']}",
                 f"/v1/cases/{case_id}/evidence/no-such-file"):  # fmt: skip
        answer = await platform.cases.get(path, headers=platform.token())
        assert (answer.status_code, answer.json()["type"]) == (404, "urn:redress:problem:not-found")


async def test_bad_files_and_forbidden_steps_answer_problems_and_write_nothing(platform):
    case_id, finding = await in_verification(platform)
    before = await platform.system.store.stream_version(case_id)
    too_large = b"%PDF-1.4\n" + b"0" * (10 * 1024 * 1024)
    answers = [
        (await upload(platform, case_id, finding, "big.pdf", too_large), 413, "file-too-large"),
        (await upload(platform, case_id, finding, "run.exe", b"MZ\x90\x00" + bytes(200)), 415,
         "file-type"),
        (await upload(platform, case_id, finding, "a.zip", b"PK\x03\x04" + bytes(100)), 415,
         "file-type"),
        (await upload(platform, case_id, finding, "empty.pdf", b""), 422, "validation"),
        (await upload(platform, case_id, 1, "a.pdf", PDF), 404, "unknown-finding"),
        (await upload(platform, case_id, finding + 50, "a.pdf", PDF), 404, "unknown-finding"),
        (await upload(platform, "case-not-a-case", finding, "a.pdf", PDF), 404, "not-found"),
        (await platform.cases.post(f"/v1/cases/{case_id}/findings/{finding}/evidence",
                                   headers=platform.token()), 422, "validation"),
        (await platform.cases.post(f"/v1/cases/{case_id}/findings/{finding}/evidence",
                                   json={"file": "a"}, headers=platform.token()), 422,
         "validation"),
    ]  # fmt: skip
    for answer, status, kind in answers:
        assert answer.status_code == status, (kind, answer.text)
        assert answer.headers["content-type"].startswith("application/problem+json")
        assert answer.json()["type"] == f"urn:redress:problem:{kind}", answer.text
    assert await platform.system.store.stream_version(case_id) == before
    await officer_post(platform, case_id, "/advance", {"to": "response"})
    late = await upload(platform, case_id, finding, "a.pdf", PDF)
    assert (late.status_code, late.json()["type"]) == (409, "urn:redress:problem:wrong-stage")
    assert "VerificationEvidenceAttached" not in await platform.log_types(case_id)
    async with platform.system.pool.acquire() as conn:
        assert await conn.fetchval("SELECT count(*) FROM keyring.sealed_files") == 0


async def test_the_workers_erasure_takes_the_evidence_with_their_data(platform):
    workload = Workload(platform)
    case_id, filed = await workload.file("The agent keeps our passports.")
    case_id, finding = await in_verification(platform, case_id)
    ids = await attached(platform, case_id, finding)
    await workload.as_worker(filed, do="erase", confirm="yes")
    async with platform.system.pool.acquire() as conn:
        assert await conn.fetchval("SELECT count(*) FROM keyring.sealed_files") == 0
    opened = await platform.cases.get(f"/v1/cases/{case_id}/evidence/{ids['register.pdf']}",
                                      headers=platform.token())  # fmt: skip
    assert (opened.status_code, opened.json()["type"]) == (410, "urn:redress:problem:erased")
    body = (await platform.cases.get(f"/v1/cases/{case_id}", headers=platform.token())).json()
    assert [(e["name"], e["erased"]) for e in body["findings"][0]["evidence"]] == [(None, True)] * 4
    refused = await upload(platform, case_id, finding, "late.pdf", PDF)
    assert refused.status_code == 409
    assert refused.json()["type"] == "urn:redress:problem:personal-data-erased"
