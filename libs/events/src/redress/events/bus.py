"""The JetStream side of the log: the stream, subjects, and events as NATS messages."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from functools import cache
from typing import Any
from uuid import UUID

import asyncpg
from nats.aio.msg import Msg
from nats.js import JetStreamContext
from nats.js.api import DiscardPolicy, RetentionPolicy, StorageType, StreamConfig
from nats.js.errors import NotFoundError
from pydantic import BaseModel, ConfigDict, ValidationError, create_model

from redress.events import catalogue
from redress.events.envelope import Actor, Event, EventData, stream_type_of
from redress.events.store import LogCursor


class _Place(BaseModel):
    """Where in the log a published event was: all the relay needs to resume after it."""

    txid: int
    position: int


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

    def subjects_reading(self, types: Iterable[str]) -> list[str]:
        """The subjects of these event types, of any stream type: what a runner asks the
        server to deliver (`filter_subjects`, NATS 2.10 and later), and nothing else."""
        return [f"{self.prefix}.*.{kind}" for kind in sorted(types)]

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

    async def unknown_types(self, js: JetStreamContext) -> dict[str, int]:
        """The event types in the stream that this build's catalogue does not know, with their
        counts: a producer deployed before its consumers. Runners are never sent them (ADR 39),
        so the stream's own count per subject is where an operator sees them."""
        info = await js.stream_info(self.stream, subjects_filter=f"{self.prefix}.>")
        found: dict[str, int] = {}
        for subject, count in (info.state.subjects or {}).items():
            kind = subject.rpartition(".")[2]
            if not catalogue.is_known(kind):
                found[kind] = found.get(kind, 0) + count
        return found

    async def last_published(self, js: JetStreamContext) -> tuple[int, LogCursor]:
        """The stream's last sequence and the log cursor of the message stored there."""
        seq = await self.last_sequence(js)
        if seq == 0:
            return 0, LogCursor()
        msg = await js.get_msg(self.stream, seq)
        headers = msg.headers or {}
        if "ce-txid" in headers:  # binary content mode, before ADR 0021
            return seq, LogCursor(int(headers["ce-txid"]), int(headers["ce-position"]))
        place = _Place.model_validate_json(msg.data or b"{}")
        return seq, LogCursor(place.txid, place.position)


def row_to_message(bus: Bus, row: asyncpg.Record) -> tuple[str, bytes, dict[str, str]]:
    """A row of the relay's read as a NATS message: the event in CloudEvents' JSON format.

    Structured content mode (ADR 0021): the attributes travel in the payload, written by
    PostgreSQL (`envelope`), so that a consumer parses one JSON document instead of a dozen
    header lines. Headers carry only what NATS itself reads (the id it deduplicates on) and
    the trace context, as OpenTelemetry propagates it over NATS.
    """
    headers = {"Nats-Msg-Id": row["id"]}
    if row["traceparent"]:
        headers["traceparent"] = row["traceparent"]
    subject = f"{bus.prefix}.{stream_type_of(row['stream'])}.{row['type']}"
    return subject, row["envelope"].encode(), headers


class _Envelope(BaseModel):
    """An event as the relay writes it: CloudEvents' JSON format with the log's extensions."""

    model_config = ConfigDict(extra="ignore")

    id: UUID
    type: str
    time: datetime
    schemaversion: int
    stream: str
    version: int
    tenant: str
    actor: Actor
    position: int
    txid: int
    correlationid: UUID | None = None
    causationid: UUID | None = None


class _Structured(_Envelope):
    """Any event: its data left for the catalogue to upcast and validate."""

    data: dict[str, Any]


class _Current(_Envelope):
    """An event in its type's current schema version: its data validated as that type in
    the same pass over the JSON, without a dict of it built first (`_current`)."""

    data: EventData


@cache
def _current(cls: type[EventData]) -> type[_Current]:
    return create_model(f"_Current{cls.type}", __base__=_Current, data=(cls, ...))


def type_of(msg: Msg) -> str:
    """A message's event type, from its subject (`<prefix>.<stream type>.<type>`): known
    before anything is decoded, so that a consumer passes over what it does not read."""
    return msg.subject.rpartition(".")[2]


def sequence_of(msg: Msg) -> int:
    """A delivered message's stream sequence, from its reply subject.

    nats-py's `msg.metadata` builds two dataclasses and a timestamp for it, a tenth of a
    replay's time (docs/performance.md); the runner needs only this number, at each message.
    """
    if (fields := _acknowledged(msg)) is None:
        return msg.metadata.sequence.stream  # not a JetStream delivery: nats-py says why
    return int(fields[1])


