"""Who read what: every request that decrypts a worker's personal data records one event.

Over HTTP: reading a case through the API or the console appends one `PersonalDataRead`
naming the reader (id and role), the grievance and the fields shown, never their content;
answers that decrypt nothing (the queue, the timeline, a member without the worker's
consent) append none. Officers see the reads on the case.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

from redress.cases.reads import reads_stream, runs
from tests.cases.test_authz import GRIEVANCE, file_case, officer_post
from tests.cases.test_console import case_page, officer
from tests.events.helpers import wait_until


async def reads(platform, case_id: str) -> list:
    return await platform.system.store.read_stream(reads_stream(case_id))


async def raw_log(platform, stream: str) -> str:
    async with platform.system.pool.acquire() as conn:
        rows = await conn.fetch(
            "SELECT data::text || metadata::text AS raw FROM eventlog.events WHERE stream = $1",
            stream,
        )
    return "".join(r["raw"] for r in rows)


async def test_reading_a_case_records_who_read_which_fields_without_their_content(platform):
    case_id = await file_case(platform)
    officer_headers = platform.token(sub="officer-7")
    await officer_post(platform, case_id, "/messages", {"text": "We are looking into it."})
    await officer_post(platform, case_id, "/notes", {"text": "Agent named before."})

    # Lists and timelines decrypt nothing: nothing is recorded.
    assert (await platform.cases.get("/v1/cases", headers=officer_headers)).status_code == 200
    timeline = await platform.cases.get(f"/v1/cases/{case_id}/timeline", headers=officer_headers)
    assert timeline.status_code == 200
    # Nor does a member's view without the worker's consent (no grievance, no thread).
    member_view = await platform.cases.get(f"/v1/cases/{case_id}", headers=platform.member())
    assert member_view.status_code == 200 and "grievance" not in member_view.json()
    assert await reads(platform, case_id) == []

    detail = await platform.cases.get(
        f"/v1/cases/{case_id}", params={"min_version": 4}, headers=officer_headers
    )
    assert detail.status_code == 200 and detail.json()["grievance"]["narrative"]
    (read,) = await reads(platform, case_id)
    assert read.type == "PersonalDataRead" and read.tenant == "acme"
    assert (read.actor.id, read.actor.role) == ("officer-7", "officer")
    assert read.data.case_id == case_id and read.data.channel == "api"
    assert read.data.grievance_id == detail.json()["grievance_id"]
    assert read.data.fields == ("contact", "messages", "narrative", "notes")
    raw = await raw_log(platform, reads_stream(case_id))
    for canary in (GRIEVANCE["narrative"], "Rahima", "+8801711111111", "looking into it",
                   "Agent named"):  # fmt: skip
        assert canary not in raw

    # The officers see the read on the case; members may not list reads.
    async def listed() -> list:
        answer = await platform.cases.get(f"/v1/cases/{case_id}/reads", headers=platform.token())
        assert answer.status_code == 200, answer.text
        return answer.json()["items"]

    await wait_until(lambda: _nonempty(listed))
    (entry,) = await listed()
    assert entry["reader"] == "officer-7" and entry["role"] == "officer"
    assert entry["fields"] == ["contact", "messages", "narrative", "notes"]
    assert entry["channel"] == "api" and entry["time"]
    refused = await platform.cases.get(f"/v1/cases/{case_id}/reads", headers=platform.member())
    assert refused.status_code == 403

    # The console records its reads too, and shows those before it.
    async with officer(platform, sub="officer-8") as browser:
        page = await case_page(browser, case_id)
    assert 'id="reads"' in page and "officer-7" in page
    # Its own reading first: the page that shows the narrative never says nobody read it.
    rows = re.findall(r'<th scope="row">([^<]+)</th>', page)
    assert rows[:2] == ["officer-8", "officer-7"], rows
    assert [(r.actor.id, r.data.channel) for r in await reads(platform, case_id)] == [
        ("officer-7", "api"), ("officer-8", "console")
    ]  # fmt: skip


async def test_a_member_shown_the_consented_identity_is_recorded_as_a_reader(platform):
    case_id = await file_case(platform, consent=True)
    answer = await platform.cases.get(f"/v1/cases/{case_id}", headers=platform.member())
    assert answer.json()["grievance"]["contact"]["name"] == "Rahima"
    (read,) = await reads(platform, case_id)
    assert (read.actor.id, read.actor.role) == ("acme-apparel-user", "member")
    assert read.data.fields == ("contact", "narrative")


async def _nonempty(listed) -> bool:
    return bool(await listed())


def test_the_page_says_an_officers_reads_in_a_row_on_one_line_and_another_readers_apart():
    """An officer working through a case reloads its page at every step: line by line, those
    reads pushed another reader's off the page's 20 lines."""
    start = datetime(2026, 12, 7, 9, 0, tzinfo=UTC)

    def read(reader: str, minute: int, fields=("narrative",)) -> dict:
        return {"reader": reader, "role": "officer", "channel": "console",
                "fields": list(fields), "time": start + timedelta(minutes=minute)}  # fmt: skip

    newest_first = [read("karim", m) for m in range(40, 10, -1)]
    newest_first += [read("someone-else", 9), read("karim", 8), read("karim", 7, ("contact",))]
    lines = runs(newest_first)
    assert [(line["reader"], line["count"]) for line in lines] == [
        ("karim", 30), ("someone-else", 1), ("karim", 1), ("karim", 1)
    ]  # fmt: skip
    assert (lines[0]["time"], lines[0]["first"]) == (newest_first[0]["time"],
                                                     newest_first[29]["time"])  # fmt: skip
    many = [read(f"reader-{i}", 100 - i) for i in range(30)]
    assert len(runs(many)) == 20 and runs(many)[-1]["reader"] == "reader-19"
