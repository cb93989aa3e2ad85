"""Email alerts: a missed stage and a new critical case reach the tenant's officers and
supervisors through a real SMTP server on loopback (aiosmtpd), once each, without a word of
the worker's."""

from __future__ import annotations

import socket
from datetime import timedelta
from email import message_from_bytes

import pytest
from aiosmtpd.controller import Controller

from redress.cases.deadlines import deadline_scheduler
from redress.cases.mail_alerts import MailAlerts
from redress.cases.mailer import AlertSender, Retries, Smtp
from redress.cases.policies import case_stream
from redress.events.projection import wait_for_version
from tests.cases.test_deadlines import caught_up, controlled, noon, opened_on

NAME, PHONE = "Rina Akter", "+8801700000077"
NARRATIVE = "The agent kept our passports and the supervisor beat my brother."
OFFICERS = ["officer@acme.example", "second.officer@acme.example"]
SUPERVISORS = ["head@acme.example"]


class Inbox:
    """What the mail server received, byte for byte; `failing` refuses every message."""

    def __init__(self) -> None:
        self.received: list[tuple[list[str], bytes]] = []
        self.failing = False
        self.port = 0

    async def handle_DATA(self, server, session, envelope) -> str:
        if self.failing:
            return "451 4.3.0 try again later"
        self.received.append((list(envelope.rcpt_tos), bytes(envelope.original_content)))
        return "250 OK"


@pytest.fixture
def inbox():
    handler = Inbox()
    with socket.socket() as probe:  # a free port: aiosmtpd's start-up check cannot take 0
        probe.bind(("127.0.0.1", 0))
        handler.port = probe.getsockname()[1]
    controller = Controller(handler, hostname="127.0.0.1", port=handler.port)
    controller.start()
    yield handler
    controller.stop()


def sender_to(platform, inbox: Inbox) -> AlertSender:
    """The sender under test, tried again at once after a failure; the app's own sender is
    stopped so that nothing else takes the alerts."""
    runtime = platform.cases_app.state.runtime
    for task in runtime.tasks:
        if task.get_name() == "cases.send_alerts":
            task.cancel()
    smtp = Smtp("127.0.0.1", inbox.port, False, None, None, timeout=5.0)
    return AlertSender(platform.system.pool, smtp, sender="alerts@acme.example",
                       console_url="https://cases.acme.example",
                       retries=Retries(first=timedelta(0)))  # fmt: skip


async def name_recipients(platform) -> None:
    admin = platform.token(("admin",), sub="admin-1")
    chosen = {"officers": OFFICERS, "supervisors": SUPERVISORS}
    answer = await platform.intake.put("/v1/tenant/alert-recipients", headers=admin, json=chosen)
    assert answer.status_code == 200, answer.text


async def file(platform) -> str:
    answer = await platform.intake.post(
        "/v1/operator/grievances",
        json={"country": "BD", "site_id": "dhaka-1", "category": "recruitment_and_fees",
              "narrative": NARRATIVE, "language": "en",
              "contact": {"name": NAME, "phone_or_email": PHONE},
              "consent": {"contact_me": True}},
        headers=platform.token(("operator",), sub="operator-1"),
    )  # fmt: skip
    assert answer.status_code == 201, answer.text
    case_id = case_stream(answer.json()["grievance_id"])
    await caught_up(platform, case_id, 2)
    return case_id


async def queued(platform, case_id: str) -> None:
    """Until the policy has applied the case's latest event it reacts to (it skips others)."""
    events = await platform.system.store.read_stream(case_id)
    version = max(e.version for e in events if type(e.data) in MailAlerts.handles)
    assert await wait_for_version(platform.system.pool, MailAlerts(), case_id, version, timeout=30)


def private(raw: bytes) -> None:
    """Nothing the worker said or is in what the mail server received."""
    for word in (NAME, "Rina", PHONE, "8801700000077", "passports", "brother", NARRATIVE):
        assert word.encode() not in raw, word


