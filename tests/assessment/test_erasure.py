"""Erasing an assessment's evidence: its texts and links are sealed in the log under the
assessment's data key, its files in assessment's table; its organisation's people erase them
by destroying the key, after which nothing opens what the log and the tables still hold."""

from __future__ import annotations

import pytest

from redress.events.catalogue.assessment import AnswerRecorded, EvidenceErased
from redress.kit.crypto import KeyErased, Keyring, evidence_key_id
from tests.assessment.test_files import upload
from tests.assessment.test_pages import logged_in
from tests.disk import database_dump

SAID = "Whistle-blower policy kept in the HR safe, ref 7731-canary"
FILED = b"%PDF-1.4\n% board minutes 7731-file-canary\n%%EOF\n"


async def plaintext_anywhere(p, needle: str) -> list[str]:
    """The tables of the log and of assessment whose rows hold `needle` as written."""
    async with p.system.pool.acquire() as conn:
        tables = await conn.fetch(
            "SELECT table_schema, table_name FROM information_schema.tables "
            "WHERE table_schema IN ('eventlog', 'assessment', 'keyring') "
            "AND table_type = 'BASE TABLE'"
        )
        found = []
        for t in tables:
            name = f'"{t["table_schema"]}"."{t["table_name"]}"'
            if await conn.fetchval(f"SELECT count(*) FROM {name} x WHERE x::text LIKE $1",
                                   f"%{needle}%"):  # fmt: skip
                found.append(name)
    return found


def keys_in(backup: bytes) -> bytes:
    """The rows of the keyring's data keys in a dump."""
    return backup.split(b"COPY keyring.data_keys ", 1)[1].split(b"\n\\.\n", 1)[0]


async def test_a_member_erases_its_evidence_and_nothing_opens_it_again(platform):
    p = platform
    assessment_id = await p.start()
    await p.answer(assessment_id, "gov-l1", evidence=[{"text": SAID, "url": "https://x.example/p"}])
    file_id = (await upload(p, assessment_id, "gov-l2", content=FILED)).json()["file_id"]
    shown = await p.read(assessment_id)
    assert shown["answers"]["gov-l1"]["evidence"][0]["text"] == SAID
    assert [f["file_id"] for f in shown["files"]] == [file_id]
    # The log and the tables hold the evidence sealed, never as written.
    [recorded] = [e.data for e in await p.system.store.read_stream(assessment_id)
                  if isinstance(e.data, AnswerRecorded)]  # fmt: skip
    assert recorded.evidence == () and recorded.sealed_evidence is not None
    assert await plaintext_anywhere(p, "7731-canary") == []
    key_id = evidence_key_id(assessment_id).encode()
    backup = database_dump(p.system.dsn)  # what an operator's backup holds
    assert b"7731-canary" not in backup and b"7731-file-canary" not in backup
    assert key_id in keys_in(backup)  # the wrapped key, until erased

    # Only the organisation's own people erase it.
    path = f"/v1/assessments/{assessment_id}/evidence/erase"
    before = await p.system.store.stream_version(assessment_id)
    assert (await p.client.post(path)).status_code == 401
    assert (await p.client.post(path, headers=p.member("brand-b"))).status_code == 404
    assert (await p.client.post(path, headers=p.token())).status_code == 403
    assert (await p.client.post(path, headers=p.member(tenant="other"))).status_code == 404
    assert await p.system.store.stream_version(assessment_id) == before

    erased = await p.post(path)
    assert erased["version"] == before + 1
    events = await p.system.store.read_stream(assessment_id)
    assert events[-1].data == EvidenceErased(key_id=evidence_key_id(assessment_id), files=1)
    keyring: Keyring = platform.app.state.runtime.extras["assessment.keyring"]
    async with p.system.pool.acquire() as conn:
        with pytest.raises(KeyErased):
            await keyring.get(conn, evidence_key_id(assessment_id))
        # The ciphertext is still in the log, and nothing opens it.
        assert await keyring.open(conn, recorded.sealed_evidence) is None
        assert not await conn.fetchval(
            "SELECT count(*) FROM assessment.evidence_files WHERE assessment_id = $1",
            assessment_id,
        )
    backup = database_dump(p.system.dsn)
    assert recorded.sealed_evidence.ciphertext.encode() in backup  # the log keeps it, shut
    assert key_id not in keys_in(backup)  # no key left to open it
    await p.caught_up(assessment_id)
    after = await p.read(assessment_id)
    assert after["answers"]["gov-l1"]["evidence"] == [] and after["files"] == []
    assert after["answers"]["gov-l1"]["answer"] == "met"  # the answer stands
    download = await p.client.get(f"/v1/assessments/{assessment_id}/files/{file_id}",
                                  headers=p.member())  # fmt: skip
    assert download.status_code == 404
    csv = await p.client.get(f"/v1/assessments/{assessment_id}/export.csv", headers=p.member())
    assert SAID not in csv.text
    # Again: nothing left to erase, nothing recorded.
    assert (await p.post(path))["version"] == before + 1

    # Evidence given afterwards is sealed under a new key and reads back; the old stays shut.
    await p.answer(assessment_id, "gov-l3", evidence=[{"text": "new policy"}])
    again = await p.read(assessment_id)
    assert again["answers"]["gov-l3"]["evidence"] == [{"text": "new policy", "url": None}]
    assert again["answers"]["gov-l1"]["evidence"] == []


async def test_a_member_erases_the_evidence_from_the_page_once_it_confirms(platform):
    p = platform
    assessment_id = await p.start()
    await p.answer(assessment_id, "gov-l1", evidence=[{"text": SAID}])
    await p.caught_up(assessment_id)
    _, csrf = await logged_in(p, p.token()["Authorization"].split()[1])
    staff = await p.client.get(f"/assessments/{assessment_id}")
    assert staff.status_code == 200 and 'id="erase"' not in staff.text  # not an officer's
    _, csrf = await logged_in(p, p.member()["Authorization"].split()[1])
    page = await p.client.get(f"/assessments/{assessment_id}")
    assert 'id="erase"' in page.text and SAID in page.text
    path = f"/assessments/{assessment_id}/evidence/erase"
    before = await p.log_types(assessment_id)
    unconfirmed = await p.client.post(path, data={"csrf": csrf})
    assert unconfirmed.status_code == 422 and "Tick the box" in unconfirmed.text
    assert await p.log_types(assessment_id) == before
    erased = await p.client.post(path, data={"csrf": csrf, "confirm": "yes"})
    assert erased.status_code == 303
    assert await p.log_types(assessment_id) == [*before, "EvidenceErased"]
    shown = await p.client.get(erased.headers["location"])
    assert shown.status_code == 200 and SAID not in shown.text
