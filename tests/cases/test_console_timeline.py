"""The case timeline of both consoles, and every moment of their case pages, say dates and
times as people read them: a date as the console writes dates elsewhere, a moment to the
minute in the tenant's time zone, named; never the log's raw ISO values."""

from __future__ import annotations

import re
from datetime import date
from zoneinfo import ZoneInfo

from redress.events.catalogue.case import StageEntered
from redress.events.catalogue.grievance_answers import RemedyConfirmed
from redress.events.catalogue.referral import ReferralSent
from redress.events.catalogue.tenant import TenantSettingsChanged
from redress.events.envelope import Actor, Metadata
from redress.events.ids import derived_stream
from redress.intake.filing import grievance_stream
from tests.cases.test_authz import file_case, officer_post, referred
from tests.cases.test_console import officer
from tests.cases.test_member_console import case_with_a_plan, member
from tests.cases.test_worker_loop import detail
from tests.events.helpers import wait_until

ZONE = "Asia/Dhaka"
RAW = re.compile(r"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}")


def timeline_of(html: str) -> str:
    """The timeline's entries, the isolation of their values (bdi) set aside."""
    found = re.search(r'<ol class="timeline" id="events">(.*?)</ol>', html, re.S).group(1)
    return re.sub(r"</?bdi>", "", found)


def said(moment) -> str:
    return f"{moment.astimezone(ZoneInfo(ZONE)):%Y-%m-%d %H:%M} {ZONE}"


async def test_the_timeline_says_dates_and_moments_in_the_tenants_time_zone(platform):
    store = platform.system.store
    stream = derived_stream("tenant", "acme")
    changed = TenantSettingsChanged(name="Acme Initiative", time_zone=ZONE,
                                    working_days=tuple(range(7)), languages=("en",))  # fmt: skip
    meta = Metadata(tenant="acme", actor=Actor(id="admin-1", role="admin"))
    await store.append(stream, [changed], await store.stream_version(stream), meta)
    case_id = await file_case(platform)
    await referred(platform, case_id)
    log = await store.read_stream(case_id)
    (entered,) = [e.data for e in log if isinstance(e.data, StageEntered)]
    assert entered.due_on is not None and entered.due_at is not None
    referral = await store.read_stream(derived_stream("referral", case_id))
    (sent,) = [e.data for e in referral if isinstance(e.data, ReferralSent)]

    async with officer(platform) as client:
        staff_page = (await client.get(f"/console/cases/{case_id}")).text
        staff = timeline_of(staff_page)
        queue = (await client.get("/console")).text
    async with member(platform) as client:
        member_page = (await client.get(f"/member/cases/{case_id}")).text
        theirs = timeline_of(member_page)
        home = (await client.get("/member")).text
    # Every moment of both pages (opened, the timeline, reads of personal data), in the zone,
    # and of the lists that lead to them.
    for page in (staff_page, member_page, queue, home):
        assert not re.search(r"\d{2}:\d{2} UTC", page), re.search(r".{80}\d{2}:\d{2} UTC", page)
    assert re.search(rf"<td[^>]*>\d{{4}}-\d\d-\d\d \d\d:\d\d {ZONE}</td>", queue)  # opened
    for timeline in (staff, theirs):
        # The moment says the day too: the day as it was set, counted in the zone of then,
        # would contradict it once the initiative changed its zone.
        assert f"Due at: {said(entered.due_at)}" in timeline
        assert f"Due on: {entered.due_on.isoformat()}" not in timeline
        assert not RAW.search(timeline), RAW.search(timeline)
    assert f"Acknowledge by: {said(sent.acknowledge_by)}" in staff  # a referral's milestone
    # Codes and truth values in words, lists of codes too: never Python's or the log's.
    assert not re.search(r"\b(True|False)\b", staff), staff
    assert not re.search(r"\b[a-z]+_[a-z_]+\b", re.sub(r"<[^>]+>", "", staff)), staff


def entry_of(timeline: str, said: str) -> str:
    """The timeline's one entry said so."""
    (found,) = [li for li in timeline.split("<li>") if f"<strong>{said}</strong>" in li]
    return found


async def test_an_entry_about_a_plan_action_names_it_by_its_words_not_its_id(platform):
    """The worker's word on a remedy, an action's progress, a remedy delivering it and a
    waiver name the action as the plan recorded it, as a referral's milestones name their
    partner: its id (a uuid) tells a reader nothing. The API keeps the id, for systems."""
    case_id, actions = await case_with_a_plan(platform)
    fees, visit = actions["Repay the recruitment fees"], actions["Visit the site unannounced"]
    await officer_post(platform, case_id, f"/actions/{fees}", {"progress": "Repaid", "done": True})
    delivered = {
        "remedy": "training",
        "action_id": fees,
        "workers_covered": 12,
        "description": "Fees repaid in cash",
        "delivered_on": date.today().isoformat(),
    }
    await officer_post(platform, case_id, "/remedies", delivered)
    await officer_post(platform, case_id, f"/actions/{visit}/waive", {"reason": "Site closed"})
    # The worker says, on their page, that the repayment reached them.
    grievance_id = (await detail(platform, case_id))["grievance_id"]
    store, stream = platform.system.store, grievance_stream(grievance_id)
    worker = Metadata(tenant="acme", actor=Actor(id="worker", role="worker"))
    confirmed = RemedyConfirmed(grievance_id=grievance_id, action_id=fees, delivered=True)
    await store.append(stream, [confirmed], await store.stream_version(stream), worker)
    await wait_until(lambda: worker_said(platform, case_id))

    async with officer(platform) as client:
        staff = timeline_of((await client.get(f"/console/cases/{case_id}")).text)
    async with member(platform) as client:
        theirs = timeline_of((await client.get(f"/member/cases/{case_id}")).text)
    for said, action in [
        ("The worker said whether a remedy of the plan reached them", "Repay the recruitment fees"),
        ("Plan action updated", "Repay the recruitment fees"),
        ("Remedy delivered", "Repay the recruitment fees"),
        ("Plan action waived", "Visit the site unannounced"),
    ]:
        assert f"Action: {action}" in entry_of(staff, said), said
        if said.startswith("Plan action"):  # what a member company's timeline shows
            assert f"Action: {action}" in entry_of(theirs, said), said
    added = [li for li in staff.split("<li>") if "<strong>Plan action added</strong>" in li]
    assert len(added) == 3 and "Description: Repay the recruitment fees" in "".join(added)
    for timeline in (staff, theirs):
        assert not {fees, visit} & set(re.findall(r"[0-9a-f-]{36}", timeline)), timeline
        assert "Action id" not in timeline
    (api,) = [e for e in await api_timeline(platform, case_id) if e["type"] == "RemedyConfirmed"]
    assert api["details"] == {"action_id": fees, "delivered": True}


async def api_timeline(platform, case_id: str) -> list[dict]:
    answer = await platform.cases.get(f"/v1/cases/{case_id}/timeline", headers=platform.token())
    assert answer.status_code == 200, answer.text
    return answer.json()["items"]


async def worker_said(platform, case_id: str) -> bool:
    return "RemedyConfirmed" in {e["type"] for e in await api_timeline(platform, case_id)}
