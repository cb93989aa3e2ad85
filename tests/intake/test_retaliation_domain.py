"""Given a report's events, when a command, then events or a refusal: pure, no servers."""

from datetime import date

import pytest

from redress.events.catalogue.grievance import Channel, Sealed
from redress.events.catalogue.retaliation import CheckInMade, CheckInScheduled, RetaliationReported
from redress.intake.retaliation_domain import (
    RecordCheckIn,
    Report,
    ReportRefused,
    ReportRetaliation,
    ScheduleCheckIn,
    decide,
    evolve,
)

PHONE = Sealed(key_id="audit-a1", ciphertext="c2VhbGVk")
REPORT = ReportRetaliation("r1", Channel.callback, "bn", "BD", "dhaka-1", audit_id="a1",
                           callback_id="cb1", contact=PHONE)  # fmt: skip
REPORTED = RetaliationReported(report_id="r1", channel=Channel.callback, language="bn",
                               country="BD", site_id="dhaka-1", audit_id="a1",
                               callback_id="cb1", contact=PHONE)  # fmt: skip
SCHEDULED = CheckInScheduled(report_id="r1", case_id="case-1", due_on=date(2025, 5, 1))


def given(*events) -> Report:
    state = Report()
    for event in events:
        state = evolve(state, event)
    return state


def refused(command, state) -> str:
    with pytest.raises(ReportRefused) as caught:
        decide(command, state)
    return caught.value.kind


def call(reached: bool, happened: bool = False, day: int = 1) -> RecordCheckIn:
    return RecordCheckIn(reached, happened, date(2025, 5, day), attempts_allowed=2, retry_days=3)


def test_a_report_is_recorded_once():
    assert decide(REPORT, Report()) == [REPORTED]
    assert refused(REPORT, given(REPORTED)) == "already-reported"


def test_the_check_in_falls_the_tenant_s_days_after_the_case_ends_and_once():
    assert decide(ScheduleCheckIn("case-1", date(2025, 4, 1), 30), given(REPORTED)) == [SCHEDULED]
    # Pending already: a second ending (reopened, ended again) does not schedule another.
    assert decide(ScheduleCheckIn("case-1", date(2025, 4, 9), 30), given(REPORTED, SCHEDULED)) == []
    assert refused(ScheduleCheckIn("case-1", date(2025, 4, 1), 30), Report()) == "unknown-report"


def test_nobody_is_called_who_gave_no_number_or_no_leave():
    silent = RetaliationReported(report_id="r2", channel=Channel.web, language="ar",
                                 grievance_id="g1")  # fmt: skip
    assert decide(ScheduleCheckIn("case-2", date(2025, 4, 1), 30), given(silent)) == []


def test_a_check_in_not_reached_is_called_again_then_done():
    missed = decide(call(False), given(REPORTED, SCHEDULED))
    assert missed == [CheckInMade(report_id="r1", attempt=1, reached=False,
                                  next_due_on=date(2025, 5, 4))]  # fmt: skip
    state = given(REPORTED, SCHEDULED, *missed)
    assert (state.due_on, state.attempts) == (date(2025, 5, 4), 1)
    (last,) = decide(call(False, day=4), state)
    assert (last.attempt, last.next_due_on) == (2, None)
    assert refused(call(True, day=5), given(REPORTED, SCHEDULED, *missed, last)) == "no-check-in"


def test_a_worker_reached_says_whether_anything_happened_since():
    (made,) = decide(call(True, happened=True), given(REPORTED, SCHEDULED))
    assert made == CheckInMade(report_id="r1", attempt=1, reached=True, anything_happened=True)
    assert given(REPORTED, SCHEDULED, made).due_on is None


def test_no_check_in_before_the_case_ends_and_nothing_told_unreached():
    assert refused(call(True), given(REPORTED)) == "no-check-in"
    assert refused(call(False, happened=True), given(REPORTED, SCHEDULED)) == "not-reached"
    assert refused(call(True), Report()) == "unknown-report"
