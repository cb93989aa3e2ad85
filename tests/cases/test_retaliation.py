"""Retaliation (issue 13, item 5), through the served apps only.

A worker who says on a callback, or in a message on their status page, that they are punished
for speaking up gets a case of its own at once, triaged high, linked to the case it is about;
the officers see an alert above the console's queue. Once that case ends, the worker is in
the callback operators' queue the tenant's number of days later, to be asked whether anything
happened since; what happened since opens a new case. The worker reads, in Bengali and
Arabic, that the officers were alerted.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from redress.cases.retaliation import case_of
from redress.events.catalogue.grievance import Channel
from redress.events.catalogue.retaliation import CheckInScheduled, RetaliationReported
from redress.events.envelope import Actor, Metadata
from redress.events.timers import FixedClock
from redress.intake.callbacks_api import set_clock
from redress.intake.texts import RETALIATION_REPORTED
from tests.cases.test_console import officer
from tests.cases.test_deadlines import in_time_zone
from tests.cases.test_worker_loop import PHONE, Worker, say
from tests.events.helpers import wait_until

OPERATOR = ("operator",)
CHECK_IN_DAYS = 14
WORKER_PHONE = "+8801799000111"


async def set_follow_up(platform, **numbers) -> None:
    body = {"callback_attempts": 2, "callback_retry_days": 1, "check_in_days": CHECK_IN_DAYS}
    answer = await platform.intake.put("/v1/tenant/follow-up", json=body | numbers,
                                       headers=platform.token(("admin",)))  # fmt: skip
    assert answer.status_code == 200, answer.text


def clock_at(platform, day) -> FixedClock:
    clock = FixedClock(datetime(day.year, day.month, day.day, 10, tzinfo=UTC))
    set_clock(platform.intake_app, clock)
    return clock


async def case_detail(platform, case_id: str) -> dict | None:
    answer = await platform.cases.get(f"/v1/cases/{case_id}", headers=platform.token())
    return answer.json() if answer.status_code == 200 else None


async def opened(platform, case_id: str) -> dict:
    async def there() -> bool:
        body = await case_detail(platform, case_id)
        return body is not None and body["severity"] is not None

    await wait_until(there)
    body = await case_detail(platform, case_id)
    assert body is not None
    return body


async def alert_about(client, case_id: str) -> str:
    """The console's alerts once they show the case's (the alerts view follows the log)."""

    async def shown() -> bool:
        return case_id in _alerts((await client.get("/console")).text)

    await wait_until(shown)
    return _alerts((await client.get("/console")).text)


def _alerts(queue: str) -> str:
    found = re.search(r'<section id="alerts".*?</section>', queue, re.S)
    return found.group(0) if found else ""


async def end_case(platform, case_id: str) -> None:
    token = platform.token()
    steps = (("/assign", {"officer": "officer-1"}), ("/accept", {}),
             ("/advance", {"to": "response"}), ("/close", {"outcome": "referred"}))  # fmt: skip
    for path, body in steps:
        answer = await platform.cases.post(f"/v1/cases/{case_id}{path}", json=body, headers=token)
        assert answer.status_code == 200, (path, answer.text)


async def due_check_ins(platform, roles=OPERATOR, **params) -> list[dict]:
    answer = await platform.intake.get("/v1/check-ins/due", params=params,
                                       headers=platform.token(roles))  # fmt: skip
    assert answer.status_code == 200, answer.text
    return answer.json()["check_ins"]


async def scheduled(platform, report_id: str) -> CheckInScheduled:
    stream = f"retaliation-{report_id}"

    async def written() -> bool:
        return any(isinstance(e.data, CheckInScheduled)
                   for e in await platform.system.store.read_stream(stream))  # fmt: skip

    await wait_until(written)
    events = await platform.system.store.read_stream(stream)
    return next(e.data for e in events if isinstance(e.data, CheckInScheduled))


async def test_retaliation_told_on_a_callback_opens_a_case_alerts_officers_and_checks_in_later(
    platform,
):
    await set_follow_up(platform)
    called = {"phone": WORKER_PHONE, "language": "bn", "good_time": "after 19:00"}
    audit = {"site_id": "dhaka-1", "audit_date": datetime.now(UTC).date().isoformat(),
             "workers": [called]}  # fmt: skip
    registered = await platform.intake.post("/v1/audits", json=audit,
                                            headers=platform.token(("auditor",)))  # fmt: skip
    assert registered.status_code == 201, registered.text
    async with platform.system.pool.acquire() as conn:
        callback_id = await conn.fetchval(
            "SELECT callback_id FROM intake.callback_audits WHERE audit_id = $1",
            registered.json()["audit_id"],
        )
    told = await platform.intake.post(
        f"/v1/callbacks/{callback_id}/outcome",
        json={"reached": True, "retaliation_reported": True}, headers=platform.token(OPERATOR),
    )  # fmt: skip
    assert told.status_code == 200, told.text
    report_id = told.json()["retaliation_report_id"]
    (reported,) = [e.data for e in await platform.system.store.read_stream(
        f"retaliation-{report_id}")]  # fmt: skip
    assert isinstance(reported, RetaliationReported)
    assert (reported.channel, reported.audit_id, reported.language) == (
        "callback", registered.json()["audit_id"], "bn")  # fmt: skip
    async with platform.system.pool.acquire() as conn:  # the number travels sealed only
        plain = await conn.fetchval(
            "SELECT count(*) FROM eventlog.events WHERE data::text LIKE '%799000111%'"
        )
    assert plain == 0

    # A case at once, triaged high, and an alert on the console until an officer takes it.
    case_id = case_of(report_id)
    body = await opened(platform, case_id)
    assert (body["category"], body["severity"], body["site_id"]) == (
        "retaliation", "high", "dhaka-1")  # fmt: skip
    async with officer(platform) as client:
        alerts = await alert_about(client, case_id)
        page = (await client.get(f"/console/cases/{case_id}")).text
    assert "Retaliation reported" in alerts
    assert "by a callback" in alerts
    assert 'id="case-retaliation">Reported by a callback' in page
    # The company whose supplier it is reads the case, never the alert tying it to a call.
    member = await platform.cases.get(f"/v1/cases/{case_id}/timeline", headers=platform.member())
    assert member.status_code == 200 and "RetaliationAlertRaised" not in member.text
    staff = await platform.cases.get(f"/v1/cases/{case_id}/timeline", headers=platform.token())
    assert "RetaliationAlertRaised" in staff.text

    await end_case(platform, case_id)
    async with officer(platform) as client:

        async def alert_gone() -> bool:  # taken by an officer, then ended
            return 'id="alerts"' not in (await client.get("/console")).text

        await wait_until(alert_gone)

    # The check-in: the tenant's days after the case ended, with the number and good time.
    check_in = await scheduled(platform, report_id)
    ended_on = check_in.due_on - timedelta(days=CHECK_IN_DAYS)
    assert ended_on == datetime.now(UTC).date()
    clock_at(platform, check_in.due_on - timedelta(days=1))
    assert await due_check_ins(platform) == []
    clock_at(platform, check_in.due_on)

    async def queued() -> bool:
        return len(await due_check_ins(platform)) == 1

    await wait_until(queued)
    (due,) = await due_check_ins(platform)
    assert (due["report_id"], due["case_id"], due["attempt"]) == (report_id, case_id, 1)
    assert (due["phone"], due["good_time"], due["language"]) == (
        WORKER_PHONE, "after 19:00", "bn")  # fmt: skip

    # Not reached: called again the next day; reached: something happened, a new case.
    keyed = {**platform.token(OPERATOR), "Idempotency-Key": "check-in-1"}
    missed = await platform.intake.post(
        f"/v1/check-ins/{report_id}/outcome", json={"reached": False}, headers=keyed
    )
    assert missed.status_code == 200, missed.text
    # The operator's retry (a lost answer) gets the first answer and records no second call.
    before = len(await platform.system.store.read_stream(f"retaliation-{report_id}"))
    again = await platform.intake.post(
        f"/v1/check-ins/{report_id}/outcome", json={"reached": False}, headers=keyed
    )
    assert (again.status_code, again.json()) == (200, missed.json())
    assert len(await platform.system.store.read_stream(f"retaliation-{report_id}")) == before
    assert missed.json()["next_due_on"] == (check_in.due_on + timedelta(days=1)).isoformat()
    clock_at(platform, check_in.due_on + timedelta(days=1))
    again = await platform.intake.post(
        f"/v1/check-ins/{report_id}/outcome", json={"reached": True, "anything_happened": True},
        headers=platform.token(OPERATOR),
    )  # fmt: skip
    assert again.status_code == 200, again.text
    assert (again.json()["attempt"], again.json()["next_due_on"]) == (2, None)
    new_report = again.json()["new_report_id"]
    follow_on = await opened(platform, case_of(new_report))
    assert follow_on["severity"] == "high"
    events = await platform.system.store.read_stream(case_of(new_report))
    (alert,) = [e.data for e in events if e.type == "RetaliationAlertRaised"]
    assert alert.linked_case_id == case_id
    done = await platform.intake.get("/v1/check-ins/due", params={
        "stream": again.json()["stream"], "min_version": again.json()["version"]},
        headers=platform.token(OPERATOR))  # fmt: skip
    assert done.json()["check_ins"] == []


@pytest.mark.parametrize("lang", ["bn", "ar"])
async def test_a_worker_s_message_reporting_retaliation_opens_a_case_linked_to_theirs(
    platform, lang
):
    await set_follow_up(platform)
    worker = Worker(platform.intake)
    reference, secret = await worker.file(lang)
    async with platform.system.pool.acquire() as conn:
        grievance_id = await conn.fetchval(
            "SELECT grievance_id FROM intake.receipts WHERE reference = $1", reference
        )
    original = case_of(grievance_id)
    await opened_plain(platform, original)
    await worker.open(reference, secret)
    sent = await worker.act(lang, do="reply", message="They cut my shifts.", retaliation="yes")
    assert sent.status_code == 303, sent.text
    page = await platform.intake.get(sent.headers["location"])
    assert f'lang="{lang}"' in page.text
    assert say(lang, RETALIATION_REPORTED) in page.text

    reports = await _reports_about(platform, grievance_id)
    (report_id,) = reports
    case_id = case_of(report_id)
    body = await opened(platform, case_id)
    assert (body["category"], body["severity"], body["language"]) == ("retaliation", "high", lang)
    async with officer(platform) as client:
        alerts = await alert_about(client, case_id)
    assert "by the worker, in a message" in alerts
    assert f'href="/console/cases/{original}"' in alerts  # linked to their case
    # The message itself reached the worker's own case, as every reply does.
    timeline = await platform.cases.get(f"/v1/cases/{original}/timeline", headers=platform.token())
    assert "WorkerMessagePosted" in timeline.text

    # The worker allowed contact: the check-in calls the number they gave on the form.
    await end_case(platform, case_id)
    check_in = await scheduled(platform, report_id)
    clock_at(platform, check_in.due_on)

    async def queued() -> bool:
        return any(c["report_id"] == report_id for c in await due_check_ins(platform))

    await wait_until(queued)
    (due,) = [c for c in await due_check_ins(platform) if c["report_id"] == report_id]
    assert (due["phone"], due["channel"], due["language"]) == (PHONE, "web", lang)
    # The worker stops contact on the status page: nobody calls them any more.
    await worker.open(reference, secret)
    assert (await worker.act(lang, do="contact", contact="no")).status_code == 303

    async def not_called() -> bool:
        return all(c["report_id"] != report_id for c in await due_check_ins(platform))

    await wait_until(not_called)


async def opened_plain(platform, case_id: str) -> None:
    async def there() -> bool:
        return await case_detail(platform, case_id) is not None

    await wait_until(there)


async def _reports_about(platform, grievance_id: str) -> list[str]:
    async def one() -> bool:
        return len(await _report_ids(platform, grievance_id)) == 1

    await wait_until(one)
    return await _report_ids(platform, grievance_id)


async def _report_ids(platform, grievance_id: str) -> list[str]:
    async with platform.system.pool.acquire() as conn:
        rows = await conn.fetch(
            """SELECT data ->> 'report_id' AS r FROM eventlog.events
               WHERE type = 'RetaliationReported' AND data ->> 'grievance_id' = $1""",
            grievance_id,
        )
    return [r["r"] for r in rows]


async def test_a_worker_who_allowed_no_contact_is_not_called(platform):
    report_ids = {}
    for lang, contact_me in (("ar", False), ("bn", True)):
        worker = Worker(platform.intake)
        reference, secret = await worker.file(lang, contact_me=contact_me)
        await worker.open(reference, secret)
        sent = await worker.act(lang, do="reply", message="He shouted at me.", retaliation="yes")
        assert sent.status_code == 303, sent.text
        async with platform.system.pool.acquire() as conn:
            grievance_id = await conn.fetchval(
                "SELECT grievance_id FROM intake.receipts WHERE reference = $1", reference
            )
        (report_ids[contact_me],) = await _reports_about(platform, grievance_id)
    silent = report_ids[False]
    reported = (await platform.system.store.read_stream(f"retaliation-{silent}"))[0].data
    assert reported.contact is None
    # Both cases end, the silent worker's first; once the later one has its check-in, the
    # policy has been past the first's ending too, and scheduled nothing for it.
    for contact_me in (False, True):
        case_id = case_of(report_ids[contact_me])
        await opened(platform, case_id)
        await end_case(platform, case_id)
    await scheduled(platform, report_ids[True])
    assert [e.type for e in await platform.system.store.read_stream(
        f"retaliation-{silent}")] == ["RetaliationReported"]  # fmt: skip


async def _events(platform) -> int:
    async with platform.system.pool.acquire() as conn:
        return await conn.fetchval("SELECT count(*) FROM eventlog.events")


async def test_check_ins_are_the_callback_operators_and_bad_outcomes_change_nothing(platform):
    worker = Worker(platform.intake)
    reference, secret = await worker.file("bn")
    await worker.open(reference, secret)
    sent = await worker.act("bn", do="reply", message="They moved me to nights.", retaliation="yes")
    assert sent.status_code == 303, sent.text
    async with platform.system.pool.acquire() as conn:
        grievance_id = await conn.fetchval(
            "SELECT grievance_id FROM intake.receipts WHERE reference = $1", reference
        )
    (report_id,) = await _reports_about(platform, grievance_id)
    case_id = case_of(report_id)
    await opened(platform, case_id)
    outcome = f"/v1/check-ins/{report_id}/outcome"
    routes = [("GET", "/v1/check-ins/due", None), ("POST", outcome, {"reached": True})]

    before = await _events(platform)
    # The case is still open: no check-in waits yet.
    early = await platform.intake.post(outcome, json={"reached": True},
                                       headers=platform.token(OPERATOR))  # fmt: skip
    assert early.status_code == 409 and early.json()["type"].endswith(":no-check-in")
    for method, path, body in routes:
        assert (await platform.intake.request(method, path, json=body)).status_code == 401
        for role in ("auditor", "member", "admin", "partner", "supervisor"):
            headers = platform.token((role,), org="x")
            answer = await platform.intake.request(method, path, json=body, headers=headers)
            assert answer.status_code == 403, (method, path, role, answer.text)
    await end_case(platform, case_id)
    due_on = (await scheduled(platform, report_id)).due_on
    clock_at(platform, due_on)
    before = await _events(platform)
    # Another tenant's operator sees none of it and records nothing on it.
    foreign = platform.token(OPERATOR, tenant="globex-msi")
    assert (await due_check_ins_for(platform, foreign)) == []
    answer = await platform.intake.post(outcome, json={"reached": True}, headers=foreign)
    assert answer.status_code == 404 and answer.json()["type"].endswith(":unknown-report")
    bad = [({"reached": "yes"}, 422), ({"reached": 1}, 422), ({}, 422),
           ({"reached": True, "anything_happened": "no"}, 422),
           ({"reached": True, "phone": "+880"}, 422),
           ({"reached": False, "anything_happened": True}, 422)]  # fmt: skip
    for body, status in bad:
        answer = await platform.intake.post(outcome, json=body, headers=platform.token(OPERATOR))
        assert answer.status_code == status, (body, answer.text)
        assert answer.headers["content-type"].startswith("application/problem+json")
    unknown = await platform.intake.post(
        "/v1/check-ins/00000000-0000-7000-8000-000000000000/outcome", json={"reached": True},
        headers=platform.token(OPERATOR),
    )  # fmt: skip
    assert unknown.status_code == 404
    not_an_id = await platform.intake.post("/v1/check-ins/nope/outcome", json={"reached": True},
                                           headers=platform.token(OPERATOR))  # fmt: skip
    assert not_an_id.status_code == 422
    assert await _events(platform) == before
    # Both roles that call workers back may record it: an officer, here.
    made = await platform.intake.post(outcome, json={"reached": True},
                                      headers=platform.token(("officer",)))  # fmt: skip
    assert made.status_code == 200 and made.json()["new_report_id"] is None


async def due_check_ins_for(platform, headers: dict) -> list[dict]:
    answer = await platform.intake.get("/v1/check-ins/due", headers=headers)
    assert answer.status_code == 200, answer.text
    return answer.json()["check_ins"]


async def test_a_retaliation_case_counts_from_the_tenants_day_not_utcs(platform):
    """A report made near midnight where the tenant is opens on the tenant's date, as a
    grievance's case does: on UTC's, its acknowledgement would be due a day early (east) or
    late (west). The zone is chosen so that the two dates differ now."""
    zone = "Pacific/Kiritimati" if datetime.now(UTC).hour >= 11 else "Etc/GMT+12"
    await in_time_zone(platform, zone)
    report = RetaliationReported(report_id="tz-1", channel=Channel.web, language="en",
                                 country="BD", site_id="dhaka-1")  # fmt: skip
    worker = Metadata(tenant="acme", actor=Actor(id="worker", role="worker"))
    await platform.system.store.append("retaliation-tz-1", [report], 0, worker)
    await opened(platform, case_of("tz-1"))
    told, opening = (
        (await platform.system.store.read_stream("retaliation-tz-1"))[0],
        (await platform.system.store.read_stream(case_of("tz-1")))[0],
    )
    local_day = told.time.astimezone(ZoneInfo(zone)).date()
    assert local_day != told.time.date()  # the case this test is about
    assert opening.data.opened_on == local_day
