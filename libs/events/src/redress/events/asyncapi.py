"""The catalogue as an AsyncAPI 3.0 document: the published language between services."""

from __future__ import annotations

from typing import Any

from redress.events import catalogue
from redress.events.bus import Bus

_HEADERS = {
    "type": "object",
    "description": "What NATS reads (the id it deduplicates on) and the W3C trace context",
    "properties": {"Nats-Msg-Id": {"type": "string"}, "traceparent": {"type": "string"}},
    "required": ["Nats-Msg-Id"],
}
_STRING = {"type": "string"}
_INTEGER = {"type": "integer"}


def _envelope(data: dict[str, Any]) -> dict[str, Any]:
    """CloudEvents' JSON format (structured content mode, ADR 0021) around `data`."""
    return {
        "type": "object",
        "description": "A CloudEvent in JSON, with the log's extension attributes",
        "properties": {
            "specversion": {"const": "1.0"}, "id": {"type": "string", "format": "uuid"},
            "source": {"const": "redress"}, "type": _STRING,
            "datacontenttype": {"const": "application/json"},
            "time": {"type": "string", "format": "date-time"},
            "schemaversion": _INTEGER,
            "stream": _STRING, "version": _INTEGER, "tenant": _STRING,
            "actor": {"type": "object", "properties": {"id": _STRING, "role": _STRING}},
            "position": _INTEGER, "txid": _INTEGER,
            "correlationid": {"type": "string", "format": "uuid"},
            "causationid": {"type": "string", "format": "uuid"},
            "data": data,
        },
        "required": ["specversion", "id", "source", "type", "time", "schemaversion", "stream",
                     "version", "tenant", "actor", "position", "txid", "data"],
    }  # fmt: skip


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
            "contentType": "application/cloudevents+json",
            "headers": _HEADERS,
            "payload": _envelope(schema),
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
        "defaultContentType": "application/cloudevents+json",
        "channels": channels,
        "components": {"messages": messages},
    }
