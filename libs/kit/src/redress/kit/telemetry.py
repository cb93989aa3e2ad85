"""OpenTelemetry: one tracer provider per process, exported by OTLP when configured."""

from __future__ import annotations

import os

from opentelemetry import trace
from opentelemetry.sdk.resources import Resource
from opentelemetry.sdk.trace import TracerProvider
from opentelemetry.sdk.trace.export import BatchSpanProcessor


def configure(service: str) -> None:
    if isinstance(trace.get_tracer_provider(), TracerProvider):
        return  # already set up (tests install their own in-memory exporter)
    provider = TracerProvider(resource=Resource.create({"service.name": f"redress-{service}"}))
    if os.environ.get("OTEL_EXPORTER_OTLP_ENDPOINT"):
        from opentelemetry.exporter.otlp.proto.http.trace_exporter import OTLPSpanExporter

        provider.add_span_processor(BatchSpanProcessor(OTLPSpanExporter()))
    trace.set_tracer_provider(provider)
