"""The JetStream side of the log: the stream, subjects, and events as NATS messages."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from uuid import UUID

import asyncpg
from nats.aio.msg import Msg
from nats.js import JetStreamContext
from nats.js.api import DiscardPolicy, RetentionPolicy, StorageType, StreamConfig
from nats.js.errors import NotFoundError

from redress.events import catalogue
from redress.events.envelope import Actor, Event, stream_type_of
from redress.events.store import LogCursor

TX_HEADER = "ce-txid"
POSITION_HEADER = "ce-position"


@dataclass(frozen=True)
class Bus:
    """Where the log is published: one JetStream stream and a subject prefix."""

    stream: str = "REDRESS_EVENTS"
    prefix: str = "redress.events"
    replicas: int = 1

    def subject(self, stream_type: str, event_type: str) -> str:
        return f"{self.prefix}.{stream_type}.{event_type}"

    def subjects_for(self, stream_types: tuple[str, ...] | None) -> list[str]:
        if not stream_types:
            return [f"{self.prefix}.>"]
        return [f"{self.prefix}.{kind}.>" for kind in stream_types]

    async def ensure_stream(self, js: JetStreamContext) -> None:
        config = StreamConfig(
            name=self.stream,
            subjects=[f"{self.prefix}.>"],
            retention=RetentionPolicy.LIMITS,
            storage=StorageType.FILE,
            discard=DiscardPolicy.OLD,
            max_msgs=-1,
            max_bytes=-1,
            max_age=0,
            num_replicas=self.replicas,
            duplicate_window=120.0,
        )
        try:
            await js.stream_info(self.stream)
        except NotFoundError:
            await js.add_stream(config)

    async def last_sequence(self, js: JetStreamContext) -> int:
        info = await js.stream_info(self.stream)
        return int(info.state.last_seq)

    async def last_published(self, js: JetStreamContext) -> tuple[int, LogCursor]:
        """The stream's last sequence and the log cursor of the message stored there."""
        seq = await self.last_sequence(js)
        if seq == 0:
            return 0, LogCursor()
        msg = await js.get_msg(self.stream, seq)
        headers = msg.headers or {}
        return seq, LogCursor(int(headers[TX_HEADER]), int(headers[POSITION_HEADER]))


def row_to_message(bus: Bus, row: asyncpg.Record) -> tuple[str, bytes, dict[str, str]]:
    """A row of the relay's read as a NATS message: CloudEvents attributes in headers."""
    headers = {
        "Nats-Msg-Id": row["id"],
        "ce-specversion": "1.0",
        "ce-id": row["id"],
        "ce-type": row["type"],
        "ce-source": "redress",
        "ce-time": row["time"],
        "ce-schemaversion": str(row["schemaversion"]),
        "ce-stream": row["stream"],
        "ce-version": str(row["version"]),
        "ce-tenant": row["tenant"],
        "ce-actor": row["actor"],
        POSITION_HEADER: str(row["position"]),
        TX_HEADER: row["txid"],
    }
    if row["correlationid"]:
        headers["ce-correlationid"] = row["correlationid"]
    if row["causationid"]:
        headers["ce-causationid"] = row["causationid"]
    if row["traceparent"]:
        headers["traceparent"] = row["traceparent"]
    subject = f"{bus.prefix}.{stream_type_of(row['stream'])}.{row['type']}"
    return subject, row["data"].encode(), headers


def message_to_event(msg: Msg) -> Event:
    """An event from a message the relay published: its headers are trusted, its data validated."""
    h = msg.headers or {}
    schemaversion = int(h["ce-schemaversion"])
    correlation, causation = h.get("ce-correlationid"), h.get("ce-causationid")
    return Event(
        id=UUID(h["ce-id"]),
        type=h["ce-type"],
        schemaversion=schemaversion,
        stream=h["ce-stream"],
        version=int(h["ce-version"]),
        position=int(h[POSITION_HEADER]),
        tx_id=int(h[TX_HEADER]),
        tenant=h["ce-tenant"],
        time=datetime.fromisoformat(h["ce-time"]),
        data=catalogue.load_json(h["ce-type"], schemaversion, msg.data),
        actor=Actor.model_validate_json(h["ce-actor"]),
        correlationid=UUID(correlation) if correlation else None,
        causationid=UUID(causation) if causation else None,
        traceparent=h.get("traceparent"),
        sequence=msg.metadata.sequence.stream,
    )
