"""Does the stream hold the log, and where does each projection stand? (`redress verify`)

The stream must hold every event of the log exactly once and in the log's order
((tx_id, position), ADR 0006), so that its n-th message is the log's n-th event. That is what
lets a stream deleted or lost with its servers be rebuilt from the log by the relay alone: the
rebuilt stream gives every event the sequence it had, so the projections' checkpoints (stream
sequences) still name the events they applied, and nothing is applied twice.

What the relay has not published yet is lag, not a fault: the stream is read first and the
log after it, and the stream must be the beginning of the log.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field

from nats.js import JetStreamContext
from nats.js.api import AckPolicy, ConsumerConfig, DeliverPolicy

from redress.events.bus import Bus
from redress.events.store import Conn

Progress = Callable[[int, int], None]


@dataclass(frozen=True)
class LogRow:
    id: str
    stream: str
    version: int


@dataclass(frozen=True)
class Checkpoint:
    schema: str
    name: str
    position: int


@dataclass
class Verdict:
    log_events: int
    stream_messages: int
    problems: list[str] = field(default_factory=list)
    checkpoints: list[tuple[Checkpoint, str]] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.problems and all(note == "ok" for _, note in self.checkpoints)


def compare(rows: list[LogRow], ids: list[str]) -> list[str]:
    """How the stream (`ids`, in sequence order) differs from the log (`rows`, in log order).

    Each event exactly once, in its stream's version order, and at the sequence its place in
    the log gives it; an empty list when they agree.
    """
    problems = []
    twice = [i for i, n in Counter(ids).items() if n > 1]
    if twice:
        problems.append(f"{len(twice)} events twice in the stream, e.g. {twice[:3]}")
    in_log = {r.id: r for r in rows}
    in_stream = set(ids)
    missing = [r.id for r in rows[: len(ids)] if r.id not in in_stream]
    if missing:
        problems.append(f"{len(missing)} events of the log not in the stream, e.g. {missing[:3]}")
    unknown = [i for i in ids if i not in in_log]
    if unknown:
        problems.append(f"{len(unknown)} messages not in the log, e.g. {unknown[:3]}")
    versions: dict[str, int] = {}
    disorder = 0
    for event_id in ids:
        if (row := in_log.get(event_id)) is not None:
            if row.version <= versions.get(row.stream, 0):
                disorder += 1
            versions[row.stream] = row.version
    if disorder:
        problems.append(f"{disorder} messages out of their stream's version order")
    for seq, (event_id, row) in enumerate(zip(ids, rows, strict=False), start=1):
        if event_id != row.id:
            problems.append(
                f"from sequence {seq} on, the stream is not the log: message {event_id}, "
                f"where the log has {row.id}"
            )
            break
    return problems


async def stream_ids(
    js: JetStreamContext, bus: Bus, *, page: int = 1000, progress: Progress | None = None
) -> list[str]:
    """Every message's event id (`Nats-Msg-Id`), in sequence order, up to the last one now."""
    last = await bus.last_sequence(js)
    ids: list[str] = []
    if last == 0:
        return ids
    sub = await js.pull_subscribe(
        f"{bus.prefix}.>",
        stream=bus.stream,
        config=ConsumerConfig(
            deliver_policy=DeliverPolicy.ALL, ack_policy=AckPolicy.NONE, inactive_threshold=60
        ),
    )
    try:
        while len(ids) < last:
            for msg in await sub.fetch(min(page, last - len(ids)), timeout=10):
                ids.append((msg.headers or {})["Nats-Msg-Id"])
            if progress is not None:
                progress(len(ids), last)
    finally:
        await sub.unsubscribe()
    return ids[:last]


async def log_rows(conn: Conn) -> list[LogRow]:
    """Every event of the log, in the relay's (tx_id, position) order."""
    rows = await conn.fetch(
        "SELECT id::text, stream, version FROM eventlog.events ORDER BY tx_id, position"
    )
    return [LogRow(r["id"], r["stream"], r["version"]) for r in rows]


async def checkpoints(conn: Conn) -> list[Checkpoint]:
    """Every projection's checkpoint, in whichever schema keeps one."""
    schemas = await conn.fetch(
        "SELECT table_schema FROM information_schema.tables WHERE table_name = 'checkpoints'"
        " ORDER BY table_schema"
    )
    found = []
    for (schema,) in schemas:
        quoted = '"' + schema.replace('"', '""') + '"'
        for name, position in await conn.fetch(
            f"SELECT name, position FROM {quoted}.checkpoints ORDER BY name"
        ):
            found.append(Checkpoint(schema, name, int(position)))
    return found


async def verify(
    conn: Conn, js: JetStreamContext, bus: Bus, progress: Progress | None = None
) -> Verdict:
    """The log against the stream, event by event, and each checkpoint against the stream."""
    ids = await stream_ids(js, bus, progress=progress)
    rows = await log_rows(conn)
    verdict = Verdict(len(rows), len(ids), compare(rows, ids))
    for checkpoint in await checkpoints(conn):
        if checkpoint.position > len(ids):
            note = (
                f"ahead of the stream ({checkpoint.position} > {len(ids)}): the stream lost "
                "events it had; let the relay catch up, or rebuild this projection"
            )
        else:
            note = "ok"
        verdict.checkpoints.append((checkpoint, note))
    return verdict
