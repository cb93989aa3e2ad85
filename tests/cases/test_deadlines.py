"""Stage deadlines follow the tenant's time frames and a clock the test moves by hand.

The scheduler under test is built here on a FixedClock; the app's own scheduler runs on the
system clock, for which every deadline below lies in the future. The API's "today" is moved
with the same FixedClock.
"""

from __future__ import annotations

import json
import re
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest

from redress.cases.case_state import after_working_days
from redress.cases.deadlines import deadline_scheduler
from redress.cases.policies import case_stream
from redress.cases.projections import CaseViews
from redress.events.catalogue.case import OfficerAssigned
from redress.events.catalogue.tenant import TenantSettingsChanged, TimeFramesSet
from redress.events.envelope import Actor, Metadata
from redress.events.ids import derived_stream
from redress.events.projection import wait_for_version
from redress.events.timers import FixedClock
from tests.cases.test_console import officer

GRIEVANCE = {"country": "BD", "site_id": "dhaka-1", "category": "wages_and_benefits",
             "narrative": "Our wages are three months late."}  # fmt: skip
ACTION = {"remedy": "wage_restitution", "owner": "supplier", "description": "Pay the wages"}


async def file_case(platform) -> str:
    operator = platform.token(("operator",), sub="operator-1")
    answer = await platform.intake.post("/v1/operator/grievances", json=GRIEVANCE,
                                        headers=operator)  # fmt: skip
    assert answer.status_code == 201, answer.text
    case_id = case_stream(answer.json()["grievance_id"])
    await caught_up(platform, case_id, 2)
    return case_id


async def caught_up(platform, case_id: str, version: int) -> None:
    """Until the case views hold the case up to `version` (its timers with them)."""
    views = CaseViews()
    assert await wait_for_version(platform.system.pool, views, case_id, version, timeout=30)


async def post(platform, case_id: str, path: str, body: dict | None = None) -> int:
    answer = await platform.cases.post(f"/v1/cases/{case_id}{path}", json=body or {},
                                       headers=platform.token())  # fmt: skip
    assert answer.status_code in (200, 201), (path, answer.text)
    version = answer.json()["version"]
    await caught_up(platform, case_id, version)
    return version


async def set_frames(platform, **days: int) -> None:
    stream = derived_stream("tenant", "acme")
    store = platform.system.store
    meta = Metadata(tenant="acme", actor=Actor(id="admin-1", role="admin"))
    await store.append(stream, [TimeFramesSet(**days)], await store.stream_version(stream), meta)


async def opened_on(platform, case_id: str) -> date:
    return (await platform.system.store.read_stream(case_id))[0].data.opened_on


def noon(day: date, plus: int) -> datetime:
    return datetime.combine(day + timedelta(days=plus), time(12), tzinfo=UTC)


def end_of(day: date) -> datetime:
    return datetime.combine(day, time.max, tzinfo=UTC)


async def timers(platform, case_id: str) -> dict[str, dict]:
    async with platform.system.pool.acquire() as conn:
        rows = await conn.fetch(
            "SELECT id, kind, tenant, due_at, payload, fired_at FROM cases.timers WHERE id LIKE $1",
            f"{case_id}:%",
        )
    return {r["id"].split(":", 1)[1]: dict(r) | {"payload": json.loads(r["payload"])} for r in rows}


async def missed(platform, case_id: str) -> list[str]:
    events = await platform.system.store.read_stream(case_id)
    return [e.data.stage for e in events if e.type == "StageDeadlineMissed"]


async def queue(platform, overdue: bool) -> dict[str, dict]:
    answer = await platform.cases.get("/v1/cases", params={"overdue": str(overdue).lower()},
                                      headers=platform.token())  # fmt: skip
    assert answer.status_code == 200, answer.text
    return {c["case_id"]: c for c in answer.json()["items"]}


async def detail(platform, case_id: str) -> dict:
    answer = await platform.cases.get(f"/v1/cases/{case_id}", headers=platform.token())
    assert answer.status_code == 200, answer.text
    return answer.json()


async def in_time_zone(
    platform, zone: str, working_days: tuple[int, ...] = tuple(range(7))
) -> None:
    """The tenant's settings: its time zone and working days, as its admin sets them."""
    stream = derived_stream("tenant", "acme")
    store = platform.system.store
    changed = TenantSettingsChanged(
        name="Acme Initiative", time_zone=zone, working_days=working_days, languages=("en",)
    )
    meta = Metadata(tenant="acme", actor=Actor(id="admin-1", role="admin"))
    await store.append(stream, [changed], await store.stream_version(stream), meta)


