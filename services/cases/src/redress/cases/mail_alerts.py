"""Alerts to people who answer for cases: a stage missed, a critical case arrived.

The `mail_alerts` policy queues one alert per event in `cases.mail_alerts` (a missed stage)
or one per case (the triage that made it critical); a replay finds it queued and queues
nothing. The sender (`redress.cases.mailer`) emails it to the tenant's officers and
supervisors. An alert names the case, the stage and its due date and links to the console:
nothing the worker wrote, nor who they are.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from email.message import EmailMessage
from typing import Any

from redress.events import catalogue
from redress.events.catalogue.case import CaseTriaged, StageDeadlineMissed, StageEntered
from redress.events.envelope import Event
from redress.events.projection import Projection, columns
from redress.events.store import Conn

# Events older than this when first seen (a new deployment reading the log from its start)
# are not alerted on: the people alerted could do nothing about them now.
FRESH_FOR = timedelta(days=2)

_QUEUE = """
INSERT INTO cases.mail_alerts (alert_id, tenant, kind, case_id, stage, due_on)
SELECT v.alert_id, v.tenant, v.kind, v.case_id, v.stage, v.due_on
FROM unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::text[], $6::date[],
            $7::timestamptz[]) AS v(alert_id, tenant, kind, case_id, stage, due_on, time)
WHERE v.time > now() - $8::interval
ON CONFLICT (alert_id) DO NOTHING
"""
_STAGES = """
SELECT stream, version, schemaversion, data FROM eventlog.events
WHERE stream = ANY($1::text[]) AND type = $2 ORDER BY stream, version
"""


class MailAlerts(Projection):
    name = "mail_alerts"
    schema = "cases"
    stream_types = ("case",)
    handles = (StageDeadlineMissed, CaseTriaged)
    # None, and the outbox named with its schema: a rebuild (in a shadow schema) writes the
    # live outbox, where every alert it queues is found queued already (migration 010).
    tables = ()

    async def apply(self, conn: Conn, event: Event) -> None:
        await self.apply_batch(conn, [event])

    async def apply_batch(self, conn: Conn, events: list[Event]) -> None:
        missed = [e for e in events if isinstance(e.data, StageDeadlineMissed)]
        entered = await _stages_entered(conn, {e.stream for e in missed})
        alerts: list[tuple[Any, ...]] = []
        for event in events:
            match event.data:
                case StageDeadlineMissed(stage=stage):
                    due = _due_on(entered.get(event.stream, []), stage, event.version)
                    alerts.append((str(event.id), event.tenant, "stage_missed", event.stream,
                                   stage, due, event.time))  # fmt: skip
                case CaseTriaged(severity="critical"):
                    # Once per case: a second triage that keeps it critical is no new arrival.
                    alerts.append((f"critical:{event.stream}", event.tenant, "critical_case",
                                   event.stream, None, None, event.time))  # fmt: skip
        if alerts:
            await conn.execute(_QUEUE, *columns(alerts), FRESH_FOR)


async def _stages_entered(conn: Conn, streams: set[str]) -> dict[str, list[tuple[int, Any]]]:
    """The stages each case entered, with their versions, in order."""
    if not streams:
        return {}
    entered: dict[str, list[tuple[int, Any]]] = {}
    for row in await conn.fetch(_STAGES, list(streams), StageEntered.type):
        data = catalogue.load_json(StageEntered.type, row["schemaversion"], row["data"])
        entered.setdefault(row["stream"], []).append((row["version"], data))
    return entered


def _due_on(entered: list[tuple[int, Any]], stage: str, before: int) -> date | None:
    """The due date of the stage that was missed: its latest entry before the miss."""
    due = None
    for version, data in entered:
        if version >= before:
            break
        if data.stage == stage:
            due = data.due_on
    return due


@dataclass(frozen=True)
class Alert:
    alert_id: str
    kind: str
    case_id: str
    stage: str | None
    due_on: date | None


def compose(alert: Alert, sender: str, to: list[str], console_url: str | None) -> EmailMessage:
    """The email: the case, the stage, the due date and the console's link, nothing more."""
    message = EmailMessage()
    message["From"] = sender
    message["To"] = ", ".join(to)
    stage = (alert.stage or "").replace("_", " ")
    if alert.kind == "stage_missed":
        message["Subject"] = f"Stage missed: {stage} of case {alert.case_id}"
        lines = [
            f"Case {alert.case_id} missed the deadline of its {stage} stage.",
            f"The stage was due on {alert.due_on.isoformat() if alert.due_on else '-'}.",
        ]
    else:
        message["Subject"] = f"New critical case: {alert.case_id}"
        lines = [
            f"Case {alert.case_id} was triaged as critical.",
            "Its safety comes first: see the case before anything else.",
        ]
    if console_url:
        lines.append(f"Open it: {console_url.rstrip('/')}/console/cases/{alert.case_id}")
    lines.append("")
    lines.append("This alert holds no personal data; the case is in the console.")
    message.set_content("\n".join(lines))
    # One id per alert: a mail server or client that sees it twice knows it is a repeat.
    message["Message-ID"] = f"<{alert.alert_id.replace(':', '.')}@redress.alerts>"
    return message
