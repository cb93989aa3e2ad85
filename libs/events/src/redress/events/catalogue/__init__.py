"""The catalogue of event types: the published language between services.

Each stream type has a module (the grievance's and the case's, a few: what the worker files,
what they answer, who represents them, the texts they are sent; a case's verification and
what stands over its course). A change to an event type is a new schema version, registered
with an upcaster from the version before it. A build reads every version up to the one its
catalogue defines; a newer one is refused, never guessed at (docs/events.md).
"""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any, TypeVar

from redress.events.envelope import EventData

E = TypeVar("E", bound=type[EventData])
Upcaster = Callable[[dict[str, Any]], dict[str, Any]]

_types: dict[str, type[EventData]] = {}
_upcasters: dict[tuple[str, int], Upcaster] = {}


class UnknownEventType(LookupError):
    pass


class UnknownSchemaVersion(LookupError):
    """A payload of a version this build cannot read: newer than its catalogue, or older
    with no upcaster registered."""

    def __init__(
        self, type_name: str, schemaversion: int, known: int, reader: str = "this service"
    ) -> None:
        self.type_name, self.schemaversion, self.known = type_name, schemaversion, known
        if schemaversion > known:
            detail = (
                f"{type_name} schema version {schemaversion} is newer than this build reads "
                f"(up to {known}): deploy a build of {reader} whose catalogue has "
                f"{type_name} v{schemaversion}; consumers are deployed before producers "
                "(docs/events.md)"
            )
        else:
            detail = f"{type_name} schema version {schemaversion} has no upcaster to v{known}"
        super().__init__(detail)


def event(cls: E) -> E:
    """Register an event type under its `type` name."""
    if cls.type in _types and _types[cls.type] is not cls:
        raise ValueError(f"event type {cls.type} registered twice")
    _types[cls.type] = cls
    return cls


def upcaster(type_name: str, from_version: int) -> Callable[[Upcaster], Upcaster]:
    """Register a function turning version `from_version` of a payload into the next."""

    def register(fn: Upcaster) -> Upcaster:
        _upcasters[(type_name, from_version)] = fn
        return fn

    return register


def event_type(type_name: str) -> type[EventData]:
    try:
        return _types[type_name]
    except KeyError:
        raise UnknownEventType(type_name) from None


def load(type_name: str, schemaversion: int, raw: dict[str, Any]) -> EventData:
    """Upcast a stored payload to the current schema version and validate it."""
    cls = event_type(type_name)
    _readable(cls, schemaversion)
    version = schemaversion
    while version < cls.schemaversion:
        raw = _upcasters[(type_name, version)](raw)
        version += 1
    return cls.model_validate(raw)


def load_json(type_name: str, schemaversion: int, raw: bytes | str) -> EventData:
    """`load` for a JSON document; parsed and validated in one step when no upcast is due."""
    cls = event_type(type_name)
    if schemaversion == cls.schemaversion:
        return cls.model_validate_json(raw)
    return load(type_name, schemaversion, json.loads(raw))


def _readable(cls: type[EventData], schemaversion: int) -> None:
    """Refuse a version newer than the catalogue's, or one with a missing upcaster: a
    payload validated as a version it is not could be read wrong without a word."""
    missing = any((cls.type, v) not in _upcasters for v in range(schemaversion, cls.schemaversion))
    if schemaversion > cls.schemaversion or schemaversion < 1 or missing:
        raise UnknownSchemaVersion(cls.type, schemaversion, cls.schemaversion)


def of_stream(*stream_types: str) -> tuple[type[EventData], ...]:
    """Every event type this build knows of the given stream types (of all, when none)."""
    return tuple(c for c in _types.values() if not stream_types or c.stream_type in stream_types)


def is_known(type_name: str) -> bool:
    return type_name in _types


def known_types() -> dict[str, type[EventData]]:
    return dict(_types)


def _load_modules() -> None:
    # Importing the modules registers their types.
    from redress.events.catalogue import (  # noqa: F401
        access,
        assessment,
        audit,
        case,
        case_oversight,
        case_verification,
        disclosure,
        grievance,
        grievance_answers,
        partner,
        referral,
        release,
        remedy,
        representation,
        retaliation,
        supply_chain,
        tenant,
        texts,
    )


_load_modules()