def controlled(platform, at: datetime) -> FixedClock:
    """One clock for the scheduler under test and for the API's today."""
    clock = FixedClock(at)
    platform.cases_app.state.runtime.extras["cases"].clock = clock
    return clock


async def test_the_acknowledgement_deadline_follows_the_tenants_frames_and_the_clock(platform):
    usual = await file_case(platform)
    await set_frames(platform, acknowledge_days=3)
    short = await file_case(platform)
    day0 = await opened_on(platform, short)
    for case_id, days in ((usual, 7), (short, 3)):
        due = await opened_on(platform, case_id) + timedelta(days=days)
        entered = (await platform.system.store.read_stream(case_id))[1].data
        assert (entered.stage, entered.due_on) == ("admissibility", due)
        assert (await detail(platform, case_id))["stage_due"] == due.isoformat()
        (timer,) = (await timers(platform, case_id)).values()
        assert (timer["kind"], timer["tenant"], timer["due_at"]) == (
            "deadline",
            "acme",
            end_of(due),
        )
        assert timer["payload"] == {"stream": case_id, "stage": "admissibility"}

    clock = controlled(platform, noon(day0, 2))
    scheduler = deadline_scheduler(platform.system.pool, platform.system.store, clock)
    assert await scheduler.tick() == 0
    assert await missed(platform, short) == []
    assert set(await queue(platform, overdue=False)) == {usual, short}
    assert set(await queue(platform, overdue=True)) == set()

    clock.at = noon(day0, 4)
    assert await scheduler.tick() == 1
    assert await scheduler.tick() == 0
    assert await missed(platform, short) == ["admissibility"]
    assert await missed(platform, usual) == []
    await caught_up(platform, short, 3)
    late = await queue(platform, overdue=True)
    assert set(late) == {short} and late[short]["deadline_missed"] is True
    assert set(await queue(platform, overdue=False)) == {usual}
    assert (await timers(platform, short))["admissibility"]["fired_at"] is not None

    # Accepted: the next stage's deadline replaces the missed one, and nothing is late.
    await post(platform, short, "/accept")
    await post(platform, usual, "/accept")
    assert await scheduler.tick() == 0
    for case_id in (short, usual):
        (stage, timer), *others = (await timers(platform, case_id)).items()
        due = await opened_on(platform, case_id) + timedelta(days=90)
        assert (stage, timer["due_at"], timer["fired_at"], others) == (
            "verification", end_of(due), None, []
        )  # fmt: skip
        case = await detail(platform, case_id)
        assert (case["stage"], case["stage_due"], case["deadline_missed"]) == (
            "verification", due.isoformat(), False
        )  # fmt: skip
    assert set(await queue(platform, overdue=False)) == {usual, short}
    assert await missed(platform, short) == ["admissibility"]


async def test_an_overdue_plan_action_makes_the_case_overdue_until_it_is_done(platform):
    case_id = await file_case(platform)
    day0 = await opened_on(platform, case_id)
    clock = controlled(platform, noon(day0, 1))
    for path, body in [("/accept", {}), ("/advance", {"to": "response"}),
                       ("/advance", {"to": "remediation_plan"})]:  # fmt: skip
        await post(platform, case_id, path, body)
    due = (day0 + timedelta(days=10)).isoformat()
    await post(platform, case_id, "/actions", {**ACTION, "due_on": due})
    assert (await detail(platform, case_id))["stage_due"] == (day0 + timedelta(46)).isoformat()

    clock.at = noon(day0, 10)  # due today: not late yet
    assert case_id in await queue(platform, overdue=False)
    assert case_id not in await queue(platform, overdue=True)
    (action,) = (await detail(platform, case_id))["actions"]
    assert action["overdue"] is False

    clock.at = noon(day0, 11)
    late = await queue(platform, overdue=True)
    assert case_id in late and late[case_id]["deadline_missed"] is False
    assert case_id not in await queue(platform, overdue=False)
    (action,) = (await detail(platform, case_id))["actions"]
    assert action["overdue"] is True

    await post(platform, case_id, f"/actions/{action['action_id']}",
               {"progress": "Paid in full", "done": True})  # fmt: skip
    assert case_id in await queue(platform, overdue=False)
    assert case_id not in await queue(platform, overdue=True)
    (action,) = (await detail(platform, case_id))["actions"]
    assert action["overdue"] is False


