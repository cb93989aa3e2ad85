"""The JetStream side of the log: the stream, subjects, and events as NATS messages."""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import asyncpg
from nats.aio.msg import Msg
from nats.js import JetStreamContext
from nats.js.api import DiscardPolicy, RetentionPolicy, StorageType, StreamConfig
from nats.js.errors import NotFoundError

from redress.events import catalogue
from redress.events.envelope import Event, stream_type_of

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


def row_to_message(bus: Bus, row: asyncpg.Record) -> tuple[str, bytes, dict[str, str]]:
    """A log row as a NATS message: CloudEvents attributes in headers, the payload as JSON."""
    meta: dict[str, Any] = json.loads(row["metadata"])
    time: datetime = row["time"]
    headers = {
        "Nats-Msg-Id": str(row["id"]),
        "ce-specversion": "1.0",
        "ce-id": str(row["id"]),
        "ce-type": row["type"],
        "ce-source": "redress",
        "ce-subject": row["stream"],
        "ce-time": time.isoformat(),
        "ce-schemaversion": str(row["schemaversion"]),
        "ce-stream": row["stream"],
        "ce-version": str(row["version"]),
        "ce-tenant": row["tenant"],
        "ce-actor": json.dumps(meta["actor"], separators=(",", ":")),
        POSITION_HEADER: str(row["position"]),
        TX_HEADER: str(row["tx_id"]),
        "content-type": "application/json",
    }
    for key in ("correlationid", "causationid", "traceparent"):
        if meta.get(key):
            headers[f"ce-{key}" if key != "traceparent" else key] = str(meta[key])
    subject = bus.subject(stream_type_of(row["stream"]), row["type"])
    return subject, row["data"].encode(), headers


def message_to_event(msg: Msg) -> Event:
    h = msg.headers or {}
    schemaversion = int(h["ce-schemaversion"])
    return Event(
        id=h["ce-id"],
        type=h["ce-type"],
        schemaversion=schemaversion,
        stream=h["ce-stream"],
        version=int(h["ce-version"]),
        position=int(h[POSITION_HEADER]),
        tx_id=int(h[TX_HEADER]),
        tenant=h["ce-tenant"],
        time=h["ce-time"],
        data=catalogue.load(h["ce-type"], schemaversion, json.loads(msg.data)),
        actor=json.loads(h["ce-actor"]),
        correlationid=h.get("ce-correlationid"),
        causationid=h.get("ce-causationid"),
        traceparent=h.get("traceparent"),
        sequence=msg.metadata.sequence.stream,
    )
