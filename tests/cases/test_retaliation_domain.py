"""Given a retaliation report, then a case opened at high severity with an alert: pure."""

from datetime import date, timedelta

from redress.cases import domain as d
from redress.cases.retaliation import OpenRetaliationCase, case_of, decide
from redress.events.catalogue.case import (
    CaseOpened,
    CaseTriaged,
    RetaliationAlertRaised,
    StageEntered,
)
from redress.events.catalogue.grievance import Channel
from redress.events.catalogue.retaliation import RetaliationReported

TODAY = date(2025, 4, 1)


def report(**links) -> RetaliationReported:
    return RetaliationReported(report_id="r1", channel=Channel.web, language="ar", country="BD",
                               site_id="dhaka-1", **links)  # fmt: skip


def test_a_report_opens_its_own_case_at_high_severity_and_alerts_the_officers():
    events = decide(OpenRetaliationCase(report(grievance_id="g1"), TODAY, d.TimeFrames(3),
                                        "acme-apparel"), d.Case())  # fmt: skip
    case_id = case_of("r1")
    assert [type(e) for e in events] == [CaseOpened, StageEntered, CaseTriaged,
                                         RetaliationAlertRaised]  # fmt: skip
    opened, entered, triaged, alert = events
    assert (opened.case_id, opened.grievance_id, opened.category) == (case_id, "r1", "retaliation")
    assert (opened.language, opened.site_id, opened.member_org) == ("ar", "dhaka-1", "acme-apparel")
    assert entered.due_on == TODAY + timedelta(days=3)  # the tenant's time frame
    assert (triaged.severity, triaged.indicators) == ("high", ())
    assert alert == RetaliationAlertRaised(case_id=case_id, report_id="r1", channel="web",
                                           linked_case_id=case_of("g1"))  # fmt: skip
    state = d.fold(events)
    assert (state.status, state.severity) == (d.Status.open, d.Severity.high)


def test_the_alert_links_the_callback_or_the_earlier_report():
    by_call = report(audit_id="a1", callback_id="cb1")
    *_, alert = decide(OpenRetaliationCase(by_call, TODAY), d.Case())
    assert (alert.linked_case_id, alert.audit_id) == (None, "a1")
    again = report(follows_report_id="r0")
    *_, alert = decide(OpenRetaliationCase(again, TODAY), d.Case())
    assert alert.linked_case_id == case_of("r0")