async def test_a_case_at_a_stage_without_a_due_date_is_not_overdue(platform):
    case_id = await file_case(platform)
    day0 = await opened_on(platform, case_id)
    controlled(platform, noon(day0, 1))
    for path, body in [("/accept", {}), ("/advance", {"to": "response"}),
                       ("/advance", {"to": "remediation_plan"}),
                       ("/actions", {**ACTION, "due_on": "2099-01-01"}),
                       ("/advance", {"to": "implementation"})]:  # fmt: skip
        await post(platform, case_id, path, body)
    assert (await detail(platform, case_id))["stage_due"] is None
    assert case_id not in await queue(platform, overdue=True)
    assert case_id in await queue(platform, overdue=False)


async def test_a_reopened_case_gets_fresh_time_frames_from_the_reopening(platform):
    case_id = await file_case(platform)
    day0 = await opened_on(platform, case_id)
    clock = controlled(platform, noon(day0, 1))
    scheduler = deadline_scheduler(platform.system.pool, platform.system.store, clock)
    await post(platform, case_id, "/accept")
    clock.at = noon(day0, 91)
    assert await scheduler.tick() == 1
    await caught_up(platform, case_id, 4)
    await post(platform, case_id, "/advance", {"to": "response"})
    await post(platform, case_id, "/close", {"outcome": "referred"})
    assert await timers(platform, case_id) == {}
    await post(platform, case_id, "/reopen", {"reason": "The referral partner declined"})

    # Fresh time frames: 90 days from the reopening, not from the filing (long past).
    timer = (await timers(platform, case_id))["verification"]
    reopened_on = day0 + timedelta(days=91)
    assert (timer["due_at"], timer["fired_at"]) == (end_of(reopened_on + timedelta(90)), None)
    assert await scheduler.tick() == 0
    assert await missed(platform, case_id) == ["verification"]
    clock.at = noon(reopened_on, 91)
    assert await scheduler.tick() == 1
    assert await missed(platform, case_id) == ["verification", "verification"]


class RacingStore:
    """The real store, but an officer writes to the case right after the scheduler reads it."""

    def __init__(self, store) -> None:
        self.store = store
        self.raced = False

    async def read_stream(self, stream: str, after_version: int = 0, *, conn=None):
        events = await self.store.read_stream(stream, after_version, conn=conn)
        if not self.raced:
            self.raced = True
            meta = Metadata(tenant="acme", actor=Actor(id="officer-1", role="officer"))
            assigned = OfficerAssigned(case_id=stream, officer="officer-1")
            await self.store.append(stream, [assigned], len(events), meta)
        return events

    def __getattr__(self, name: str):
        return getattr(self.store, name)


async def test_a_deadline_that_fires_while_an_officer_writes_is_recorded_once(platform):
    case_id = await file_case(platform)
    day0 = await opened_on(platform, case_id)
    racing = RacingStore(platform.system.store)
    scheduler = deadline_scheduler(platform.system.pool, racing, FixedClock(noon(day0, 8)))
    assert await scheduler.tick() == 1
    assert racing.raced
    assert await platform.log_types(case_id) == [
        "CaseOpened", "StageEntered", "OfficerAssigned", "StageDeadlineMissed"
    ]  # fmt: skip
    assert await scheduler.tick() == 0
    # The log is delivered in (tx_id, position) order: the case's events must stay in order.
    async with platform.system.pool.acquire() as conn:
        delivered = await conn.fetch(
            "SELECT version FROM eventlog.events WHERE stream = $1 ORDER BY tx_id, position",
            case_id,
        )
    assert [r["version"] for r in delivered] == [1, 2, 3, 4]
    await caught_up(platform, case_id, 4)
    assert (await detail(platform, case_id))["deadline_missed"] is True


