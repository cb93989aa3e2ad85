"""The event envelope: CloudEvents attribute names around a payload from the catalogue."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import ClassVar
from uuid import UUID

from pydantic import BaseModel, ConfigDict, Field


class EventData(BaseModel):
    """Base of every payload in the catalogue: frozen, strict about unknown fields."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    type: ClassVar[str]
    stream_type: ClassVar[str]
    schemaversion: ClassVar[int] = 1


class Actor(BaseModel):
    """Who caused an event: a principal id and role, never a worker's identity."""

    model_config = ConfigDict(frozen=True)

    id: str = Field(max_length=200)
    role: str = Field(max_length=50)


SYSTEM = Actor(id="redress", role="system")


class Metadata(BaseModel):
    """What travels with every event of one command besides its payload."""

    model_config = ConfigDict(frozen=True)

    tenant: str = Field(max_length=63)
    actor: Actor = SYSTEM
    correlationid: UUID | None = None
    causationid: UUID | None = None
    traceparent: str | None = None


@dataclass(frozen=True, slots=True)
class Event:
    """An event as recorded in the log and delivered to consumers.

    A plain dataclass: it is built from rows and messages the platform wrote itself,
    many thousands a second on replay, and only its `data` needs validating.
    """

    id: UUID
    type: str
    schemaversion: int
    stream: str
    version: int
    position: int
    tx_id: int
    tenant: str
    time: datetime
    data: EventData
    actor: Actor
    correlationid: UUID | None = None
    causationid: UUID | None = None
    traceparent: str | None = None
    sequence: int = 0
    """The JetStream sequence it was delivered under; 0 when read from the log directly."""

    @property
    def stream_type(self) -> str:
        return stream_type_of(self.stream)


def stream_type_of(stream: str) -> str:
    """`case-0190...` -> `case`."""
    kind, sep, _ = stream.partition("-")
    if not sep or not kind:
        raise ValueError(f"stream name {stream!r} is not <streamtype>-<id>")
    return kind
