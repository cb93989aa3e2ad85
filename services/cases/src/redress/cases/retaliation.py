"""A case for a retaliation report, pure: opened at once, at high severity, with an alert.

A worker punished for speaking up is at risk now, not at the end of an admissibility check:
the case opens triaged `high` (a category or indicator that weighs more still escalates it,
as triage says), and `RetaliationAlertRaised` puts it before the officers. The case is the
report's own (its `grievance_id` is the report's id, as a grievance's case has the
grievance's), linked to the case of the grievance it is about, or of the earlier report
whose check-in heard it.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

from redress.cases import domain as d
from redress.events.catalogue.case import RetaliationAlertRaised
from redress.events.catalogue.retaliation import RetaliationReported
from redress.events.envelope import EventData
from redress.events.ids import derived_stream

CATEGORY = "retaliation"


def case_of(grievance_or_report_id: str) -> str:
    """The case of a grievance, or of a report (as `policies.case_stream`)."""
    return derived_stream("case", grievance_or_report_id)


@dataclass(frozen=True)
class OpenRetaliationCase:
    report: RetaliationReported
    today: date
    frames: d.TimeFrames = field(default_factory=d.TimeFrames)
    member_org: str | None = None


def linked_case(report: RetaliationReported) -> str | None:
    if report.grievance_id:
        return case_of(report.grievance_id)
    if report.follows_report_id:
        return case_of(report.follows_report_id)
    return None


def decide(command: OpenRetaliationCase, state: d.Case) -> list[EventData]:
    r = command.report
    case_id = case_of(r.report_id)
    opened = d.decide(
        d.OpenCase(
            case_id=case_id, grievance_id=r.report_id, category=CATEGORY, country=r.country,
            today=command.today, frames=command.frames, site_id=r.site_id,
            member_org=command.member_org, language=r.language,
        ),
        state,
    )  # fmt: skip
    triaged = d.decide(d.Triage((), d.Severity.high), d.fold(opened))
    alert = RetaliationAlertRaised(
        case_id=case_id, report_id=r.report_id, channel=r.channel.value,
        linked_case_id=linked_case(r), audit_id=r.audit_id,
    )  # fmt: skip
    return [*opened, *triaged, alert]