def delivered_by(msg: Msg) -> tuple[str, int]:
    """The consumer that delivered a message, and its count of deliveries at it, from the
    reply subject: how a runner knows it has received all that its consumer sent."""
    if (fields := _acknowledged(msg)) is None:
        return msg.metadata.consumer, msg.metadata.sequence.consumer
    return fields[0], int(fields[2])


def _acknowledged(msg: Msg) -> tuple[str, str, str] | None:
    """The consumer, stream sequence and consumer sequence that a JetStream delivery's reply
    subject names, in either of its forms: `$JS.ACK.<stream>.<consumer>.<delivered>.<stream
    seq>.<consumer seq>.<time>.<pending>`, and the newer one with a domain and an account
    hash after `ACK` (and a token at the end)."""
    tokens = (msg.reply or "").split(".")
    if tokens[0] != "$JS":
        return None
    if len(tokens) == _V1_TOKENS:
        return tokens[3], tokens[5], tokens[6]
    if len(tokens) >= _V2_TOKENS - 1:
        ack = Msg.Ack
        return tokens[ack.Consumer], tokens[ack.StreamSeq], tokens[ack.ConsumerSeq]
    return None


_V1_TOKENS, _V2_TOKENS = 9, 12


def message_id(msg: Msg) -> str:
    return (msg.headers or {}).get("Nats-Msg-Id", "?")


def message_to_event(msg: Msg, newest: int | None = None, reader: str = "") -> Event:
    """An event from a message the relay published: its envelope is trusted, its data validated.

    `newest`: the newest schema version of the type the consumer reads; a newer one is
    refused before its data is read, naming the `reader` to upgrade.
    """
    headers = msg.headers or {}
    if "ce-type" in headers:  # binary content mode, as the relay published before ADR 0021
        return _from_headers(msg, headers, newest, reader)
    e = _read(msg)
    if newest is not None and e.schemaversion > newest:
        raise catalogue.UnknownSchemaVersion(e.type, e.schemaversion, newest, reader)
    data = e.data if isinstance(e, _Current) else catalogue.load(e.type, e.schemaversion, e.data)
    return Event(
        id=e.id,
        type=e.type,
        schemaversion=e.schemaversion,
        stream=e.stream,
        version=e.version,
        position=e.position,
        tx_id=e.txid,
        tenant=e.tenant,
        time=e.time,
        data=data,
        actor=e.actor,
        correlationid=e.correlationid,
        causationid=e.causationid,
        traceparent=headers.get("traceparent"),
        sequence=sequence_of(msg),
    )


def _read(msg: Msg) -> _Current | _Structured:
    """The envelope and its data, validated once: as the current version of the type the
    subject names (nearly every message), else with the data as it came, for the catalogue
    to upcast, or to refuse in its own words (a version too new, data that is not valid)."""
    kind = type_of(msg)
    if catalogue.is_known(kind):
        cls = catalogue.event_type(kind)
        try:
            e = _current(cls).model_validate_json(msg.data)
        except ValidationError:
            pass
        else:  # an older version's data may validate as the current one, and mean another
            if e.type == kind and e.schemaversion == cls.schemaversion:
                return e
    return _Structured.model_validate_json(msg.data)


def _from_headers(msg: Msg, h: dict[str, str], newest: int | None, reader: str) -> Event:
    schemaversion = int(h["ce-schemaversion"])
    if newest is not None and schemaversion > newest:
        raise catalogue.UnknownSchemaVersion(h["ce-type"], schemaversion, newest, reader)
    correlation, causation = h.get("ce-correlationid"), h.get("ce-causationid")
    return Event(
        id=UUID(h["ce-id"]),
        type=h["ce-type"],
        schemaversion=schemaversion,
        stream=h["ce-stream"],
        version=int(h["ce-version"]),
        position=int(h["ce-position"]),
        tx_id=int(h["ce-txid"]),
        tenant=h["ce-tenant"],
        time=datetime.fromisoformat(h["ce-time"]),
        data=catalogue.load_json(h["ce-type"], schemaversion, msg.data),
        actor=Actor.model_validate_json(h["ce-actor"]),
        correlationid=UUID(correlation) if correlation else None,
        causationid=UUID(causation) if causation else None,
        traceparent=h.get("traceparent"),
        sequence=sequence_of(msg),
    )
