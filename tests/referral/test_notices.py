"""Which webhooks a referral's events become: pure, no I/O."""

import re
from dataclasses import replace
from datetime import UTC, datetime

from redress.events.catalogue.grievance_answers import ConsentAnswer
from redress.events.envelope import SYSTEM, Event
from redress.events.ids import new_id
from redress.referral.answers import Accept, Acknowledge, Close, MissAcknowledgement
from redress.referral.domain import CheckSafety, Withdraw
from redress.referral.notices import notices_of
from tests.referral.test_domain import (
    CHOSEN,
    DUE,
    EMERGENCY,
    NGO,
    SENT,
    consent,
    then,
)

AT = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)


def logged(events) -> list[Event]:
    return [
        Event(
            id=new_id(),
            type=e.type,
            schemaversion=e.schemaversion,
            stream="referral-1",
            version=n,
            position=n,
            tx_id=n,
            tenant="acme",
            time=AT,
            data=e,
            actor=SYSTEM,
        )
        for n, e in enumerate(events, 1)
    ]


def sent_types(events) -> list[tuple[str, str]]:
    return [(n.partner_id, n.type) for n, _ in notices_of(logged(events))]


def test_nothing_is_sent_about_a_worker_until_the_referral_is_sent_to_the_partner():
    assert sent_types(CHOSEN) == []
    declined = CHOSEN + then(CHOSEN, consent(ConsentAnswer.declined, ()))
    withdrawn = CHOSEN + then(CHOSEN, Withdraw(NGO))
    assert sent_types(declined) == [] and sent_types(withdrawn) == []


def test_sent_updated_revoked_closed_and_overdue_are_told_in_order():
    overdue = SENT + then(SENT, MissAcknowledgement(NGO, DUE))
    safety = overdue + then(overdue, CheckSafety(True))
    # The partner's own acknowledgement and acceptance are not told back to it; closing is.
    answered = safety + then(safety, Acknowledge(NGO))
    answered += then(answered, Accept(NGO))
    closed = answered + then(answered, Close(NGO, "services_completed"))
    assert sent_types(closed) == [
        (NGO, "referral.sent"),
        (NGO, "referral.overdue"),
        (NGO, "referral.updated"),
        (NGO, "referral.closed"),
    ]
    bodies = [body["data"] for _, body in notices_of(logged(closed))]
    assert bodies[0]["personal_fields"] == ["contact"]
    # Closed, the partner is told it may fetch nothing more.
    assert bodies[-1] == {"referral_id": "referral-1", "status": "closed", "personal_fields": []}
    revoked = SENT + then(SENT, consent(ConsentAnswer.revoked, ()))
    assert sent_types(revoked)[-1] == (NGO, "referral.revoked")
    withdrawn = SENT + then(SENT, Withdraw(NGO))
    assert sent_types(withdrawn)[-1] == (NGO, "referral.revoked")


def test_consent_after_an_emergency_is_an_update():
    narrowed = EMERGENCY + then(EMERGENCY, consent())
    assert sent_types(narrowed)[-2:] == [(NGO, "referral.sent"), (NGO, "referral.updated")]


def test_a_webhook_body_is_a_cloudevent_without_personal_data_and_its_id_is_stable():
    events = logged(SENT)
    ((notice, body),) = notices_of(events)
    assert body["specversion"] == "1.0" and body["type"] == "referral.sent"
    assert body["subject"] == "referral-1" and body["id"] == notice.message_id
    assert (
        notice.webhook_id == f"msg_{notice.message_id}" and body["time"] == "2026-03-02T09:00:00Z"
    )
    assert body["data"] == {
        "referral_id": "referral-1",
        "status": "sent",
        "personal_fields": ["contact"],
    }
    ((again, _),) = notices_of(events)
    assert again.webhook_id == notice.webhook_id


def test_a_webhook_id_holds_no_dot_even_for_a_partner_id_that_does():
    """The signed text is `id.timestamp.body`: a `.` in the id would make it ambiguous."""
    events = logged(SENT)
    ((notice, _),) = notices_of(events)
    dotted = replace(notice, partner_id="ngo.example.org")
    assert "." not in dotted.webhook_id and dotted.webhook_id != notice.webhook_id
    assert re.fullmatch(r"msg_[0-9a-f]{32}", dotted.webhook_id)
    # Another event for the same partner: another id.
    assert replace(notice, event=events[0]).message_id != notice.message_id
