"""The catalogue as an AsyncAPI 3.0 document: the published language between services."""

from __future__ import annotations

from typing import Any

from redress.events import catalogue
from redress.events.bus import Bus

_HEADER_NAMES = (
    "Nats-Msg-Id", "ce-specversion", "ce-id", "ce-type", "ce-source", "ce-time",
    "ce-schemaversion", "ce-stream", "ce-version", "ce-tenant", "ce-actor", "ce-position",
    "ce-txid", "ce-correlationid", "ce-causationid", "traceparent",
)  # fmt: skip
_HEADERS = {
    "type": "object",
    "description": "CloudEvents attributes (binary mode) and the log's place of the event",
    "properties": {name: {"type": "string"} for name in _HEADER_NAMES},
    "required": ["ce-id", "ce-type", "ce-source", "ce-specversion", "ce-stream", "ce-version"],
}


def document(bus: Bus) -> dict[str, Any]:
    channels: dict[str, Any] = {}
    messages: dict[str, Any] = {}
    for name, cls in sorted(catalogue.known_types().items()):
        schema = cls.model_json_schema(ref_template="#/components/schemas/{model}")
        definitions = schema.pop("$defs", {})
        messages[name] = {
            "name": name,
            "title": name,
            "summary": (cls.__doc__ or "").strip().split("\n")[0] or name,
            "contentType": "application/json",
            "headers": _HEADERS,
            "payload": schema,
            "x-schemaversion": cls.schemaversion,
            "x-definitions": definitions,
        }
        channels[name] = {
            "address": bus.subject(cls.stream_type, name),
            "messages": {name: {"$ref": f"#/components/messages/{name}"}},
        }
    return {
        "asyncapi": "3.0.0",
        "info": {
            "title": "Redress event catalogue",
            "version": "0.1.0",
            "description": "Every event of the log, as the relay publishes it to JetStream.",
        },
        "defaultContentType": "application/json",
        "channels": channels,
        "components": {"messages": messages},
    }