async def test_a_missed_stage_emails_officers_and_supervisors_once(platform, inbox):
    await name_recipients(platform)
    sender = sender_to(platform, inbox)
    case_id = await file(platform)
    day0 = await opened_on(platform, case_id)
    clock = controlled(platform, noon(day0, 8))
    assert await deadline_scheduler(platform.system.pool, platform.system.store, clock).tick() == 1
    await queued(platform, case_id)
    assert await sender.tick() == 1
    assert await sender.tick() == 0
    ((to, raw),) = inbox.received
    assert sorted(to) == sorted(OFFICERS + SUPERVISORS)
    mail = message_from_bytes(raw)
    body = mail.get_payload(decode=True).decode()
    due = (day0 + timedelta(days=7)).isoformat()
    assert case_id in mail["Subject"] and "admissibility" in mail["Subject"]
    assert due in body and f"https://cases.acme.example/console/cases/{case_id}" in body
    private(raw)
    assert sender.trouble.as_status()["status"] == "ok"


async def test_a_new_critical_case_emails_once_even_when_triaged_again(platform, inbox):
    await name_recipients(platform)
    sender = sender_to(platform, inbox)
    case_id = await file(platform)
    for _ in range(2):  # triaged critical twice: one arrival
        answer = await platform.cases.post(
            f"/v1/cases/{case_id}/triage", headers=platform.token(),
            json={"indicators": ["document_retention"], "severity": "critical"},
        )  # fmt: skip
        assert answer.status_code in (200, 201), answer.text
    await queued(platform, case_id)
    assert await sender.tick() == 1
    ((to, raw),) = inbox.received
    assert sorted(to) == sorted(OFFICERS + SUPERVISORS)
    assert f"New critical case: {case_id}" in message_from_bytes(raw)["Subject"]
    private(raw)
    # A replay of the policy from the start of the log queues nothing new: nothing is sent.
    async with platform.system.pool.acquire() as conn, conn.transaction():
        await conn.execute("SET LOCAL search_path TO cases")
        for event in await platform.system.store.read_stream(case_id):
            if type(event.data) in MailAlerts.handles:
                await MailAlerts().apply(conn, event)
    assert await sender.tick() == 0 and len(inbox.received) == 1


async def test_a_failing_mail_server_shows_degraded_and_the_alert_goes_once_it_is_back(
    platform, inbox
):
    await name_recipients(platform)
    sender = sender_to(platform, inbox)
    case_id = await file(platform)
    answer = await platform.cases.post(
        f"/v1/cases/{case_id}/triage", headers=platform.token(),
        json={"indicators": ["child_labour"], "severity": "low"},
    )  # fmt: skip
    assert answer.status_code in (200, 201), answer.text
    await queued(platform, case_id)
    inbox.failing = True
    runtime = platform.cases_app.state.runtime
    runtime.background.append(sender.trouble)
    assert await sender.tick() == 1
    assert inbox.received == []
    health = (await platform.cases.get("/health")).json()
    assert health["status"] == "degraded"
    assert any(b["task"] == "cases.mail_alerts" and b["status"] == "degraded"
               and "SMTP" in b["reason"] for b in health["background"])  # fmt: skip
    inbox.failing = False
    assert await sender.tick() == 1
    assert len(inbox.received) == 1 and sender.trouble.as_status()["status"] == "ok"
    assert await sender.tick() == 0 and len(inbox.received) == 1


async def test_without_a_mail_server_alerts_are_skipped_and_logged_without_personal_data(
    platform, capsys
):
    await name_recipients(platform)
    sender = AlertSender(platform.system.pool, None, sender="alerts@acme.example",
                         console_url=None)  # fmt: skip
    for task in platform.cases_app.state.runtime.tasks:
        if task.get_name() == "cases.send_alerts":
            task.cancel()
    case_id = await file(platform)
    answer = await platform.cases.post(
        f"/v1/cases/{case_id}/triage", headers=platform.token(),
        json={"indicators": ["child_labour"], "severity": "low"},
    )  # fmt: skip
    assert answer.status_code in (200, 201), answer.text
    await queued(platform, case_id)
    assert await sender.tick() == 1
    async with platform.system.pool.acquire() as conn:
        state = await conn.fetchval(
            "SELECT state FROM cases.mail_alerts WHERE case_id = $1", case_id
        )
    assert state == "skipped"
    out = capsys.readouterr()
    assert "alert skipped" in out.out + out.err
    private((out.out + out.err).encode())
