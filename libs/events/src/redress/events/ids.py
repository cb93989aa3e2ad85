"""Identifiers: UUIDv7 for events and new streams, UUIDv5 for streams derived from events."""

from __future__ import annotations

import uuid

import uuid6

_NAMESPACE = uuid.UUID("5b0f3a3e-3c6b-4c55-9d0e-5e1d2a7c0f11")


def new_id() -> uuid.UUID:
    return uuid.UUID(bytes=uuid6.uuid7().bytes)


def new_stream(stream_type: str) -> str:
    return f"{stream_type}-{new_id()}"


def derived_stream(stream_type: str, cause: uuid.UUID | str) -> str:
    """A stream id fixed by what caused it, so that a repeated reaction is a no-op."""
    return f"{stream_type}-{uuid.uuid5(_NAMESPACE, f'{stream_type}:{cause}')}"