async def test_the_supervisor_is_told_of_missed_deadlines_and_officers_are_not(platform):
    await set_frames(platform, acknowledge_days=3)
    late, on_time = await file_case(platform), await file_case(platform)
    await post(platform, on_time, "/accept")
    clock = controlled(platform, noon(await opened_on(platform, late), 4))
    assert await deadline_scheduler(platform.system.pool, platform.system.store, clock).tick() == 1
    await caught_up(platform, late, 3)

    supervisor = platform.token(("supervisor",), sub="supervisor-1")
    told = await platform.cases.get("/v1/supervision/missed-deadlines", headers=supervisor)
    assert told.status_code == 200, told.text
    assert [(c["case_id"], c["stage"]) for c in told.json()["items"]] == [(late, "admissibility")]
    for roles in (("officer",), ("admin",), ("member",)):
        answer = await platform.cases.get(
            "/v1/supervision/missed-deadlines", headers=platform.token(roles)
        )
        assert answer.status_code == 403, (roles, answer.text)
    # Once the stage moves on, the miss is answered: the supervisor's list empties.
    await post(platform, late, "/accept")
    told = await platform.cases.get("/v1/supervision/missed-deadlines", headers=supervisor)
    assert told.json()["items"] == []


async def test_due_dates_count_the_tenants_working_days_in_its_time_zone(platform):
    dhaka, sunday_to_thursday = ZoneInfo("Asia/Dhaka"), (6, 0, 1, 2, 3)
    store = platform.system.store
    await in_time_zone(platform, "Asia/Dhaka", sunday_to_thursday)
    case_id = await file_case(platform)
    opened, entered = [e for e in await store.read_stream(case_id)][:2]
    # The case opens on Dhaka's date of the filing; its 7 days are Dhaka's working days.
    assert opened.data.opened_on == opened.time.astimezone(dhaka).date()
    due = after_working_days(opened.data.opened_on, 7, sunday_to_thursday)
    assert entered.data.due_on == due
    assert (await timers(platform, case_id))["admissibility"]["due_at"] == datetime.combine(
        due, time.max, tzinfo=dhaka
    )
    # At 20:00 UTC it is already the next day in Dhaka: the plan's 45 days count from there.
    evening = datetime.combine(opened.data.opened_on + timedelta(days=3), time(20), tzinfo=UTC)
    controlled(platform, evening)
    for stage in ("/accept", "/advance"):
        await post(platform, case_id, stage, {"to": "response"} if stage == "/advance" else {})
    await post(platform, case_id, "/advance", {"to": "remediation_plan"})
    planned = (await store.read_stream(case_id))[-1].data
    local_day = evening.date() + timedelta(days=1)
    assert planned.due_on == after_working_days(local_day, 45, sunday_to_thursday)
    assert planned.due_on.weekday() in sunday_to_thursday


@pytest.mark.parametrize("zone", ["Asia/Dhaka", "America/Mexico_City"])
async def test_the_queue_says_overdue_when_the_stages_timer_is_due_in_the_tenants_time_zone(
    platform, zone
):
    """East of UTC the tenant's day ends before UTC's, west of it after: the queue's filter,
    the console's queue and case page say overdue from the instant the deadline scheduler
    fires (the end of the due day where the tenant is), not from UTC's midnight."""
    store = platform.system.store
    await in_time_zone(platform, zone)
    case_id = await file_case(platform)
    due_at = (await timers(platform, case_id))["admissibility"]["due_at"]
    due_on = date.fromisoformat((await detail(platform, case_id))["stage_due"])
    assert due_at == datetime.combine(due_on, time.max, tzinfo=ZoneInfo(zone))
    clock = controlled(platform, due_at - timedelta(minutes=1))
    scheduler = deadline_scheduler(platform.system.pool, store, clock)
    assert case_id in await queue(platform, overdue=False)
    assert case_id not in await queue(platform, overdue=True)
    assert not await console_says_overdue(platform, case_id)
    assert await scheduler.tick() == 0

    clock.at = due_at + timedelta(minutes=1)  # the timer is due, and has not fired yet
    assert case_id in await queue(platform, overdue=True)
    assert case_id not in await queue(platform, overdue=False)
    assert await console_says_overdue(platform, case_id)
    assert await scheduler.tick() == 1


async def console_says_overdue(platform, case_id: str) -> bool:
    """Whether the console's queue, filtered to overdue cases, lists the case, and its page
    flags the stage (the two must agree)."""
    async with officer(platform) as client:
        listed = (
            f'href="/console/cases/{case_id}"'
            in (await client.get("/console", params={"overdue": "yes"})).text
        )
        page = (await client.get(f"/console/cases/{case_id}")).text
    flagged = re.search(r'id="case-due">[^<]*<strong class="flag">Overdue', page) is not None
    assert listed == flagged, (listed, flagged)
    return listed
