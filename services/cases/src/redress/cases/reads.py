"""Who read what: each request that shows staff decrypted personal data records it.

One `PersonalDataRead` per request, listing the fields shown (never their content), with the
reader as the envelope's actor. It is appended before the answer leaves: a read that cannot
be recorded is not answered.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from redress.events.application import execute
from redress.events.catalogue.access import PersonalDataRead
from redress.events.ids import derived_stream
from redress.events.store import EventStore
from redress.kit.auth import Principal
from redress.kit.deps import metadata_for

# A thread entry's author -> the field it belongs to.
THREAD_FIELDS = {"worker": "messages", "officer": "messages", "note": "notes"}


def reads_stream(case_id: str) -> str:
    """The case's own access stream, fixed by the case."""
    return derived_stream("access", case_id)


def fields_shown(
    grievance: Mapping[str, Any] | None,
    thread: Iterable[Mapping[str, Any]] = (),
    findings: Iterable[Mapping[str, Any]] = (),
) -> tuple[str, ...]:
    """The personal fields a page or answer shows: those with a decrypted value."""
    shown = {k for k, v in (grievance or {}).items() if v}
    shown |= {THREAD_FIELDS[m["author"]] for m in thread if m.get("text") is not None}
    if any(f.get("text") is not None for f in findings):
        shown.add("findings")
    if any(e.get("name") is not None for f in findings for e in f.get("evidence", ())):
        shown.add("evidence")  # the names of its files, opened
    return tuple(sorted(shown))


async def record(
    store: EventStore,
    p: Principal,
    case_id: str,
    grievance_id: str,
    fields: tuple[str, ...],
    channel: str,
) -> None:
    """Append the read to the case's access stream; nothing when nothing was decrypted."""
    if not fields:
        return
    stream = reads_stream(case_id)
    read = PersonalDataRead(
        case_id=case_id, grievance_id=grievance_id, fields=fields, channel=channel
    )
    # Two staff reading at the same instant clash on the version: `execute` goes again.
    await execute(store, stream, lambda _: [read], metadata_for(p))


# How many reads the case page looks back over, and how many lines it shows of them.
READS_LOOKED_AT = 500
READS_SHOWN = 20


def runs(recent: list[dict[str, Any]], shown: int = READS_SHOWN) -> list[dict[str, Any]]:
    """The reads, newest first, one line per run of reads by the same person of the same
    fields in the same place (`count`, from `first` to `time`): an officer working through a
    case reloads its page at every step, and line by line those reads pushed anyone else's
    off the page. Every read stays on the log and in `/v1/cases/{id}/reads`."""
    lines: list[dict[str, Any]] = []
    for read in recent:
        last = lines[-1] if lines else None
        same = ("reader", "role", "channel", "fields")
        if last is not None and all(last[k] == read[k] for k in same):
            last["count"] += 1
            last["first"] = read["time"]
            continue
        if len(lines) == shown:
            break
        lines.append(read | {"count": 1, "first": read["time"]})
    return lines
