"""Retaliation reports, transport-free: recorded in the transaction of what heard them.

A callback's outcome and a worker's message on the status page each carry the report into
their own write: the report's stream is appended on the same connection, so the call or the
message and the report land together or not at all. The number to call back at the
check-in is the one the worker gave, sealed again under the same data key (the audit's or
the grievance's), so that erasing those erases it too; a worker who did not allow contact
gives none.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from typing import Any

from redress.events.application import Recorded, Within
from redress.events.catalogue.audit import CallbackScheduled
from redress.events.catalogue.grievance import Channel, GrievanceSubmitted, Sealed
from redress.events.envelope import Event, Metadata
from redress.events.ids import new_id
from redress.events.store import Conn, EventStore
from redress.intake.retaliation_domain import REPORT, ReportRetaliation, report_stream
from redress.kit.crypto import KeyErased, Keyring

_PHONE = re.compile(r"^\+?[0-9]{6,15}$")
_SEPARATORS = re.compile(r"[\s().\-/]")


async def record_report(
    conn: Conn, store: EventStore, metadata: Metadata, command: ReportRetaliation
) -> str:
    """Append the report on `conn`, inside the caller's transaction; its stream."""
    stream = report_stream(command.report_id)
    events = list(REPORT.deciding(stream, command)([]))
    await store.append(stream, events, 0, metadata, conn=conn)
    return stream


def callback_contact(history: list[Event], callback_id: str) -> Sealed | None:
    """The callback's phone number and good time, as the audit sealed them."""
    for event in history:
        if isinstance(event.data, CallbackScheduled) and event.data.callback_id == callback_id:
            return event.data.contact
    return None


async def grievance_contact(
    conn: Conn, keyring: Keyring, submitted: GrievanceSubmitted, contact_me: bool
) -> Sealed | None:
    """The worker's phone number and good time, sealed again under the grievance's key;
    None when the worker did not allow contact, gave no phone number, or erased it."""
    if not contact_me:
        return None
    try:
        key = await keyring.get(conn, submitted.personal.key_id)
    except KeyErased:
        return None
    personal = json.loads(key.open(submitted.personal))
    contact = personal.get("contact") or {}
    number = _SEPARATORS.sub("", contact.get("phone_or_email") or "")
    if not _PHONE.match(number):
        return None  # an e-mail address, or nothing to dial
    return key.seal(json.dumps({"phone": number, "good_time": contact.get("time")}).encode())


@dataclass
class Reporting(Within):
    """A write that may carry a retaliation report: `decide` sets `report`, and the report
    is appended in the same transaction once the write's own events are."""

    store: EventStore | None = None
    metadata: Metadata | None = None
    report: ReportRetaliation | None = None
    streams: list[str] = field(default_factory=list)

    async def begin(self, conn: Conn) -> Any:
        self.report, self.streams = None, []  # each attempt decides afresh
        return await super().begin(conn)

    async def end(self, conn: Conn, recorded: Recorded) -> None:
        if self.report is not None and self.store is not None and self.metadata is not None:
            self.streams.append(await record_report(conn, self.store, self.metadata, self.report))


def reported_in_message(
    history: list[Event], grievance_id: str, contact: Sealed | None
) -> ReportRetaliation:
    """A report the worker made in a message about their own grievance."""
    submitted = history[0].data
    assert isinstance(submitted, GrievanceSubmitted)  # a grievance's stream starts so
    return ReportRetaliation(
        report_id=str(new_id()), channel=Channel.web, language=submitted.language,
        country=submitted.country, site_id=submitted.site_id, grievance_id=grievance_id,
        contact=contact,
    )  # fmt: skip
