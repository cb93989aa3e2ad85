"""The case's history in the console and the API: who acted, what the worker did, what
erasure leaves, one indicator vocabulary, and the queue oldest first.

Over HTTP, as the console is driven in tests/cases/test_console.py.
"""

from __future__ import annotations

import html
import json
import re
from datetime import UTC, datetime

from redress.cases.policies import case_stream
from redress.cases.reads import reads_stream
from redress.events.catalogue.case import CaseOpened, StageEntered
from redress.events.envelope import Metadata
from redress.events.ids import new_id
from tests.cases.test_console import (
    case_page,
    csrf_of,
    done,
    file_grievance,
    officer,
)
from tests.cases.test_flow import open_status
from tests.events.helpers import wait_until

TENANT = "acme"


def timeline_of(page: str) -> list[str]:
    """The timeline's entries as text, tags and spacing taken out."""
    section = re.search(r'<ol class="timeline" id="events">(.*?)</ol>', page, re.S).group(1)
    return [html.unescape(re.sub(r"\s+", " ", re.sub(r"<[^>]+>", "", li))).strip()
            for li in re.findall(r"<li>(.*?)</li>", section, re.S)]  # fmt: skip


def thread_of(page: str) -> str:
    section = re.search(r'<h2 id="thread">(.*?)<h2 id="timeline">', page, re.S).group(1)
    return html.unescape(re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", section)))


async def worker_does(platform, filed: dict, do: str, **fields: str) -> None:
    """The worker acts on their status page with their receipt."""
    status = await open_status(platform.intake, filed["reference"], filed["secret"])
    answer = await platform.intake.post(
        f"/t/{TENANT}/status", data={"csrf": csrf_of(status.text), "do": do, **fields}
    )
    assert answer.status_code == 303, answer.text


async def test_the_timeline_names_who_acted_and_shows_what_the_worker_did(platform):
    filed = await file_grievance(platform)
    case_id = filed["case_id"]
    async with officer(platform, sub="officer-7") as client:
        await done(client, case_id, "notes", {"text": "Call the agent on Monday."})
        await done(client, case_id, "messages", {"text": "We are looking into it."})
        await worker_does(platform, filed, "reply", message="They took 900 dollars.")
        await worker_does(platform, filed, "withdraw", confirm="yes")

        async def withdrawal_shown() -> bool:
            return any("withdraw" in e for e in timeline_of(await case_page(client, case_id)))

        await wait_until(withdrawal_shown)
        entries = timeline_of(await case_page(client, case_id))

    def entry(start: str) -> str:
        (found,) = [e for e in entries if e.startswith(start)]
        return found

    assert "by officer-7 (officer)" in entry("Internal note added")
    assert "by officer-7 (officer)" in entry("Message sent to worker")
    assert "by the platform" in entry("Case opened")
    assert "by the worker" in entry("The worker wrote")
    assert "by the worker" in entry("The worker asked to withdraw")
    assert "900 dollars" not in " ".join(entries)  # what the worker wrote stays in the thread

    officer_view = await platform.cases.get(
        f"/v1/cases/{case_id}/timeline", headers=platform.token()
    )
    items = officer_view.json()["items"]
    assert {(i["type"], i["actor"], i.get("actor_id")) for i in items} >= {
        ("InternalNoteAdded", "officer", "officer-7"),
        ("WorkerMessagePosted", "worker", "worker"),
        ("WithdrawalRequested", "worker", "worker"),
    }
    member_view = await platform.cases.get(
        f"/v1/cases/{case_id}/timeline", headers=platform.member()
    )
    member_items = member_view.json()["items"]
    assert not {i["type"] for i in member_items} & {"WorkerMessagePosted", "WithdrawalRequested"}
    assert not [i for i in member_items if "actor_id" in i]


async def test_after_erasure_the_thread_says_what_was_erased_instead_of_dropping_it(platform):
    filed = await file_grievance(platform)
    case_id = filed["case_id"]
    async with officer(platform, sub="officer-7") as client:
        await done(client, case_id, "notes", {"text": "Call the agent on Monday."})
        await done(client, case_id, "messages", {"text": "We are looking into it."})
        await worker_does(platform, filed, "reply", message="They took 900 dollars.")
        await worker_does(platform, filed, "erase", confirm="yes")

        async def erasure_shown() -> bool:
            return any("erased" in e for e in timeline_of(await case_page(client, case_id)))

        await wait_until(erasure_shown)
        reads_before = len(await platform.system.store.read_stream(reads_stream(case_id)))
        page = await case_page(client, case_id)
    # Nothing could be decrypted: nothing was read, nothing is recorded.
    assert len(await platform.system.store.read_stream(reads_stream(case_id))) == reads_before

    entries = timeline_of(page)
    assert [e for e in entries if e.startswith("The worker's personal data was erased")]
    thread = thread_of(page)
    for gone in ("Call the agent", "looking into it", "900 dollars"):
        assert gone not in thread
    # Each entry of the thread stays, saying it was erased with the worker's data.
    assert thread.count("Erased with the worker's personal data.") == 3
    assert re.search(r"Internal note, not shown to the worker · [^·]*? Erased with the", thread)
    assert 'id="form-note"' not in page and 'id="form-message"' not in page
    assert "no longer be written" in page
    assert "The worker's personal data was erased" in html.unescape(
        re.search(r'<h2 id="grievance">(.*?)<h2', page, re.S).group(1)
    )

    detail = await platform.cases.get(f"/v1/cases/{case_id}", headers=platform.token())
    body = detail.json()
    assert body["grievance"] is None
    assert [(m["author"], m["text"], m["erased"]) for m in body["thread"]] == [
        ("note", None, True), ("officer", None, True), ("worker", None, True)
    ]  # fmt: skip


async def test_one_indicator_vocabulary_each_mapped_to_r3_and_the_ilo(platform):
    answer = await platform.cases.get("/v1/indicators", headers=platform.token())
    body = answer.json()
    vocabulary = {i["code"]: i for i in body["vocabulary"]}
    assert sorted(vocabulary) == body["known"]
    for alias in ("retention_of_identity_documents", "restriction_of_movement",
                  "withholding_of_wages"):  # fmt: skip
        assert alias not in vocabulary
    for code, benchmark, ilo in [
        ("document_retention", 15, "retention of identity documents"),
        ("restricted_movement", 16, "restriction of movement"),
        ("withheld_wages", 9, "withholding of wages"),
        ("isolation", None, "isolation"),
        ("payslips", 7, None),
    ]:
        assert (vocabulary[code]["benchmark"], vocabulary[code]["ilo"]) == (benchmark, ilo)
    ilo = {i["ilo"] for i in vocabulary.values()} - {None}
    benchmarks = {i["benchmark"] for i in vocabulary.values()} - {None}
    assert len(ilo) == 11 and benchmarks == set(range(1, 18))

    # An old code is still understood, and recorded under the one name.
    filed = await file_grievance(platform, "identity_documents")
    case_id = filed["case_id"]
    async with officer(platform) as client:
        page = await case_page(client, case_id)
        labels = re.findall(r'name="indicators" value="([a-z_]+)"', page)
        assert len(labels) == len(set(labels)) == len(vocabulary)
        assert "R3 benchmark 15" in page and "ILO: retention of identity documents" in page
        page = await done(client, case_id, "triage", {
            "indicators": ["retention_of_identity_documents", "restriction_of_movement"],
            "severity": "low",
        })  # fmt: skip
    assert "Document retention, Restricted movement" in page
    (triaged,) = [e for e in await platform.system.store.read_stream(case_id)
                  if e.type == "CaseTriaged"]  # fmt: skip
    assert triaged.data.indicators == ("document_retention", "restricted_movement")


async def queue_order(client) -> list[str]:
    page = await client.get("/console")
    return re.findall(r'data-case="([^"]+)"', page.text)


async def test_oldest_first_is_the_order_grievances_were_filed_in(platform):
    filed = [(await file_grievance(platform))["case_id"] for _ in range(3)]
    submitted = {}
    for case_id in filed:
        opened = (await platform.system.store.read_stream(case_id))[0]
        submitted[case_id] = opened.data.grievance_id
    async with officer(platform) as client:
        assert await queue_order(client) == filed
    answer = await platform.cases.get("/v1/cases", headers=platform.token())
    rows = {r["case_id"]: r for r in answer.json()["items"]}
    for case_id, grievance_id in submitted.items():
        (event,) = await platform.system.store.read_stream(f"grievance-{grievance_id}")
        assert datetime.fromisoformat(rows[case_id]["opened_at"]) == event.time

    # Cases opened in one transaction share its time: the log's order still holds them.
    ids = sorted((case_stream(f"batch-{n}") for n in range(4)), reverse=True)
    metadata = Metadata(tenant=TENANT)
    async with platform.system.pool.acquire() as conn, conn.transaction():
        for case_id in ids:
            events = [
                CaseOpened(case_id=case_id, grievance_id=case_id, category="other", country="BD",
                           opened_on=datetime.now(UTC).date()),
                StageEntered(case_id=case_id, grievance_id=case_id, stage="admissibility"),
            ]  # fmt: skip
            await platform.system.store.append(case_id, events, 0, metadata, conn=conn)

    async def listed() -> bool:
        async with officer(platform) as client:
            return len(await queue_order(client)) == 7

    await wait_until(listed)
    async with officer(platform) as client:
        assert await queue_order(client) == [*filed, *ids]


async def test_a_triage_recorded_with_old_codes_is_shown_in_the_one_vocabulary(platform):
    """Version 1 of CaseTriaged, as the log holds it from before the vocabulary was one."""
    case_id = (await file_grievance(platform, "identity_documents"))["case_id"]
    old = {"case_id": case_id, "severity": "critical", "override_reason": None,
           "indicators": ["document_retention", "retention_of_identity_documents",
                          "withholding_of_wages"]}  # fmt: skip
    async with platform.system.pool.acquire() as conn:
        await conn.execute(
            "INSERT INTO eventlog.events (id, stream, version, type, schemaversion, tenant, "
            "data, metadata) VALUES ($1, $2, 3, 'CaseTriaged', 1, $3, $4::jsonb, $5::jsonb)",
            new_id(), case_id, TENANT, json.dumps(old),
            json.dumps({"actor": {"id": "officer-1", "role": "officer"}}),
        )  # fmt: skip
    answer = await platform.cases.get(
        f"/v1/cases/{case_id}", params={"min_version": 3}, headers=platform.token()
    )
    assert answer.json()["indicators"] == ["document_retention", "withheld_wages"]
    async with officer(platform) as client:
        page = await case_page(client, case_id)
    assert re.search(r'id="case-indicators">Document retention, Withheld wages<', page)
